// The options of `podman build` that `podman-multiarch build` forwards to every
// host: those of libpod's table (libpod/build_settings.hpp: names, syntax,
// checks), and those read here by hand, with podman's client-side rules
// (podman's cmd/podman/common/build.go and buildah's pkg/parse were the
// reference).
#include "build_flags.hpp"

#include <pma/libpod/build_settings.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX, for --env PREFIX*

namespace pma::cli {

using libpod::BuildOption;
using libpod::Syntax;
using util::ErrorClass;
using util::Result;

namespace {

std::vector<std::string>
strings_of(const cxxopts::ParseResult& parsed, const std::string& name)
{
  return parsed.count(name) != 0 ? parsed[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

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

// --env as podman 4.5+ resolves it on the client: KEY=VALUE as given, KEY
// from the environment (left out if unset), PREFIX* every variable with that
// prefix. ("KEY-" means nothing special: podman has --unsetenv.)
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

// --security-opt: what the build endpoint carries (label=, seccomp=, apparmor=).
Result<void>
read_security_opts(const std::vector<std::string>& items, std::vector<libpod::BuildSetting>& settings)
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

// --secret as buildah reads it: id=ID[,src=FILE][,env=VAR][,type=file|env];
// without src or env the source is ID; without a type, env if the variable ID
// exists here, else file. Values of env secrets are read here: the service
// would otherwise read its own environment (podman before 5.8 does).
Result<std::vector<job::Secret>>
read_secrets(const std::vector<std::string>& items)
{
  std::vector<job::Secret> secrets;
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
    job::Secret secret{id, {}, {}};
    if (type == "env") {
      const char* value = std::getenv(source.c_str());
      if (value == nullptr) {
        return util::fail(ErrorClass::usage,
                          fmt::format("--secret '{}': the environment variable {} is not set", item, source));
      }
      secret.value = value;
    } else {
      std::error_code ec;
      secret.file = std::filesystem::absolute(util::expand_user(source), ec);
      if (ec || !std::filesystem::is_regular_file(secret.file, ec)) {
        return util::fail(ErrorClass::usage, fmt::format("--secret '{}': {} is not a file", item, source));
      }
    }
    if (std::any_of(secrets.begin(), secrets.end(), [&](const job::Secret& s) { return s.id == id; })) {
      return util::fail(ErrorClass::usage, fmt::format("--secret: id {} given twice", id));
    }
    secrets.push_back(std::move(secret));
  }
  return secrets;
}

// --build-context NAME=VALUE as buildah classifies VALUE: docker-image://,
// container-image:// or docker:// an image; http(s):// a URL (an archive the
// host downloads); anything else a local directory.
Result<void>
read_build_contexts(const std::vector<std::string>& items, job::BuildOptions& options)
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
      const auto directory = std::filesystem::absolute(util::expand_user(value), ec);
      if (ec || !std::filesystem::is_directory(directory, ec)) {
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

// Checks between options that podman's CLI also refuses.
Result<void>
check_combinations(const cxxopts::ParseResult& parsed, const std::vector<libpod::BuildSetting>& settings)
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
                      parsed.count("source-date-epoch") != 0
                          ? "--timestamp and --source-date-epoch would be ambiguous together"
                          : "--timestamp and $SOURCE_DATE_EPOCH would be ambiguous together (podman reads the "
                            "variable as --source-date-epoch): unset one");
  }
  return {};
}

} // namespace

std::vector<Option>
podman_build_options()
{
  const std::string group = "podman build";
  std::vector<Option> out;
  for (const auto& spec : libpod::build_option_specs()) {
    const std::string flag(spec.flag());
    Option option{group, *spec.short_name != '\0' ? fmt::format("{},{}", spec.short_name, flag) : flag,
                  spec.description, nullptr, spec.value_name};
    switch (spec.syntax) {
    case Syntax::none:
      continue;
    case Syntax::value:
      option.value = cxxopts::value<std::string>();
      break;
    case Syntax::repeat:
    case Syntax::csv:
      option.value = cxxopts::value<std::vector<std::string>>();
      break;
    case Syntax::toggle:
      option.value = cxxopts::value<bool>()->implicit_value("true");
      break;
    }
    out.push_back(std::move(option));
  }
  const auto values = [] { return cxxopts::value<std::vector<std::string>>(); };
  out.insert(
      out.end(),
      {
          {group, "build-context",
           "Additional build context NAME=VALUE: a directory, docker-image://REF or an http(s) URL archive "
           "(repeatable)",
           values(), "NAME=VALUE"},
          {group, "env",
           "Environment variable of the image and RUN steps: KEY=VALUE, KEY (from here), PREFIX* (repeatable)",
           values(), "KEY[=VALUE]"},
          {group, "secret",
           "Secret for RUN --mount=type=secret: id=ID[,src=FILE|env=VAR][,type=file|env]; never in the image "
           "(repeatable)",
           values(), "SPEC"},
          {group, "security-opt",
           "Security option of RUN steps: label=…, seccomp=PROFILE, apparmor=PROFILE (repeatable)", values(), "OPTION"},
      });
  return out;
}

Result<void>
read_podman_build_flags(const cxxopts::ParseResult& parsed, job::BuildOptions& options)
{
  auto& settings = options.settings;
  for (const auto& spec : libpod::build_option_specs()) {
    const std::string flag(spec.flag());
    if (spec.syntax == Syntax::none || parsed.count(flag) == 0) {
      continue;
    }
    std::vector<std::string> values;
    switch (spec.syntax) {
    case Syntax::none:
      break;
    case Syntax::value:
      values = {parsed[flag].as<std::string>()};
      break;
    case Syntax::repeat:
      values = parsed[flag].as<std::vector<std::string>>();
      break;
    case Syntax::csv:
      for (const auto& item : parsed[flag].as<std::vector<std::string>>()) {
        for (const auto& part : util::split(item, ',')) {
          values.push_back(part);
        }
      }
      break;
    case Syntax::toggle:
      values = {parsed[flag].as<bool>() ? "true" : "false"};
      break;
    }
    if (spec.check != nullptr) {
      for (auto& value : values) {
        PMA_TRY_ASSIGN(value, spec.check(flag, value));
      }
    }
    settings.push_back({spec.option, std::move(values)});
  }
  // podman ≥ 5.6 takes $SOURCE_DATE_EPOCH as the default of --source-date-epoch.
  if (parsed.count("source-date-epoch") == 0) {
    if (const std::string epoch = util::env("SOURCE_DATE_EPOCH"); !epoch.empty()) {
      const auto& spec = libpod::spec_of(BuildOption::source_date_epoch);
      if (!spec.check(std::string(spec.flag()), epoch)) {
        return util::fail(ErrorClass::usage, fmt::format("$SOURCE_DATE_EPOCH '{}' is not a whole number", epoch));
      }
      settings.push_back({BuildOption::source_date_epoch, {epoch}});
    }
  }
  if (auto env = resolved_env(strings_of(parsed, "env")); !env.empty()) {
    settings.push_back({BuildOption::env, std::move(env)});
  }
  PMA_TRY(read_security_opts(strings_of(parsed, "security-opt"), settings));
  PMA_TRY_ASSIGN(options.secrets, read_secrets(strings_of(parsed, "secret")));
  PMA_TRY(read_build_contexts(strings_of(parsed, "build-context"), options));
  return check_combinations(parsed, settings);
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

} // namespace pma::cli
