#pragma once

#include <pma/oci/platform.hpp>
#include <pma/util/error.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pma::job {

// --emulation: never (native hosts only), fallback (native first, else a host
// that can emulate), always (emulating hosts are candidates like native ones).
enum class Emulation { never, fallback, always };

util::Result<Emulation> parse_emulation(std::string_view text);

// What one host can build, as learnt from its probe.
struct HostCapacity {
  std::string name;
  bool reachable = true;
  std::string unreachable_reason;                     // error text when !reachable
  std::vector<oci::Platform> serves;                  // declared platforms, else native
  bool declared = false;                              // serves come from platforms: / --host
  std::optional<std::vector<oci::Platform>> emulated; // nullopt: unknown (podman < 5.6, or not asked)
  int slots = 0;                                      // jobs it runs at once (max-jobs, else its CPUs); 0: no limit
};

struct Assignment {
  enum class Why { native, declared, emulated };
  oci::Platform platform;
  std::string host;
  Why why = Why::native;
  bool emulation_verified = false; // the host reported this emulator

  std::string reason() const;
};

struct Unassigned {
  oci::Platform platform;
  util::Error error;
};

struct Plan {
  std::vector<Assignment> assignments; // in platform order
  std::vector<Unassigned> unassigned;
};

// Every platform the reachable hosts serve, in host order, without duplicates.
std::vector<oci::Platform> served_platforms(const std::vector<HostCapacity>& hosts);

// Every host that may build `platform`, best first: those that serve it
// natively (or declare it), then, when `emulation` allows, those that may
// emulate it (hosts that reported the emulator first). Empty: none can.
std::vector<Assignment> candidates_for(const oci::Platform& platform, const std::vector<HostCapacity>& hosts,
                                       Emulation emulation);

// Why no host can build `platform` (candidates_for() was empty).
util::Error no_host_for(const oci::Platform& platform, const std::vector<HostCapacity>& hosts, Emulation emulation);

// Assigns each platform to a host: one that serves it natively (or declares
// it) first, else one that may emulate it when `emulation` allows. Among
// several candidates, the one with the fewest assignments so far (host order
// breaks ties), so work spreads instead of piling on the first host. The
// result does not depend on timing: the same input gives the same plan.
Plan plan_platforms(const std::vector<oci::Platform>& platforms, const std::vector<HostCapacity>& hosts,
                    Emulation emulation);

} // namespace pma::job
