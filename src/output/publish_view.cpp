// The results of a publish run (include/pma/output/publish_view.hpp). JSON boundary.
#include <pma/output/build_view.hpp>
#include <pma/output/publish_view.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "build_json.hpp"

namespace pma::output {

using nlohmann::ordered_json;

std::string
publish_summary(const job::PublishOutcome& outcome, const bool color)
{
  std::string out;
  for (const auto& target : outcome.targets) {
    if (outcome.targets.size() > 1) {
      std::vector<std::string> tags;
      for (const auto& tag : target.outcome.tags) {
        tags.push_back(tag);
      }
      out += fmt::format("{}{}{}\n", out.empty() ? "" : "\n", target.name,
                         tags.empty() ? "" : " → " + util::join(tags, ", "));
    }
    out += summary_table(target.outcome, color);
  }
  return out;
}

std::string
publish_metadata_json(const job::PublishOutcome& outcome)
{
  ordered_json targets = ordered_json::array();
  for (const auto& target : outcome.targets) {
    ordered_json entry = {{"name", target.name}, {"fragments", target.fragments}};
    entry.update(outcome_json(target.outcome));
    targets.push_back(std::move(entry));
  }
  ordered_json out = {
      {"targets", targets}, {"coordinator", outcome.coordinator}, {"exitCode", util::to_int(outcome.exit_status)}};
  if (!outcome.left_behind.empty()) {
    ordered_json left = ordered_json::array();
    for (const auto& [host, names] : outcome.left_behind) {
      left.push_back({{"host", host}, {"names", names}});
    }
    out["leftBehind"] = left;
  }
  if (outcome.error) {
    out["error"] = outcome.error->describe();
  }
  return util::redact::apply(out.dump(2) + "\n");
}

std::string
publish_digests(const job::PublishOutcome& outcome)
{
  std::string out;
  for (const auto& target : outcome.targets) {
    if (target.outcome.index_digest.empty()) {
      continue;
    }
    out += outcome.targets.size() == 1 ? target.outcome.index_digest + "\n"
                                       : fmt::format("{} {}\n", target.name, target.outcome.index_digest);
  }
  return out;
}

} // namespace pma::output
