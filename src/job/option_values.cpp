// The values of build options as podman's CLI reads them
// (include/pma/job/option_values.hpp).
#include <pma/job/option_values.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX, for --env PREFIX*

namespace pma::job {

using libpod::BuildOption;
using libpod::Syntax;
using util::ErrorClass;
using util::Result;

namespace {

// The client's environment variables whose name starts with `prefix`, as "K=V".
std::vector<std::string>
environment_with_prefix(const std::string& prefix)
{
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.starts_with(prefix) && text.find('=') != std::string_view::npos) {
      out.emplace_back(text);
    }
  }
  return out;
}

// `text` as a path: "~" expanded, a relative one below `base`.
std::filesystem::path
located(const std::filesystem::path& base, const std::string& text)
{
  std::filesystem::path path = util::expand_user(text);
  if (!base.empty() && path.is_relative()) {
    path = base / path;
  }
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  return (ec ? path : absolute).lexically_normal();
}

// strerror's text as Go prints it ("no such file or directory").
std::string
go_error_text(const int error)
{
  std::string text = std::strerror(error);
  if (!text.empty()) {
    text.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
  }
  return text;
}

} // namespace

Result<std::vector<std::string>>
list_elements(const std::vector<std::string>& items, const std::string_view option)
{
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (util::trim(item).empty()) {
      return util::fail(ErrorClass::usage, fmt::format("--{} '{}' names nothing", option, item));
    }
    for (const auto& part : util::split(item, ',')) {
      const std::string_view text = util::trim(part);
      if (text.empty()) {
        return util::fail(ErrorClass::usage,
                          fmt::format("--{} '{}' has an empty element (a comma too many?)", option, item));
      }
      out.emplace_back(text);
    }
  }
  return out;
}

Result<std::vector<oci::Platform>>
parse_platforms(const std::vector<std::string>& elements, std::map<oci::Platform, std::string>* texts)
{
  std::vector<oci::Platform> out;
  for (const auto& element : elements) {
    const std::string text = util::to_lower(element);
    PMA_TRY_ASSIGN(const auto platform, oci::Platform::parse(text));
    if (std::find(out.begin(), out.end(), platform) == out.end()) {
      out.push_back(platform);
    }
    if (texts != nullptr) {
      // Sent as asked (podman and buildx send linux/arm64, not linux/arm64/v8,
      // so TARGETVARIANT stays empty), with the aliases normalised.
      const bool variant_given = util::split(text, '/').size() == 3;
      (*texts)[platform] =
          variant_given ? platform.to_string() : fmt::format("{}/{}", platform.os, platform.architecture);
    }
  }
  return out;
}

Result<std::map<std::string, std::string>>
build_args(const std::vector<std::string>& files, const std::vector<std::string>& args)
{
  std::map<std::string, std::string> out;
  // podman's env.ParseFile: leading blanks trimmed, blank and '#' lines skipped,
  // KEY=VALUE (value verbatim), KEY (from here if set), PREFIX* (every match).
  for (const auto& file : files) {
    PMA_TRY_ASSIGN(const auto text, util::read_file(util::expand_user(file)));
    int line_number = 0;
    for (auto line : util::split(text, '\n')) {
      ++line_number;
      if (line.ends_with('\r')) {
        line.pop_back();
      }
      const std::string_view trimmed =
          std::string_view(line).substr(std::min(line.find_first_not_of(" \t"), line.size()));
      if (trimmed.empty() || trimmed.starts_with('#')) {
        continue;
      }
      const size_t eq = trimmed.find('=');
      if (eq == 0) {
        return util::fail(ErrorClass::usage,
                          fmt::format("--build-arg-file {}:{}: invalid variable '{}'", file, line_number, trimmed));
      }
      if (eq != std::string_view::npos) {
        out[std::string(trimmed.substr(0, eq))] = std::string(trimmed.substr(eq + 1));
      } else if (trimmed.ends_with('*')) {
        for (const auto& entry : environment_with_prefix(std::string(trimmed.substr(0, trimmed.size() - 1)))) {
          out[entry.substr(0, entry.find('='))] = entry.substr(entry.find('=') + 1);
        }
      } else if (const char* value = std::getenv(std::string(trimmed).c_str()); value != nullptr) {
        out[std::string(trimmed)] = value;
      }
    }
  }
  for (const auto& item : args) {
    const size_t eq = item.find('=');
    if (item.empty() || eq == 0) {
      return util::fail(ErrorClass::usage, fmt::format("--build-arg '{}' must be KEY[=VALUE]", item));
    }
    if (eq != std::string::npos) {
      out[item.substr(0, eq)] = item.substr(eq + 1);
    } else if (const char* value = std::getenv(item.c_str()); value != nullptr) {
      out[item] = value;
    } else {
      out.erase(item); // unset here: the Containerfile's default applies, as with podman
    }
  }
  return out;
}

// Anything else before a ':' is part of the key, as podman reads it
// ("com.example:key=v").
Result<void>
add_annotations(const std::vector<std::string>& items, BuildOptions& options)
{
  for (const auto& raw : items) {
    std::string annotation = raw;
    std::vector<std::string>* target = &options.annotations;
    for (const auto& [level, list] : {std::pair{std::string("manifest:"), &options.annotations},
                                      std::pair{std::string("manifest-descriptor:"), &options.descriptor_annotations},
                                      std::pair{std::string("index:"), &options.index_annotations}}) {
      if (annotation.starts_with(level)) {
        target = list;
        annotation.erase(0, level.size());
        break;
      }
    }
    if (annotation.empty() || annotation.front() == '=') {
      return util::fail(ErrorClass::usage, fmt::format("--annotation '{}' must be [LEVEL:]KEY[=VALUE]", raw));
    }
    if (target != &options.annotations && annotation.find('=') == std::string::npos) {
      annotation += "="; // list annotations are KEY=VALUE to podman's manifest verbs
    }
    target->push_back(annotation);
  }
  return {};
}

std::optional<std::string>
pull_policy(const std::string_view text)
{
  static const std::map<std::string, std::string, std::less<>> k_policies = {
      {"missing", "missing"}, {"always", "always"}, {"true", "always"}, {"newer", "newer"},
      {"ifnewer", "newer"},   {"never", "never"},   {"false", "false"}};
  const auto it = k_policies.find(util::to_lower(util::trim(text)));
  return it != k_policies.end() ? std::optional(it->second) : std::nullopt;
}

Result<libpod::BuildSetting>
forwarded_setting(const libpod::BuildOptionSpec& spec, std::vector<std::string> values)
{
  const std::string flag(spec.flag());
  if (spec.syntax == Syntax::csv) {
    std::vector<std::string> parts;
    for (const auto& item : values) {
      for (auto& part : util::split(item, ',')) {
        parts.push_back(std::move(part));
      }
    }
    values = std::move(parts);
  } else if (spec.syntax == Syntax::value && values.size() > 1) {
    values.erase(values.begin(), values.end() - 1); // the last occurrence wins
  }
  if (spec.syntax == Syntax::toggle) {
    for (const auto& value : values) {
      if (value != "true" && value != "false") {
        return util::fail(ErrorClass::usage, fmt::format("--{} '{}': must be true or false", flag, value));
      }
    }
  }
  if (spec.check != nullptr) {
    for (auto& value : values) {
      PMA_TRY_ASSIGN(value, spec.check(flag, value));
    }
  }
  return libpod::BuildSetting{spec.option, std::move(values)};
}

std::vector<std::string>
resolved_env(const std::vector<std::string>& items)
{
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (item.find('=') != std::string::npos) {
      out.push_back(item);
    } else if (item.ends_with('*')) {
      const auto matching = environment_with_prefix(item.substr(0, item.size() - 1));
      out.insert(out.end(), matching.begin(), matching.end());
    } else if (const char* value = std::getenv(item.c_str()); value != nullptr) {
      out.push_back(item + "=" + value);
    }
  }
  return out;
}

Result<void>
add_security_opts(const std::vector<std::string>& items, std::vector<libpod::BuildSetting>& settings)
{
  std::vector<std::string> labels;
  for (const auto& item : items) {
    const size_t eq = item.find_first_of("=:");
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? std::string() : item.substr(eq + 1);
    if (key == "label" && !value.empty()) {
      labels.push_back(value);
    } else if (key == "seccomp" && !value.empty()) {
      settings.push_back({BuildOption::seccomp, {value}});
    } else if (key == "apparmor" && !value.empty()) {
      settings.push_back({BuildOption::apparmor, {value}});
    } else {
      return util::fail(ErrorClass::usage,
                        fmt::format("--security-opt '{}': the build endpoint carries only label=…, seccomp=… and "
                                    "apparmor=… (podman's remote client drops the others silently)",
                                    item));
    }
  }
  if (!labels.empty()) {
    settings.push_back({BuildOption::security_label, labels});
  }
  return {};
}

// As buildah reads it: without src or env the source is ID; without a type,
// env if the variable ID exists here, else file. Values of env secrets are
// read here: the service would otherwise read its own environment (podman
// before 5.8 does).
Result<std::vector<Secret>>
read_secrets(const std::vector<std::string>& items, const std::filesystem::path& base)
{
  std::vector<Secret> secrets;
  for (const auto& item : items) {
    std::string id;
    std::string source;
    std::string type;
    for (const auto& token : util::split(item, ',')) {
      const size_t eq = token.find('=');
      const std::string key = token.substr(0, eq);
      const std::string value = eq == std::string::npos ? std::string() : token.substr(eq + 1);
      if (eq == std::string::npos || (key != "id" && key != "src" && key != "env" && key != "type")) {
        return util::fail(ErrorClass::usage,
                          fmt::format("--secret '{}': expected id=ID[,src=FILE|env=VAR][,type=file|env]", item));
      }
      if (key == "id") {
        id = value;
      } else if (key == "src") {
        source = value;
      } else if (key == "env") {
        source = value;
        type = "env";
      } else if (value != "file" && value != "env") {
        return util::fail(ErrorClass::usage, fmt::format("--secret '{}': type must be file or env", item));
      } else {
        type = value;
      }
    }
    if (id.empty()) {
      return util::fail(ErrorClass::usage, fmt::format("--secret '{}': id= is required", item));
    }
    if (source.empty()) {
      source = id;
    }
    if (type.empty()) {
      type = std::getenv(id.c_str()) != nullptr ? "env" : "file";
    }
    Secret secret{id, {}, {}};
    if (type == "env") {
      const char* value = std::getenv(source.c_str());
      if (value == nullptr) {
        return util::fail(ErrorClass::usage,
                          fmt::format("--secret '{}': the environment variable {} is not set", item, source));
      }
      secret.value = value;
    } else {
      std::error_code ec;
      secret.file = located(base, source);
      if (!std::filesystem::is_regular_file(secret.file, ec)) {
        return util::fail(ErrorClass::usage, fmt::format("--secret '{}': {} is not a file", item, source));
      }
    }
    if (std::any_of(secrets.begin(), secrets.end(), [&](const Secret& s) { return s.id == id; })) {
      return util::fail(ErrorClass::usage, fmt::format("--secret: id {} given twice", id));
    }
    secrets.push_back(std::move(secret));
  }
  return secrets;
}

Result<void>
add_build_contexts(const std::vector<std::string>& items, BuildOptions& options, const std::filesystem::path& base)
{
  std::vector<std::string> values;
  for (const auto& item : items) {
    const size_t eq = item.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == item.size()) {
      return util::fail(ErrorClass::usage, fmt::format("--build-context '{}' must be NAME=VALUE", item));
    }
    const std::string name = item.substr(0, eq);
    const std::string value = item.substr(eq + 1);
    bool image = false;
    std::string reference = value;
    for (const std::string_view prefix : {"docker-image://", "container-image://", "docker://"}) {
      if (value.starts_with(prefix)) {
        image = true;
        reference = value.substr(prefix.size());
      }
    }
    if (image) {
      values.push_back(fmt::format("{}=image:{}", name, reference));
    } else if (value.starts_with("http://") || value.starts_with("https://")) {
      values.push_back(fmt::format("{}=url:{}", name, value));
    } else {
      std::error_code ec;
      const auto directory = located(base, value);
      if (!std::filesystem::is_directory(directory, ec)) {
        return util::fail(
            ErrorClass::usage,
            fmt::format("--build-context '{}': {} is not a directory (nor an image or URL)", item, value));
      }
      options.local_contexts.push_back({name, directory});
    }
  }
  if (!values.empty()) {
    options.settings.push_back({BuildOption::build_context, std::move(values)});
  }
  return {};
}

Result<void>
add_source_date_epoch(std::vector<libpod::BuildSetting>& settings, const bool given)
{
  if (given) {
    return {};
  }
  if (const std::string epoch = util::env("SOURCE_DATE_EPOCH"); !epoch.empty()) {
    const auto& spec = libpod::spec_of(BuildOption::source_date_epoch);
    if (!spec.check(std::string(spec.flag()), epoch)) {
      return util::fail(ErrorClass::usage, fmt::format("$SOURCE_DATE_EPOCH '{}' is not a whole number", epoch));
    }
    settings.push_back({BuildOption::source_date_epoch, {epoch}});
  }
  return {};
}

Result<void>
check_combinations(const std::vector<libpod::BuildSetting>& settings, const bool epoch_given)
{
  const auto find = [&settings](BuildOption option) {
    return std::find_if(settings.begin(), settings.end(),
                        [option](const libpod::BuildSetting& s) { return s.option == option; });
  };
  const auto dns = find(BuildOption::dns);
  if (dns != settings.end() && dns->values.size() > 1 &&
      std::find(dns->values.begin(), dns->values.end(), "none") != dns->values.end()) {
    return util::fail(ErrorClass::usage, "--dns none cannot be combined with other DNS servers");
  }
  const auto network = find(BuildOption::network);
  const bool no_network = network != settings.end() && network->values.back() == "none";
  for (const auto option : {BuildOption::dns, BuildOption::dns_option, BuildOption::dns_search}) {
    if (no_network && find(option) != settings.end()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("{} cannot be used with --network none", libpod::option_name(option)));
    }
  }
  const auto userns = find(BuildOption::userns);
  if (userns != settings.end() && userns->values.back() == "host" &&
      (find(BuildOption::userns_uid_map) != settings.end() || find(BuildOption::userns_gid_map) != settings.end())) {
    return util::fail(ErrorClass::usage, "ID maps cannot be given with --userns host");
  }
  const auto no_hosts = find(BuildOption::no_hosts);
  if (no_hosts != settings.end() && no_hosts->values.back() == "true" &&
      find(BuildOption::add_host) != settings.end()) {
    return util::fail(ErrorClass::usage, "--no-hosts cannot be combined with --add-host");
  }
  if (find(BuildOption::timestamp) != settings.end() && find(BuildOption::source_date_epoch) != settings.end()) {
    return util::fail(ErrorClass::usage,
                      epoch_given ? "--timestamp and --source-date-epoch would be ambiguous together"
                                  : "--timestamp and $SOURCE_DATE_EPOCH would be ambiguous together (podman reads the "
                                    "variable as --source-date-epoch): unset one");
  }
  return {};
}

Result<void>
check_containerfile(const std::string& path, const std::string_view option)
{
  if (path == "-") {
    return {};
  }
  if (path.empty()) {
    return util::fail(ErrorClass::usage, fmt::format("{} '': no file named", option));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return util::fail(ErrorClass::usage, fmt::format("{}: stat {}: {}", option, path, go_error_text(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    return util::fail(ErrorClass::usage,
                      fmt::format("{}: containerfile: \"{}\" cannot be path to a directory", option, path));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return util::fail(ErrorClass::usage, fmt::format("{}: open {}: {}", option, path, go_error_text(errno)));
  }
  ::close(fd);
  return {};
}

} // namespace pma::job
