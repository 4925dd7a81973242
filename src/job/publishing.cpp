// The lists of a run, under the publishing rules: every target decided first
// (rules.cpp) — a required target that may not be published stops them all,
// an optional one is left out — then each list pushed to its tags and read
// back (list.cpp, tags.cpp).
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "fragments.hpp"
#include "job.hpp"
#include "rules.hpp"

namespace pma::job::detail {

using util::Error;
using util::ErrorClass;
using util::ExitStatus;
using util::Result;

void
Job::publish()
{
  std::vector<PublishDecision> decisions;
  std::vector<std::string> left_out;
  for (auto& target : m_targets) {
    decisions.push_back(decide_publish(target->options, target->outcome.platforms, target->tags.existing()));
    auto& refusal = decisions.back().refusal;
    if (!refusal) {
      continue;
    }
    target->outcome.exit_status = refusal->status;
    target->outcome.error = refusal->error;
    if (m_one_image) {
      m_outcome.exit_status = refusal->status;
      m_outcome.error = std::move(refusal->error);
      return;
    }
    if (target->spec.required) {
      // All or nothing: no tag of any target moves.
      m_outcome.exit_status = refusal->status;
      m_outcome.error =
          Error(refusal->error.cls,
                fmt::format("nothing published: target {}: {}", target->spec.name, refusal->error.message),
                refusal->error.hint);
      return;
    }
    left_out.push_back(target->spec.name);
    m_env.progress.warning(
        fmt::format("target {} is left out (required: false): {}", target->spec.name, refusal->error.message));
  }
  bool partial = !left_out.empty();
  for (size_t t = 0; t < m_targets.size(); ++t) {
    Target& target = *m_targets[t];
    const PublishDecision& decision = decisions[t];
    if (decision.refusal || !target.run.publishes()) {
      continue;
    }
    if (!target.current && !decision.failures.empty()) {
      partial = true;
      m_env.progress.warning(
          fmt::format("partial publish{}: {}", m_one_image ? "" : " of " + target.spec.name, decision.failures));
    }
    if (auto ok = target.current ? keep_served_list(target.run, target.tags, target.outcome, target.about())
                                 : push_and_verify(target.run, target.list, target.tags, target.outcome,
                                                   decision.images, decision.failures, target.about());
        !ok) {
      m_outcome.exit_status = m_one_image ? target.outcome.exit_status : ExitStatus::failure;
      m_outcome.error = std::move(ok).error();
      return;
    }
  }
  m_outcome.exit_status = partial ? ExitStatus::partial : ExitStatus::success;
  if (!left_out.empty()) {
    m_outcome.error = Error(ErrorClass::api, fmt::format("partial release: {} left out", util::join(left_out, ", ")));
  }
}

// --fragment: what every target pushed, under the same rules as its list would
// be (a required target refused: no fragment at all), and no tag moves.
void
Job::record_fragments()
{
  Fragment fragment;
  fragment.run_id = m_run_id;
  std::vector<std::string> left_out;
  bool partial = false;
  for (auto& target : m_targets) {
    record_fragment(target->run, m_fleet, target->outcome);
    if (!target->outcome.fragment) {
      Error error = target->outcome.error.value_or(Error(ErrorClass::internal, "no fragment"));
      if (m_one_image || target->spec.required) {
        m_outcome.exit_status = target->outcome.exit_status;
        m_outcome.error = std::move(error);
        if (!m_one_image) {
          m_outcome.error->message = fmt::format("target {}: {}", target->spec.name, m_outcome.error->message);
        }
        return;
      }
      left_out.push_back(target->spec.name);
      m_env.progress.warning(
          fmt::format("target {} is left out of the fragment (required: false): {}", target->spec.name, error.message));
      continue;
    }
    partial = partial || target->outcome.exit_status == ExitStatus::partial;
    for (auto& recorded : target->outcome.fragment->targets) {
      if (!m_one_image) {
        recorded.name = target->spec.name;
      }
      fragment.targets.push_back(recorded);
    }
  }
  m_outcome.fragment = std::move(fragment);
  m_outcome.exit_status = partial || !left_out.empty() ? ExitStatus::partial : ExitStatus::success;
  if (!left_out.empty()) {
    m_outcome.error = Error(ErrorClass::api, fmt::format("partial fragment: {} left out", util::join(left_out, ", ")));
  }
}

Result<void>
keep_served_list(const Run& run, const Tags& tags, BuildOutcome& outcome, const std::string& about)
{
  const auto* served = tags.served_before(0);
  if (run.env.signer != nullptr) {
    // Signatures of what the tags serve already: the missing ones are added.
    SignReport report;
    for (const auto& group : tags_by_repository(run.options.tags)) {
      std::vector<oci::ImageRef> same;
      same.reserve(group.size());
      for (const size_t i : group) {
        same.push_back(run.options.tags[i]);
      }
      if (auto ok = run.env.signer->sign(same.front(), same, report); !ok) {
        Error error = std::move(ok).error();
        error.message = about + "signing: " + error.message;
        outcome.exit_status = util::exit_status_for(error.cls);
        outcome.error = error;
        return util::Unexpected(std::move(error));
      }
    }
    outcome.signing = report;
    run.progress().info(fmt::format("{}signatures: {} kept, {} added", about, report.kept, report.signatures));
  }
  for (const auto& tag : run.options.tags) {
    outcome.tags.push_back(tag.to_string());
  }
  outcome.index_digest = served->digest;
  outcome.media_type = served->media_type;
  outcome.verified = true; // read at the start of this run
  outcome.exit_status = ExitStatus::success;
  run.progress().info(
      fmt::format("{}unchanged: every tag serves index {} already; nothing pushed", about, served->digest));
  return {};
}

Result<void>
push_and_verify(const Run& run, ListAssembler& list, Tags& tags, BuildOutcome& outcome,
                const std::vector<const PlatformResult*>& images, const std::string& failures, const std::string& about)
{
  if (auto ok = list.assemble_and_push(images); !ok) {
    Error error = std::move(ok).error();
    for (const auto& tag : run.options.tags) {
      if (std::find(outcome.tags.begin(), outcome.tags.end(), tag.to_string()) == outcome.tags.end()) {
        outcome.tags_not_pushed.push_back(tag.to_string());
      }
    }
    if (outcome.tags.empty()) {
      outcome.exit_status = util::exit_status_for(error.cls);
    } else {
      // Some tags serve the new list, the others what they served before.
      outcome.exit_status = ExitStatus::failure;
      const size_t kept = outcome.tags_not_pushed.size();
      error.message =
          fmt::format("{}; {} serve{} the new list {}, {} still serve{} what {} served before", error.message,
                      util::join(outcome.tags, ", "), outcome.tags.size() == 1 ? "s" : "", outcome.index_digest,
                      util::join(outcome.tags_not_pushed, ", "), kept == 1 ? "s" : "", kept == 1 ? "it" : "they");
    }
    error.message = about + error.message;
    outcome.error = error;
    return util::Unexpected(std::move(error));
  }
  if (auto ok = tags.verify(images, list.coordinator(), outcome.index_digest); !ok) {
    if (ok.error().cls != ErrorClass::internal) {
      outcome.exit_status = ExitStatus::failure;
      outcome.error = ok.error();
      outcome.error->message = about + outcome.error->message;
      return util::Unexpected(*outcome.error);
    }
    run.progress().warning(about + "not verified: " + ok.error().message);
  } else {
    outcome.verified = true;
    run.progress().info(about + "verified: the registry serves every platform at the pushed digest");
  }
  outcome.exit_status = failures.empty() ? ExitStatus::success : ExitStatus::partial;
  return {};
}

} // namespace pma::job::detail
