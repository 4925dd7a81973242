#pragma once

// Private to src/job: the list, assembled by digest on a coordinating host
// while the platforms finish, then pushed to every tag.
#include <pma/hosts/session.hpp>
#include <pma/job/run.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "fleet.hpp"
#include "inputs.hpp"
#include "names.hpp"
#include "run_state.hpp"
#include "tags.hpp"

namespace pma::job::detail {

class ListAssembler {
public:
  ListAssembler(const Run& run, Fleet& fleet, Names& names, Tags& tags, BuildOutcome& outcome);

  // The host that assembles the list: --manifest-host, else the one that can
  // read authenticated registries and runs the newest podman. A coordinator
  // that failed is replaced (the list starts again there). Null: none can.
  hosts::Session* coordinator();
  util::Error no_coordinator_error() const;

  // The builds start: the list follows outcome.platforms, with `inputs`.
  void start(const Inputs& inputs);
  // Platform #i is finished (done or failed). Images join the list in plan
  // order, whichever finishes first: each as soon as it and those before it
  // are finished, so the list is complete a moment after the last push.
  void finished(size_t i);

  // The list of `images` (again from scratch if an early add failed) pushed
  // to every tag; a coordinator that stops answering hands over to the next.
  util::Result<void> assemble_and_push(const std::vector<const PlatformResult*>& images);

private:
  hosts::Session* coordinator_locked();
  util::Result<void> add(const PlatformResult& image);
  util::Result<void> push(hosts::Session& coordinator, const std::vector<const PlatformResult*>& images);
  util::Result<void> push_to_tags(hosts::Session& coordinator, const std::vector<oci::Platform>& platforms);
  util::Result<void> push_signed(hosts::Session& coordinator, const std::vector<oci::Platform>& platforms);
  // The list pushed by the coordinator to `destination`; its digest.
  util::Result<std::string> push_to(hosts::Session& coordinator, const oci::ImageRef& destination);
  // Whether the list went to `tag` already (before a coordinator failed).
  bool moved(const oci::ImageRef& tag) const;
  // The list went to `tag` with `digest`.
  void record_tag(const oci::ImageRef& tag, const std::string& digest);

  const Run& m_run;
  Fleet& m_fleet;
  Names& m_names;
  Tags& m_tags;
  BuildOutcome& m_outcome;
  const Inputs* m_inputs = nullptr;

  std::mutex m_mutex; // everything below
  hosts::Session* m_coordinator = nullptr;
  std::string m_name;
  bool m_created = false;
  std::vector<bool> m_finished; // per outcome.platforms entry
  size_t m_next = 0;            // the first entry not yet added or passed over
  size_t m_added = 0;
  bool m_failed = false; // an add failed: assemble_and_push() starts again
};

// `tags` grouped by repository, in the order each first appears: each group
// holds indexes into `tags` (a signed publish signs and stages per repository).
std::vector<std::vector<size_t>> tags_by_repository(const std::vector<oci::ImageRef>& tags);

// The last steps of build, bake and publish for one list: `images` pushed to
// every tag of the run (`list`), then read back (`tags`). Sets the outcome's
// exit status and, on failure, its error (returned too). `about` starts every
// message ("" for a run of one list, "app: " in a release).
// What every tag served when the run began is the list of this run (Tags::
// served_list_of): the outcome says it is published, and nothing is pushed.
// With a signer, the signatures missing for any tag are added (an error:
// the outcome's too).
util::Result<void> keep_served_list(const Run& run, const Tags& tags, BuildOutcome& outcome, const std::string& about);

util::Result<void> push_and_verify(const Run& run, ListAssembler& list, Tags& tags, BuildOutcome& outcome,
                                   const std::vector<const PlatformResult*>& images, const std::string& failures,
                                   const std::string& about);

} // namespace pma::job::detail
