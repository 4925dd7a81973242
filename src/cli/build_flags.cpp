// The options of `podman build` that `podman-multiarch build` forwards to every
// host, with podman's names, syntax and client-side checks (podman's
// cmd/podman/common/build.go and buildah's pkg/parse were the reference).
#include "build_flags.hpp"

#include <pma/oci/reference.hpp>
#include <pma/util/duration.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX, for --env PREFIX*

namespace pma::cli {

using libpod::BuildOption;
using util::ErrorClass;
using util::Result;

namespace {

enum class Kind {
  value,  // one value; the last occurrence wins
  repeat, // each occurrence one value (podman's StringArray)
  csv,    // each occurrence a comma list (podman's StringSlice)
  toggle, // --name or --name=BOOL
};

// Normalises one value; an error says why it is refused.
using Convert = Result<std::string> (*)(const std::string& option, const std::string& value);

struct Flag {
  const char* name;
  const char* short_name;
  Kind kind;
  BuildOption option;
  const char* arg;
  const char* help;
  Convert convert = nullptr;
};

Result<std::string>
bad(const std::string& option, const std::string& value, const std::string& why)
{
  return util::fail(ErrorClass::usage, fmt::format("--{} '{}': {}", option, value, why));
}

// go-units RAMInBytes: 512, 512b, 64k, 1.5m, 2g, 1t (binary multiples, optional "b"/"ib").
Result<std::string>
bytes(const std::string& option, const std::string& value)
{
  size_t i = 0;
  while (i < value.size() && (std::isdigit(static_cast<unsigned char>(value[i])) != 0 || value[i] == '.')) {
    ++i;
  }
  char* end = nullptr;
  const std::string number = value.substr(0, i);
  const double amount = std::strtod(number.c_str(), &end);
  std::string unit = util::to_lower(util::trim(std::string_view(value).substr(i)));
  if (number.empty() || end != number.c_str() + number.size()) {
    return bad(option, value, "not a size (e.g. 512m, 2g)");
  }
  if (unit.ends_with("ib")) {
    unit.resize(unit.size() - 2);
  } else if (unit.ends_with('b')) {
    unit.pop_back();
  }
  const std::string_view units = "kmgtp";
  double scale = 1;
  if (!unit.empty()) {
    const size_t power = units.find(unit);
    if (unit.size() != 1 || power == std::string_view::npos) {
      return bad(option, value, "unknown unit (b, k, m, g, t, p)");
    }
    scale = std::pow(1024.0, static_cast<double>(power + 1));
  }
  return fmt::format("{}", static_cast<long long>(amount * scale));
}

// --memory-swap also takes -1: no limit.
Result<std::string>
swap_bytes(const std::string& option, const std::string& value)
{
  return value == "-1" ? Result<std::string>(value) : bytes(option, value);
}

Result<std::string>
integer(const std::string& option, const std::string& value)
{
  char* end = nullptr;
  (void)std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || end != value.c_str() + value.size()) {
    return bad(option, value, "not a whole number");
  }
  return value;
}

// A Go duration, as the service parses it.
Result<std::string>
duration(const std::string& option, const std::string& value)
{
  auto parsed = util::parse_duration(value, "--" + option);
  if (!parsed) {
    return util::Unexpected(std::move(parsed).error());
  }
  return fmt::format("{}ms", parsed->count());
}

// buildah's --add-host check: HOST:IP.
Result<std::string>
host_ip(const std::string& option, const std::string& value)
{
  const size_t colon = value.find(':');
  if (colon == 0 || colon == std::string::npos || colon + 1 == value.size()) {
    return bad(option, value, "must be HOST:IP");
  }
  const std::string ip = value.substr(colon + 1);
  if (ip.find_first_not_of("0123456789abcdefABCDEF.:") != std::string::npos) {
    return bad(option, value, fmt::format("'{}' is not an IP address", ip));
  }
  return value;
}

// --cgroupns, --ipc, --pid, --uts, --network: host, private, container, ns:PATH, a path
// (and for --network, none or network names).
Result<std::string>
name_space(const std::string& option, const std::string& value)
{
  if (value.empty()) {
    return bad(option, value, "empty");
  }
  return value;
}

// An ID map triple, CONTAINER:HOST:SIZE.
Result<std::string>
id_map(const std::string& option, const std::string& value)
{
  const auto parts = util::split(value, ':');
  const bool numbers =
      parts.size() == 3 && std::all_of(parts.begin(), parts.end(), [](const std::string& part) {
        return !part.empty() && part.size() < 10 && part.find_first_not_of("0123456789") == std::string::npos;
      });
  if (!numbers) {
    return bad(option, value, "must be CONTAINER-ID:HOST-ID:SIZE");
  }
  return value;
}

// --userns as buildah reads it: host, private, container, auto[:size=N,uidmapping=M,gidmapping=M],
// ns:PATH or a path (of a namespace on the host).
Result<std::string>
userns(const std::string& option, const std::string& value)
{
  if (value.starts_with("auto")) {
    if (value != "auto" && !value.starts_with("auto:")) {
      return bad(option, value, "auto takes options after ':'");
    }
    for (const auto& item : util::split(value.size() > 5 ? value.substr(5) : "", ',')) {
      const size_t eq = item.find('=');
      const std::string key = item.substr(0, eq);
      const std::string setting = eq == std::string::npos ? "" : item.substr(eq + 1);
      const bool size = key == "size" && !setting.empty() && setting.size() < 10 &&
                        setting.find_first_not_of("0123456789") == std::string::npos;
      if (!size && !((key == "uidmapping" || key == "gidmapping") && id_map(option, setting))) {
        return bad(option, value,
                   fmt::format("unknown or invalid auto option '{}' (size=N, uidmapping=C:H:S, "
                               "gidmapping=C:H:S)",
                               item));
      }
    }
  }
  return value;
}

Result<std::string>
isolation(const std::string& option, const std::string& value)
{
  const std::vector<std::string> modes = {"oci", "chroot", "rootless", "default"};
  if (std::find(modes.begin(), modes.end(), value) == modes.end()) {
    return bad(option, value, "one of oci, chroot, rootless" + util::did_you_mean(value, modes));
  }
  return value;
}

// Repository names for the layer cache: docker.io added as podman does, and
// no tag or digest (podman's CLI refuses them too).
Result<std::string>
cache_repository(const std::string& option, const std::string& value)
{
  auto ref = oci::ImageRef::parse_normalized(value);
  if (!ref) {
    return bad(option, value, ref.error().message);
  }
  if (!ref->tag.empty() || !ref->digest.empty()) {
    return bad(option, value, "a cache is a repository: no tag or digest");
  }
  return ref->name();
}

Result<std::string>
key_value(const std::string& option, const std::string& value)
{
  if (value.empty() || value.front() == '=') {
    return bad(option, value, "must be KEY[=VALUE]");
  }
  return value;
}

// clang-format off
const std::vector<Flag> k_flags = {
  {"add-host", "", Kind::csv, BuildOption::add_host, "HOST:IP", "Add HOST:IP to /etc/hosts of RUN steps (repeatable)", host_ip},
  {"cache-from", "", Kind::repeat, BuildOption::cache_from, "REPOSITORY", "Reuse layers cached in this repository (with --layers; repeatable)", cache_repository},
  {"cache-to", "", Kind::repeat, BuildOption::cache_to, "REPOSITORY", "Push the layers built to this cache repository (repeatable)", cache_repository},
  {"cache-ttl", "", Kind::value, BuildOption::cache_ttl, "DURATION", "Ignore cached layers older than this", duration},
  {"cap-add", "", Kind::csv, BuildOption::cap_add, "CAP", "Add a capability to RUN steps (repeatable)"},
  {"cap-drop", "", Kind::csv, BuildOption::cap_drop, "CAP", "Drop a capability from RUN steps (repeatable)"},
  {"cgroup-parent", "", Kind::value, BuildOption::cgroup_parent, "PATH", "Cgroup parent of RUN steps on the host"},
  {"cgroupns", "", Kind::value, BuildOption::cgroupns, "MODE", "Cgroup namespace of RUN steps: private or host", name_space},
  {"compat-volumes", "", Kind::toggle, BuildOption::compat_volumes, "BOOL", "Keep VOLUME directories' content changes out of the image, as Docker does"},
  {"cpp-flag", "", Kind::repeat, BuildOption::cpp_flag, "FLAG", "Flag for the C preprocessor of *.in Containerfiles (repeatable)"},
  {"cpu-period", "", Kind::value, BuildOption::cpu_period, "MICROSECONDS", "CPU CFS period of RUN steps", integer},
  {"cpu-quota", "", Kind::value, BuildOption::cpu_quota, "MICROSECONDS", "CPU CFS quota of RUN steps", integer},
  {"cpu-shares", "c", Kind::value, BuildOption::cpu_shares, "SHARES", "CPU shares (relative weight) of RUN steps", integer},
  {"cpuset-cpus", "", Kind::value, BuildOption::cpuset_cpus, "CPUS", "CPUs RUN steps may use (0-3, 0,1)"},
  {"cpuset-mems", "", Kind::value, BuildOption::cpuset_mems, "NODES", "Memory nodes RUN steps may use (0-3, 0,1)"},
  {"created-annotation", "", Kind::toggle, BuildOption::created_annotation, "BOOL", "Set org.opencontainers.image.created (default true)"},
  {"device", "", Kind::repeat, BuildOption::device, "DEVICE", "Host device for RUN steps, HOST[:CONTAINER[:PERMISSIONS]] (repeatable)"},
  {"dns", "", Kind::csv, BuildOption::dns, "IP", "DNS server of RUN steps, or none (repeatable)"},
  {"dns-option", "", Kind::csv, BuildOption::dns_option, "OPTION", "DNS option of RUN steps (repeatable)"},
  {"dns-search", "", Kind::csv, BuildOption::dns_search, "DOMAIN", "DNS search domain of RUN steps (repeatable)"},
  {"from", "", Kind::value, BuildOption::from, "IMAGE", "Use this image instead of the first FROM's"},
  {"group-add", "", Kind::csv, BuildOption::group_add, "GROUP", "Additional group of RUN steps' process (repeatable)"},
  {"http-proxy", "", Kind::toggle, BuildOption::http_proxy, "BOOL", "Pass the host's proxy variables to RUN steps (default true)"},
  {"identity-label", "", Kind::toggle, BuildOption::identity_label, "BOOL", "Add the io.buildah.version label (default true)"},
  {"inherit-annotations", "", Kind::toggle, BuildOption::inherit_annotations, "BOOL", "Keep the base image's annotations (default true)"},
  {"inherit-labels", "", Kind::toggle, BuildOption::inherit_labels, "BOOL", "Keep the base image's labels (default true)"},
  {"ipc", "", Kind::value, BuildOption::ipc, "MODE", "IPC namespace of RUN steps: private, host or a path", name_space},
  {"isolation", "", Kind::value, BuildOption::isolation, "TYPE", "How RUN steps are isolated: oci, chroot, rootless", isolation},
  {"layer-label", "", Kind::repeat, BuildOption::layer_label, "KEY=VALUE", "Label of the intermediate images (repeatable)", key_value},
  {"memory", "m", Kind::value, BuildOption::memory, "SIZE", "Memory limit of RUN steps (e.g. 512m)", bytes},
  {"memory-swap", "", Kind::value, BuildOption::memory_swap, "SIZE", "Memory plus swap limit of RUN steps, -1 for none", swap_bytes},
  {"network", "", Kind::value, BuildOption::network, "MODE", "Network of RUN steps: private, host, none, or network names", name_space},
  {"no-hosts", "", Kind::toggle, BuildOption::no_hosts, "BOOL", "Do not write /etc/hosts for RUN steps"},
  {"omit-history", "", Kind::toggle, BuildOption::omit_history, "BOOL", "Leave the history out of the image"},
  {"os-feature", "", Kind::repeat, BuildOption::os_feature, "FEATURE", "OS feature the image requires (FEATURE- removes one; repeatable)"},
  {"os-version", "", Kind::value, BuildOption::os_version, "VERSION", "OS version the image requires"},
  {"pid", "", Kind::value, BuildOption::pid, "MODE", "PID namespace of RUN steps: private, host or a path", name_space},
  {"rewrite-timestamp", "", Kind::toggle, BuildOption::rewrite_timestamp, "BOOL", "With --source-date-epoch: clamp the new layers' file times to it"},
  {"sbom-image-output", "", Kind::value, BuildOption::sbom_image_output, "PATH", "Path inside the image for the SBOM"},
  {"sbom-image-purl-output", "", Kind::value, BuildOption::sbom_image_purl_output, "PATH", "Path inside the image for the package URL list"},
  {"sbom-merge-strategy", "", Kind::value, BuildOption::sbom_merge_strategy, "STRATEGY", "How the scanner's outputs are merged"},
  {"sbom-scanner-command", "", Kind::repeat, BuildOption::sbom_scanner_command, "COMMAND", "Scanner command ({ROOTFS}, {CONTEXT}, {OUTPUT}; repeatable)"},
  {"sbom-scanner-image", "", Kind::value, BuildOption::sbom_scanner_image, "IMAGE", "Image that scans the result for the SBOM"},
  {"shm-size", "", Kind::value, BuildOption::shm_size, "SIZE", "Size of /dev/shm in RUN steps (default 64m)", bytes},
  {"skip-unused-stages", "", Kind::toggle, BuildOption::skip_unused_stages, "BOOL", "Skip stages the target does not need (default true)"},
  {"source-date-epoch", "", Kind::value, BuildOption::source_date_epoch, "SECONDS", "Timestamp for the image and its history (default: $SOURCE_DATE_EPOCH)", integer},
  {"timestamp", "", Kind::value, BuildOption::timestamp, "SECONDS", "Set the image's and the new layers' times to this (seconds since 1970)", integer},
  {"ulimit", "", Kind::csv, BuildOption::ulimit, "TYPE=SOFT[:HARD]", "Resource limit of RUN steps (repeatable)"},
  {"unsetannotation", "", Kind::csv, BuildOption::unset_annotation, "KEY", "Leave out this inherited annotation (repeatable)"},
  {"unsetenv", "", Kind::csv, BuildOption::unset_env, "KEY", "Leave out this variable from the image's environment (repeatable)"},
  {"unsetlabel", "", Kind::csv, BuildOption::unset_label, "KEY", "Leave out this inherited label (repeatable)"},
  {"userns", "", Kind::value, BuildOption::userns, "MODE", "User namespace of RUN steps: host, private, auto[:OPTIONS], ns:PATH", userns},
  {"userns-uid-map", "", Kind::csv, BuildOption::userns_uid_map, "CONTAINER:HOST:SIZE", "UID map of the user namespace (repeatable)", id_map},
  {"userns-gid-map", "", Kind::csv, BuildOption::userns_gid_map, "CONTAINER:HOST:SIZE", "GID map of the user namespace (repeatable)", id_map},
  {"uts", "", Kind::value, BuildOption::uts, "MODE", "UTS namespace of RUN steps: private, host or a path", name_space},
  {"volume", "v", Kind::repeat, BuildOption::volume, "SRC:DST[:OPTIONS]", "Bind-mount a host directory into RUN steps (repeatable)"},
};
// clang-format on

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

void
add_podman_build_flags(cxxopts::Options& options)
{
  auto adder = options.add_options("podman build");
  for (const auto& flag : k_flags) {
    const std::string names = *flag.short_name != '\0' ? fmt::format("{},{}", flag.short_name, flag.name) : flag.name;
    switch (flag.kind) {
    case Kind::value:
      adder(names, flag.help, cxxopts::value<std::string>(), flag.arg);
      break;
    case Kind::repeat:
    case Kind::csv:
      adder(names, flag.help, cxxopts::value<std::vector<std::string>>(), flag.arg);
      break;
    case Kind::toggle:
      adder(names, flag.help, cxxopts::value<bool>()->implicit_value("true"), flag.arg);
      break;
    }
  }
  // clang-format off
  adder
    ("build-context", "Additional build context NAME=VALUE: a directory, docker-image://REF or an http(s) URL archive (repeatable)", cxxopts::value<std::vector<std::string>>(), "NAME=VALUE")
    ("env", "Environment variable of the image and RUN steps: KEY=VALUE, KEY (from here), PREFIX* (repeatable)", cxxopts::value<std::vector<std::string>>(), "KEY[=VALUE]")
    ("secret", "Secret for RUN --mount=type=secret: id=ID[,src=FILE|env=VAR][,type=file|env]; never in the image (repeatable)", cxxopts::value<std::vector<std::string>>(), "SPEC")
    ("security-opt", "Security option of RUN steps: label=…, seccomp=PROFILE, apparmor=PROFILE (repeatable)", cxxopts::value<std::vector<std::string>>(), "OPTION");
  // clang-format on
}

Result<void>
read_podman_build_flags(const cxxopts::ParseResult& parsed, job::BuildOptions& options)
{
  auto& settings = options.settings;
  for (const auto& flag : k_flags) {
    if (parsed.count(flag.name) == 0) {
      continue;
    }
    std::vector<std::string> values;
    switch (flag.kind) {
    case Kind::value:
      values = {parsed[flag.name].as<std::string>()};
      break;
    case Kind::repeat:
      values = parsed[flag.name].as<std::vector<std::string>>();
      break;
    case Kind::csv:
      for (const auto& item : parsed[flag.name].as<std::vector<std::string>>()) {
        for (const auto& part : util::split(item, ',')) {
          values.push_back(part);
        }
      }
      break;
    case Kind::toggle:
      values = {parsed[flag.name].as<bool>() ? "true" : "false"};
      break;
    }
    if (flag.convert != nullptr) {
      for (auto& value : values) {
        auto converted = flag.convert(flag.name, value);
        if (!converted) {
          return util::Unexpected(std::move(converted).error());
        }
        value = std::move(*converted);
      }
    }
    settings.push_back({flag.option, std::move(values)});
  }
  // podman ≥ 5.6 takes $SOURCE_DATE_EPOCH as the default of --source-date-epoch.
  if (parsed.count("source-date-epoch") == 0) {
    if (const std::string epoch = util::env("SOURCE_DATE_EPOCH"); !epoch.empty()) {
      auto checked = integer("source-date-epoch", epoch);
      if (!checked) {
        return util::fail(ErrorClass::usage, fmt::format("$SOURCE_DATE_EPOCH '{}' is not a whole number", epoch));
      }
      settings.push_back({BuildOption::source_date_epoch, {epoch}});
    }
  }
  if (auto env = resolved_env(strings_of(parsed, "env")); !env.empty()) {
    settings.push_back({BuildOption::env, std::move(env)});
  }
  if (auto ok = read_security_opts(strings_of(parsed, "security-opt"), settings); !ok) {
    return ok;
  }
  auto secrets = read_secrets(strings_of(parsed, "secret"));
  if (!secrets) {
    return util::Unexpected(std::move(secrets).error());
  }
  options.secrets = std::move(*secrets);
  if (auto ok = read_build_contexts(strings_of(parsed, "build-context"), options); !ok) {
    return ok;
  }
  return check_combinations(parsed, settings);
}

Result<std::map<std::string, std::string>>
build_args(const std::vector<std::string>& files, const std::vector<std::string>& args)
{
  std::map<std::string, std::string> out;
  // podman's env.ParseFile: leading blanks trimmed, blank and '#' lines skipped,
  // KEY=VALUE (value verbatim), KEY (from here if set), PREFIX* (every match).
  for (const auto& file : files) {
    auto text = util::read_file(util::expand_user(file));
    if (!text) {
      return util::Unexpected(std::move(text).error());
    }
    int line_number = 0;
    for (auto line : util::split(*text, '\n')) {
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
