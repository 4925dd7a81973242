#pragma once

#include <pma/libpod/version.hpp>
#include <pma/util/error.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

// The options of `podman build` that the libpod build endpoint carries beyond
// the core of BuildRequest, one table row each (build_settings.cpp): how the
// command line spells it, how podman's CLI checks and normalises its values
// (the caller applies the check), and the query parameter the client encodes
// it as for the service's version; where that version cannot carry it, the
// client refuses before anything is sent (build_query.cpp). Which parameter
// each option became, and from which podman version, was read in podman's
// handler code at every release.
namespace pma::libpod {

enum class BuildOption {
  add_host,            // extrahosts: "host:ip"
  apparmor,            // apparmor: profile
  build_context,       // additionalbuildcontexts: "name=image:REF" or "name=url:URL"
  cache_from,          // cachefrom: normalised repository names
  cache_to,            // cacheto
  cache_ttl,           // cachettl: Go duration
  cap_add,             // addcaps
  cap_drop,            // dropcaps
  cgroup_parent,       // cgroupparent
  cgroupns,            // nsoptions: host, private, or a path
  compat_volumes,      // compatvolumes: "true"/"false"
  cpp_flag,            // cppflags
  cpu_period,          // cpuperiod
  cpu_quota,           // cpuquota
  cpu_shares,          // cpushares
  cpuset_cpus,         // cpusetcpus
  cpuset_mems,         // cpusetmems
  created_annotation,  // createdannotation
  device,              // devices
  dns,                 // dnsservers
  dns_option,          // dnsoptions
  dns_search,          // dnssearch
  env,                 // setenv: "K=V", resolved by the caller
  from,                // from: replaces the first FROM
  group_add,           // groupadd
  http_proxy,          // httpproxy
  identity_label,      // identitylabel
  inherit_annotations, // inheritannotations
  inherit_labels,      // inheritlabels
  ipc,                 // nsoptions
  isolation,           // isolation: oci, chroot, rootless
  layer_label,         // layerLabel
  memory,              // memory: bytes
  memory_swap,         // memswap: bytes
  network,             // nsoptions + networkmode
  no_hosts,            // nohosts
  omit_history,        // omithistory
  os_feature,          // osfeature
  os_version,          // osversion
  pid,                 // nsoptions
  retry,               // retry: pulls and pushes during the build
  retry_delay,         // retry-delay: Go duration
  rewrite_timestamp,   // rewritetimestamp
  sbom_image_output,   // sbom-image-output: a path inside the image
  sbom_image_purl_output,
  sbom_merge_strategy,
  sbom_scanner_command, // JSON array
  sbom_scanner_image,
  seccomp,            // seccomp: a profile path on the host
  secret,             // secrets: "id=ID,src=NAME", NAME a file in the context tar
  security_label,     // labelopts: --security-opt label=…
  shm_size,           // shmsize: bytes
  skip_unused_stages, // skipunusedstages
  source_date_epoch,  // sourcedateepoch: seconds
  timestamp,          // timestamp: seconds
  ulimit,             // ulimits
  unset_annotation,   // unsetannotation
  unset_env,          // unsetenv
  unset_label,        // unsetlabel
  userns,             // nsoptions + idmappingoptions: host, private, auto[:OPTIONS], ns:PATH
  userns_gid_map,     // idmappingoptions: "container:host:size"
  userns_uid_map,     // idmappingoptions: "container:host:size"
  uts,                // nsoptions
  volume,             // volume: "src:dst[:opts]" on the host
};

// How the command line spells an option's values (podman's pflag types).
enum class Syntax {
  none, // no option of its own: read by the caller (--security-opt, --env, --secret, --build-context) or set by the job
  value,  // one value; the last occurrence wins
  repeat, // each occurrence one value (podman's StringArray)
  csv,    // each occurrence a comma list (podman's StringSlice)
  toggle, // --name or --name=BOOL
};

// How the build query carries an option's values (build_query.cpp).
enum class Encoding {
  repeated,   // key=v1&key=v2
  json_array, // key=["v1","v2"]
  value,      // key=v (the last value)
  special,    // encoded by hand
};

// Normalises one value of `option` (its name without "--") the way podman's
// CLI does before sending it; an error says why the value is refused.
using ValueCheck = util::Result<std::string> (*)(const std::string& option, const std::string& value);

// Everything about one forwarded option, in one row of build_settings.cpp's
// table: the command line's option, its --help and completion, the value
// check, the query parameter and the version gate all come from it.
struct BuildOptionSpec {
  BuildOption option;
  const char* name;       // as the user writes it: "--add-host", "--security-opt label=…"
  const char* short_name; // "m" for -m; "" for none
  Syntax syntax;
  const char* value_name;  // "HOST:IP", in --help
  const char* description; // in --help and completion
  ValueCheck check;        // nullptr: values are sent as given
  const char* key;         // the query parameter
  Encoding encoding;
  Version since;      // the first podman whose handler reads it
  const char* absent; // what the service assumes when the key is absent (then it need not be sent)

  // The command line's long option name: "add-host".
  std::string_view
  flag() const
  {
    return std::string_view(name).substr(2);
  }
};

// Every option's row, in the order --help lists them.
std::span<const BuildOptionSpec> build_option_specs();
const BuildOptionSpec& spec_of(BuildOption option);

// One option as given: its values in command-line order (one for a single
// value, "true"/"false" for a switch).
struct BuildSetting {
  BuildOption option;
  std::vector<std::string> values;

  bool operator==(const BuildSetting&) const = default;
};

// "--volume", "--security-opt label=…", … as the user wrote the option.
std::string option_name(BuildOption option);

// The oldest podman whose build endpoint carries `setting`, in the form the
// setting takes (several values of --cache-from need 4.4, one needs 4.2).
Version needed_version(const BuildSetting& setting);

// Why `settings` cannot be built by a podman `version` service: the first
// option it cannot carry, as "--volume needs podman 4.4 or newer (this host
// runs 4.3.1)"; empty if it can carry them all.
std::string unsupported(const std::vector<BuildSetting>& settings, const Version& version);

} // namespace pma::libpod
