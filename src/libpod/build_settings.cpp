// The options of `podman build` that `podman-multiarch build` forwards to every
// host: one row each, with how the command line spells it, the check podman's
// CLI applies to its values (podman's cmd/podman/common/build.go and buildah's
// pkg/parse were the reference), and how the build endpoint carries it
// (build_query.cpp encodes it).
#include <pma/libpod/build_settings.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/duration.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace pma::libpod {

using util::ErrorClass;
using util::Result;

namespace {

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
  PMA_TRY_ASSIGN(const auto parsed, util::parse_duration(value, "--" + option));
  return fmt::format("{}ms", parsed.count());
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
// In the order --help lists the options; each row: the command line, then the
// query (key, encoding, the first podman whose handler reads it, what the
// service assumes when the key is absent).
constexpr std::array k_specs = {
  BuildOptionSpec{BuildOption::add_host, "--add-host", "", Syntax::csv, "HOST:IP", "Add HOST:IP to /etc/hosts of RUN steps (repeatable)", host_ip,
   "extrahosts", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::apparmor, "--security-opt apparmor=…", "", Syntax::none, "", "", nullptr,
   "apparmor", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::build_context, "--build-context", "", Syntax::none, "", "", nullptr,
   "additionalbuildcontexts", Encoding::special, {4, 2, 0}, nullptr},
  BuildOptionSpec{BuildOption::cache_from, "--cache-from", "", Syntax::repeat, "REPOSITORY", "Reuse layers cached in this repository (with --layers; repeatable)", cache_repository,
   "cachefrom", Encoding::special, {4, 2, 0}, nullptr},
  BuildOptionSpec{BuildOption::cache_to, "--cache-to", "", Syntax::repeat, "REPOSITORY", "Push the layers built to this cache repository (repeatable)", cache_repository,
   "cacheto", Encoding::special, {4, 2, 0}, nullptr},
  BuildOptionSpec{BuildOption::cache_ttl, "--cache-ttl", "", Syntax::value, "DURATION", "Ignore cached layers older than this", duration,
   "cachettl", Encoding::value, {4, 2, 0}, nullptr},
  BuildOptionSpec{BuildOption::cap_add, "--cap-add", "", Syntax::csv, "CAP", "Add a capability to RUN steps (repeatable)", nullptr,
   "addcaps", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::cap_drop, "--cap-drop", "", Syntax::csv, "CAP", "Drop a capability from RUN steps (repeatable)", nullptr,
   "dropcaps", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::cgroup_parent, "--cgroup-parent", "", Syntax::value, "PATH", "Cgroup parent of RUN steps on the host", nullptr,
   "cgroupparent", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::cgroupns, "--cgroupns", "", Syntax::value, "MODE", "Cgroup namespace of RUN steps: private or host", name_space,
   "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::compat_volumes, "--compat-volumes", "", Syntax::toggle, "BOOL", "Keep VOLUME directories' content changes out of the image, as Docker does", nullptr,
   "compatvolumes", Encoding::value, {5, 2, 0}, "false"},
  BuildOptionSpec{BuildOption::cpp_flag, "--cpp-flag", "", Syntax::repeat, "FLAG", "Flag for the C preprocessor of *.in Containerfiles (repeatable)", nullptr,
   "cppflags", Encoding::json_array, {4, 2, 0}, nullptr},
  BuildOptionSpec{BuildOption::cpu_period, "--cpu-period", "", Syntax::value, "MICROSECONDS", "CPU CFS period of RUN steps", integer,
   "cpuperiod", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::cpu_quota, "--cpu-quota", "", Syntax::value, "MICROSECONDS", "CPU CFS quota of RUN steps", integer,
   "cpuquota", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::cpu_shares, "--cpu-shares", "c", Syntax::value, "SHARES", "CPU shares (relative weight) of RUN steps", integer,
   "cpushares", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::cpuset_cpus, "--cpuset-cpus", "", Syntax::value, "CPUS", "CPUs RUN steps may use (0-3, 0,1)", nullptr,
   "cpusetcpus", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::cpuset_mems, "--cpuset-mems", "", Syntax::value, "NODES", "Memory nodes RUN steps may use (0-3, 0,1)", nullptr,
   "cpusetmems", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::created_annotation, "--created-annotation", "", Syntax::toggle, "BOOL", "Set org.opencontainers.image.created (default true)", nullptr,
   "createdannotation", Encoding::value, {5, 6, 0}, "true"},
  BuildOptionSpec{BuildOption::device, "--device", "", Syntax::repeat, "DEVICE", "Host device for RUN steps, HOST[:CONTAINER[:PERMISSIONS]] (repeatable)", nullptr,
   "devices", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::dns, "--dns", "", Syntax::csv, "IP", "DNS server of RUN steps, or none (repeatable)", nullptr,
   "dnsservers", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::dns_option, "--dns-option", "", Syntax::csv, "OPTION", "DNS option of RUN steps (repeatable)", nullptr,
   "dnsoptions", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::dns_search, "--dns-search", "", Syntax::csv, "DOMAIN", "DNS search domain of RUN steps (repeatable)", nullptr,
   "dnssearch", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::env, "--env", "", Syntax::none, "", "", nullptr,
   "setenv", Encoding::repeated, {4, 1, 0}, nullptr},
  BuildOptionSpec{BuildOption::from, "--from", "", Syntax::value, "IMAGE", "Use this image instead of the first FROM's", nullptr,
   "from", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::group_add, "--group-add", "", Syntax::csv, "GROUP", "Additional group of RUN steps' process (repeatable)", nullptr,
   "groupadd", Encoding::repeated, {4, 4, 0}, nullptr},
  BuildOptionSpec{BuildOption::http_proxy, "--http-proxy", "", Syntax::toggle, "BOOL", "Pass the host's proxy variables to RUN steps (default true)", nullptr,
   "httpproxy", Encoding::value, {4, 0, 0}, "false"},
  BuildOptionSpec{BuildOption::identity_label, "--identity-label", "", Syntax::toggle, "BOOL", "Add the io.buildah.version label (default true)", nullptr,
   "identitylabel", Encoding::value, {4, 1, 0}, "true"},
  BuildOptionSpec{BuildOption::inherit_annotations, "--inherit-annotations", "", Syntax::toggle, "BOOL", "Keep the base image's annotations (default true)", nullptr,
   "inheritannotations", Encoding::value, {5, 6, 0}, "true"},
  BuildOptionSpec{BuildOption::inherit_labels, "--inherit-labels", "", Syntax::toggle, "BOOL", "Keep the base image's labels (default true)", nullptr,
   "inheritlabels", Encoding::value, {5, 5, 0}, "true"},
  BuildOptionSpec{BuildOption::ipc, "--ipc", "", Syntax::value, "MODE", "IPC namespace of RUN steps: private, host or a path", name_space,
   "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::isolation, "--isolation", "", Syntax::value, "TYPE", "How RUN steps are isolated: oci, chroot, rootless", isolation,
   "isolation", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::layer_label, "--layer-label", "", Syntax::repeat, "KEY=VALUE", "Label of the intermediate images (repeatable)", key_value,
   "layerLabel", Encoding::repeated, {4, 7, 0}, nullptr},
  BuildOptionSpec{BuildOption::memory, "--memory", "m", Syntax::value, "SIZE", "Memory limit of RUN steps (e.g. 512m)", bytes,
   "memory", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::memory_swap, "--memory-swap", "", Syntax::value, "SIZE", "Memory plus swap limit of RUN steps, -1 for none", swap_bytes,
   "memswap", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::network, "--network", "", Syntax::value, "MODE", "Network of RUN steps: private, host, none, or network names", name_space,
   "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::no_hosts, "--no-hosts", "", Syntax::toggle, "BOOL", "Do not write /etc/hosts for RUN steps", nullptr,
   "nohosts", Encoding::value, {5, 4, 0}, "false"},
  BuildOptionSpec{BuildOption::omit_history, "--omit-history", "", Syntax::toggle, "BOOL", "Leave the history out of the image", nullptr,
   "omithistory", Encoding::value, {4, 2, 0}, "false"},
  BuildOptionSpec{BuildOption::os_feature, "--os-feature", "", Syntax::repeat, "FEATURE", "OS feature the image requires (FEATURE- removes one; repeatable)", nullptr,
   "osfeature", Encoding::repeated, {4, 1, 0}, nullptr},
  BuildOptionSpec{BuildOption::os_version, "--os-version", "", Syntax::value, "VERSION", "OS version the image requires", nullptr,
   "osversion", Encoding::value, {4, 1, 0}, nullptr},
  BuildOptionSpec{BuildOption::pid, "--pid", "", Syntax::value, "MODE", "PID namespace of RUN steps: private, host or a path", name_space,
   "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::retry, "--retry", "", Syntax::none, "", "", nullptr,
   "retry", Encoding::value, {5, 3, 0}, nullptr},
  BuildOptionSpec{BuildOption::retry_delay, "--retry-delay", "", Syntax::none, "", "", nullptr,
   "retry-delay", Encoding::value, {5, 3, 0}, nullptr},
  BuildOptionSpec{BuildOption::rewrite_timestamp, "--rewrite-timestamp", "", Syntax::toggle, "BOOL", "With --source-date-epoch: clamp the new layers' file times to it", nullptr,
   "rewritetimestamp", Encoding::value, {5, 6, 0}, "false"},
  BuildOptionSpec{BuildOption::sbom_image_output, "--sbom-image-output", "", Syntax::value, "PATH", "Path inside the image for the SBOM", nullptr,
   "sbom-image-output", Encoding::value, {5, 7, 0}, nullptr},
  BuildOptionSpec{BuildOption::sbom_image_purl_output, "--sbom-image-purl-output", "", Syntax::value, "PATH", "Path inside the image for the package URL list", nullptr,
   "sbom-image-purl-output", Encoding::value, {5, 7, 0}, nullptr},
  BuildOptionSpec{BuildOption::sbom_merge_strategy, "--sbom-merge-strategy", "", Syntax::value, "STRATEGY", "How the scanner's outputs are merged", nullptr,
   "sbom-merge-strategy", Encoding::value, {5, 7, 0}, nullptr},
  BuildOptionSpec{BuildOption::sbom_scanner_command, "--sbom-scanner-command", "", Syntax::repeat, "COMMAND", "Scanner command ({ROOTFS}, {CONTEXT}, {OUTPUT}; repeatable)", nullptr,
   "sbom-scanner-command", Encoding::json_array, {5, 7, 0}, nullptr},
  BuildOptionSpec{BuildOption::sbom_scanner_image, "--sbom-scanner-image", "", Syntax::value, "IMAGE", "Image that scans the result for the SBOM", nullptr,
   "sbom-scanner-image", Encoding::value, {5, 7, 0}, nullptr},
  BuildOptionSpec{BuildOption::seccomp, "--security-opt seccomp=…", "", Syntax::none, "", "", nullptr,
   "seccomp", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::secret, "--secret", "", Syntax::none, "", "", nullptr,
   "secrets", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::security_label, "--security-opt label=…", "", Syntax::none, "", "", nullptr,
   "labelopts", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::shm_size, "--shm-size", "", Syntax::value, "SIZE", "Size of /dev/shm in RUN steps (default 64m)", bytes,
   "shmsize", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::skip_unused_stages, "--skip-unused-stages", "", Syntax::toggle, "BOOL", "Skip stages the target does not need (default true)", nullptr,
   "skipunusedstages", Encoding::value, {4, 3, 0}, "true"},
  BuildOptionSpec{BuildOption::source_date_epoch, "--source-date-epoch", "", Syntax::value, "SECONDS", "Timestamp for the image and its history (default: $SOURCE_DATE_EPOCH)", integer,
   "sourcedateepoch", Encoding::value, {5, 6, 0}, nullptr},
  BuildOptionSpec{BuildOption::timestamp, "--timestamp", "", Syntax::value, "SECONDS", "Set the image's and the new layers' times to this (seconds since 1970)", integer,
   "timestamp", Encoding::value, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::ulimit, "--ulimit", "", Syntax::csv, "TYPE=SOFT[:HARD]", "Resource limit of RUN steps (repeatable)", nullptr,
   "ulimits", Encoding::json_array, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::unset_annotation, "--unsetannotation", "", Syntax::csv, "KEY", "Leave out this inherited annotation (repeatable)", nullptr,
   "unsetannotation", Encoding::repeated, {5, 6, 0}, nullptr},
  BuildOptionSpec{BuildOption::unset_env, "--unsetenv", "", Syntax::csv, "KEY", "Leave out this variable from the image's environment (repeatable)", nullptr,
   "unsetenv", Encoding::repeated, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::unset_label, "--unsetlabel", "", Syntax::csv, "KEY", "Leave out this inherited label (repeatable)", nullptr,
   "unsetlabel", Encoding::repeated, {4, 8, 0}, nullptr},
  BuildOptionSpec{BuildOption::userns, "--userns", "", Syntax::value, "MODE", "User namespace of RUN steps: host, private, auto[:OPTIONS], ns:PATH", userns,
   "idmappingoptions", Encoding::special, {4, 3, 0}, "host"},
  BuildOptionSpec{BuildOption::userns_uid_map, "--userns-uid-map", "", Syntax::csv, "CONTAINER:HOST:SIZE", "UID map of the user namespace (repeatable)", id_map,
   "idmappingoptions", Encoding::special, {4, 3, 0}, nullptr},
  BuildOptionSpec{BuildOption::userns_gid_map, "--userns-gid-map", "", Syntax::csv, "CONTAINER:HOST:SIZE", "GID map of the user namespace (repeatable)", id_map,
   "idmappingoptions", Encoding::special, {4, 3, 0}, nullptr},
  BuildOptionSpec{BuildOption::uts, "--uts", "", Syntax::value, "MODE", "UTS namespace of RUN steps: private, host or a path", name_space,
   "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  BuildOptionSpec{BuildOption::volume, "--volume", "v", Syntax::repeat, "SRC:DST[:OPTIONS]", "Bind-mount a host directory into RUN steps (repeatable)", nullptr,
   "volume", Encoding::repeated, {4, 4, 0}, nullptr},
};
// clang-format on
static_assert(k_specs.size() == static_cast<size_t>(BuildOption::volume) + 1, "every BuildOption has its row");

} // namespace

std::span<const BuildOptionSpec>
build_option_specs()
{
  return k_specs;
}

const BuildOptionSpec&
spec_of(const BuildOption option)
{
  const auto* spec = std::find_if(k_specs.begin(), k_specs.end(),
                                  [option](const BuildOptionSpec& candidate) { return candidate.option == option; });
  return *spec; // every option has its row (checked by a unit test)
}

} // namespace pma::libpod
