#include <pma/job/plan.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace pma::job {

using util::ErrorClass;

namespace {

bool
contains(const std::vector<oci::Platform>& platforms, const oci::Platform& platform)
{
  return std::find(platforms.begin(), platforms.end(), platform) != platforms.end();
}

std::string
listed(const std::vector<oci::Platform>& platforms)
{
  return platforms.empty() ? "nothing" : util::join(oci::to_strings(platforms), ",");
}

// Why `host` cannot take `platform`, for the error message.
std::string
describe_host(const HostCapacity& host, const Emulation emulation)
{
  if (!host.reachable) {
    return fmt::format("{} (unreachable: {})", host.name, host.unreachable_reason);
  }
  std::string text = fmt::format("{} (serves {}", host.name, listed(host.serves));
  if (emulation != Emulation::never) {
    text +=
        host.emulated ? fmt::format("; emulates {}", listed(*host.emulated)) : "; emulators unknown before podman 5.6";
  }
  return text + ")";
}

} // namespace

util::Result<Emulation>
parse_emulation(const std::string_view text)
{
  if (text == "never") {
    return Emulation::never;
  }
  if (text == "fallback") {
    return Emulation::fallback;
  }
  if (text == "always") {
    return Emulation::always;
  }
  return util::fail(ErrorClass::usage, fmt::format("invalid --emulation '{}' (never, fallback, always){}", text,
                                                   util::did_you_mean(text, {"never", "fallback", "always"})));
}

std::string
Assignment::reason() const
{
  switch (why) {
  case Why::native:
    return "native";
  case Why::declared:
    return "declared";
  case Why::emulated:
    return emulation_verified ? "emulated" : "emulated (emulator not reported by the host)";
  }
  return "";
}

std::vector<oci::Platform>
served_platforms(const std::vector<HostCapacity>& hosts)
{
  std::vector<oci::Platform> platforms;
  for (const auto& host : hosts) {
    if (!host.reachable) {
      continue;
    }
    for (const auto& platform : host.serves) {
      if (!contains(platforms, platform)) {
        platforms.push_back(platform);
      }
    }
  }
  return platforms;
}

std::vector<Assignment>
candidates_for(const oci::Platform& platform, const std::vector<HostCapacity>& hosts, const Emulation emulation)
{
  std::vector<Assignment> native;
  std::vector<Assignment> emulating;
  for (const auto& host : hosts) {
    if (!host.reachable) {
      continue;
    }
    if (contains(host.serves, platform)) {
      native.push_back({platform, host.name, host.declared ? Assignment::Why::declared : Assignment::Why::native});
    } else if (emulation != Emulation::never) {
      const bool reported = host.emulated && contains(*host.emulated, platform);
      // A host that cannot tell us (podman < 5.6) may still have qemu: the
      // build will say if it does not. A host that reports a list without
      // this platform cannot.
      if (reported || !host.emulated) {
        emulating.push_back({platform, host.name, Assignment::Why::emulated, reported});
      }
    }
  }
  std::vector<Assignment> candidates = std::move(native);
  if (emulation == Emulation::always || (emulation == Emulation::fallback && candidates.empty())) {
    // Hosts that reported the emulator come before those that cannot say.
    std::stable_partition(emulating.begin(), emulating.end(), [](const Assignment& a) { return a.emulation_verified; });
    candidates.insert(candidates.end(), emulating.begin(), emulating.end());
  }
  return candidates;
}

util::Error
no_host_for(const oci::Platform& platform, const std::vector<HostCapacity>& hosts, const Emulation emulation)
{
  std::vector<std::string> considered;
  considered.reserve(hosts.size());
  for (const auto& host : hosts) {
    considered.push_back(describe_host(host, emulation));
  }
  util::Error error(ErrorClass::usage,
                    fmt::format("no host can build {}; considered: {}", platform.to_string(),
                                considered.empty() ? "no hosts" : util::join(considered, "; ")),
                    emulation == Emulation::never ? "allow emulation with --emulation fallback, or add a host"
                                                  : "add a host that serves it (platforms: in the config)");
  error.platform = platform.to_string();
  return error;
}

Plan
plan_platforms(const std::vector<oci::Platform>& platforms, const std::vector<HostCapacity>& hosts,
               const Emulation emulation)
{
  Plan plan;
  std::map<std::string, int> load;
  for (const auto& platform : platforms) {
    const std::vector<Assignment> candidates = candidates_for(platform, hosts, emulation);
    if (candidates.empty()) {
      plan.unassigned.push_back({platform, no_host_for(platform, hosts, emulation)});
      continue;
    }
    // Least loaded wins; native beats emulated at equal load; host order breaks ties.
    const auto best =
        std::min_element(candidates.begin(), candidates.end(), [&](const Assignment& a, const Assignment& b) {
          const int la = load[a.host];
          const int lb = load[b.host];
          if (la != lb) {
            return la < lb;
          }
          return (a.why != Assignment::Why::emulated) && (b.why == Assignment::Why::emulated);
        });
    ++load[best->host];
    plan.assignments.push_back(*best);
  }
  return plan;
}

} // namespace pma::job
