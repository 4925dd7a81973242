#pragma once

#include <pma/oci/platform.hpp>
#include <pma/util/error.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace pma::job {

enum class Phase { queued, upload, build, verify, push, done, failed, skipped };

const char* to_string(Phase phase);

// Where a build run reports what happens (ninja's Status): the output layer
// implements it for terminals, plain logs and JSON lines. Calls come from
// several threads; implementations serialise.
class Progress {
public:
  virtual ~Progress() = default;

  // A job — a platform of a release target ("" for `build`, whose only image
  // has no name) — moved to `phase` on `host`; `detail` may say more ("step 2/5").
  virtual void phase(const std::string& target, const oci::Platform& platform, const std::string& host, Phase phase,
                     std::string_view detail) = 0;
  // One line of a job's build or push output.
  virtual void log(const std::string& target, const oci::Platform& platform, const std::string& host,
                   std::string_view line) = 0;
  // A run-level message (planning, publishing, verification).
  virtual void info(std::string_view message) = 0;
  virtual void warning(std::string_view message) = 0;
};

} // namespace pma::job
