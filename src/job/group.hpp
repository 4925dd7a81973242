#pragma once

// Private to src/job: several platforms of one target that one host builds,
// sent in one build request, so that their context crosses the network once
// (docs/transfer.md, "One upload per host").
#include <pma/oci/platform.hpp>
#include <pma/util/error.hpp>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pma::job::detail {

class BuildGroup {
public:
  // What the grouped build gave one of its platforms.
  struct Share {
    enum class Kind {
      built,  // `image` is its image ID, named for the run
      failed, // `image` is its error: podman named the platform, or the host was lost
      alone,  // build it by a request of its own (`why`)
    };
    Kind kind = Kind::alone;
    util::Result<std::string> image = util::fail(util::ErrorClass::internal, "not built");
    std::vector<std::string> log; // its lines, the end of them (emulator crashes)
    std::string why;
  };

  // `contexts`: the image build contexts of the request (bases pinned through
  // their lists), the same for every platform.
  BuildGroup(std::string host, std::vector<oci::Platform> platforms, std::vector<std::string> contexts);

  const std::string&
  host() const
  {
    return m_host;
  }
  const std::vector<oci::Platform>&
  platforms() const
  {
    return m_platforms;
  }
  const std::vector<std::string>&
  contexts() const
  {
    return m_contexts;
  }

  // The first platform to ask runs `build` (one Share per platform, in
  // platforms() order); the others wait for it.
  Share take(const oci::Platform& mine, const std::function<std::vector<Share>()>& build);

private:
  std::string m_host;
  std::vector<oci::Platform> m_platforms;
  std::vector<std::string> m_contexts;
  std::mutex m_mutex;
  std::condition_variable m_done;
  bool m_started = false;
  std::optional<std::vector<Share>> m_shares;
};

// Which platform a line of a several-platform build stream names: podman
// prefixes "[linux/arm64] " to STEP and COMMIT lines. Returns the index in
// `platforms` and the line without the prefix; nullopt if it names none.
std::optional<std::pair<size_t, std::string_view>> line_platform(std::string_view line,
                                                                 const std::vector<oci::Platform>& platforms);

// The platform a failed several-platform build names in its error, as podman 5
// does ("[linux/s390x]: building at STEP …"); podman 4 names none.
std::optional<size_t> error_platform(std::string_view message, const std::vector<oci::Platform>& platforms);

} // namespace pma::job::detail
