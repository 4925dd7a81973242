#pragma once

// Private to src/job: one platform's work — upload and build on its host,
// built again after an emulator crash, failed over when the host dies,
// platform check, push.
#include <pma/job/run.hpp>
#include <pma/libpod/emulator_crash.hpp>

#include <functional>
#include <memory>
#include <string>

#include "fleet.hpp"
#include "group.hpp"
#include "inputs.hpp"
#include "names.hpp"
#include "run_state.hpp"

namespace pma::job::detail {

class Worker {
public:
  // `image_contexts`: "NAME=image:REF" build contexts of images this run built
  // (a release target's contexts: {NAME: "target:OTHER"}).
  // `on_built`, if given, is called once the image is built and its platform
  // checked, before the push: images built FROM it on this host may start.
  // `group`, if given: its first build is the group's request, shared with
  // the other platforms its host builds (group.hpp).
  Worker(const Run& run, const Inputs& inputs, Fleet& fleet, Names& names, PlatformResult& result,
         std::vector<std::string> image_contexts = {}, std::function<void()> on_built = {},
         std::shared_ptr<BuildGroup> group = nullptr);

  // Returns with the platform done or failed (result.state, result.error).
  void run();

private:
  void finish(Phase state, std::optional<util::Error> error = std::nullopt);
  util::Result<std::string> build(hosts::Session& host, libpod::LogTail& tail);
  // The run's name for its image of `platform` on the host.
  std::string image_name_for(const oci::Platform& platform) const;
  // The name every image of this platform's group request carries (worker_group.cpp).
  std::string group_image_name() const;
  // One line of a build's log for `platform` (`text`: as shown, without a
  // platform prefix): its step, the tail (if given) and the progress log.
  void show_event(const oci::Platform& platform, const libpod::BuildEvent& event, std::string_view text,
                  libpod::LogTail* tail) const;
  // The request of this platform's build, without its name (tags).
  util::Result<libpod::BuildRequest> prepare(hosts::Session& host, const std::vector<std::string>& image_contexts);
  // The group's build, run by the first of its platforms (worker_group.cpp).
  std::vector<BuildGroup::Share> lead_group(hosts::Session& host);
  std::vector<BuildGroup::Share> map_group_images(hosts::Session& host, const std::string& list,
                                                  std::vector<BuildGroup::Share> shares);
  // `tail`, if given, keeps the end of the build's log (emulator crashes).
  util::Result<std::string> send_build(hosts::Session& host, const libpod::BuildRequest& request,
                                       const context::ContextPlan& plan, libpod::LogTail* tail = nullptr);
  util::Result<void> add_contexts(hosts::Session& host, libpod::BuildRequest& request,
                                  const std::vector<std::string>& image_contexts);
  util::Result<void> check_platform(hosts::Session& host);
  util::Result<void> push(hosts::Session& host);
  void remove_when_pushed(hosts::Session& host);

  const Run& m_run;
  const Inputs& m_inputs;
  Fleet& m_fleet;
  Names& m_names;
  PlatformResult& m_result;
  std::vector<std::string> m_image_contexts;
  std::function<void()> m_on_built;
  std::shared_ptr<BuildGroup> m_group;
  std::chrono::steady_clock::time_point m_start;
};

// Where `result`'s image is pushed: by digest where the host reports it
// (podman ≥ 4.9), else the per-arch tag (--arch-tag-format).
std::string push_destination(const BuildOptions& options, const PlatformResult& result,
                             const libpod::Capabilities& caps);

// "N bytes", or "N bytes, zstd-compressed": what an upload sends.
std::string upload_note(const context::ContextPlan& plan, const context::Compression& compression);

} // namespace pma::job::detail
