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

Plan
plan_platforms(const std::vector<oci::Platform>& platforms, const std::vector<HostCapacity>& hosts,
               const Emulation emulation)
{
  Plan plan;
  std::map<std::string, int> load;
  for (const auto& platform : platforms) {
    struct Candidate {
      const HostCapacity* host;
      Assignment::Why why;
      bool verified;
    };
    std::vector<Candidate> native;
    std::vector<Candidate> emulating;
    for (const auto& host : hosts) {
      if (!host.reachable) {
        continue;
      }
      if (contains(host.serves, platform)) {
        native.push_back({&host, host.declared ? Assignment::Why::declared : Assignment::Why::native, false});
      } else if (emulation != Emulation::never) {
        const bool reported = host.emulated && contains(*host.emulated, platform);
        // A host that cannot tell us (podman < 5.6) may still have qemu: the
        // build will say if it does not. A host that reports a list without
        // this platform cannot.
        if (reported || !host.emulated) {
          emulating.push_back({&host, Assignment::Why::emulated, reported});
        }
      }
    }
    std::vector<Candidate> candidates = native;
    if (emulation == Emulation::always || (emulation == Emulation::fallback && native.empty())) {
      // Hosts that reported the emulator come before those that cannot say.
      std::stable_partition(emulating.begin(), emulating.end(), [](const Candidate& c) { return c.verified; });
      candidates.insert(candidates.end(), emulating.begin(), emulating.end());
    }
    if (candidates.empty()) {
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
      plan.unassigned.push_back({platform, std::move(error)});
      continue;
    }
    // Least loaded wins; native beats emulated at equal load; host order breaks ties.
    const auto best =
        std::min_element(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
          const int la = load[a.host->name];
          const int lb = load[b.host->name];
          if (la != lb) {
            return la < lb;
          }
          return (a.why != Assignment::Why::emulated) && (b.why == Assignment::Why::emulated);
        });
    ++load[best->host->name];
    plan.assignments.push_back({platform, best->host->name, best->why, best->verified});
  }
  return plan;
}

} // namespace pma::job
