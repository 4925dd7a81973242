// What `bake` prints of a release run: the summary, the --dry-run plan, the
// --metadata-file (the build's pieces per target, outcome_parts.hpp). JSON
// boundary.
#include <pma/output/bake_view.hpp>
#include <pma/output/table.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "outcome_parts.hpp"

namespace pma::output {

using nlohmann::ordered_json;

std::string
release_summary_table(const job::ReleaseOutcome& outcome, const bool color)
{
  const bool changes = std::any_of(outcome.targets.begin(), outcome.targets.end(),
                                   [](const auto& target) { return compares_inputs(target.outcome.platforms); });
  std::vector<std::string> columns = {"TARGET", "PLATFORM", "HOST", "DIGEST", "DURATION", "RESULT"};
  if (changes) {
    columns.emplace_back("INPUTS");
  }
  Table rows(columns);
  Table lists({"TARGET", "INDEX DIGEST", "TAGS"});
  for (const auto& target : outcome.targets) {
    for (const auto& result : target.outcome.platforms) {
      auto cells = summary_cells(result, color);
      cells.insert(cells.begin(), target.name);
      if (changes) {
        cells.push_back(result.change.empty() ? "-" : result.change);
      }
      rows.add_row(std::move(cells));
    }
    const auto& built = target.outcome;
    std::string tags = util::join(built.tags, ", ");
    if (built.index_digest.empty()) {
      tags = target.required ? "not published" : "not published (required: false)";
    } else if (!built.tags_not_pushed.empty()) {
      tags += fmt::format(" (not pushed: {})", util::join(built.tags_not_pushed, ", "));
    }
    lists.add_row({target.name, built.index_digest.empty() ? "-" : built.index_digest, tags});
  }
  return rows.render() + "\n" + lists.render();
}

std::string
release_check_table(const job::ReleaseOutcome& outcome)
{
  Table table({"TARGET", "PLATFORM", "ACTION", "WHY"});
  for (const auto& target : outcome.targets) {
    for (const auto& result : target.outcome.platforms) {
      auto cells = check_cells(result);
      cells.insert(cells.begin(), target.name);
      table.add_row(std::move(cells));
    }
  }
  return table.render();
}

std::string
release_plan_table(const job::ReleaseOutcome& outcome)
{
  Table table({"TARGET", "PLATFORM", "HOST", "WHY", "AFTER"});
  for (const auto& planned : outcome.plan) {
    table.add_row({planned.target, planned.platform.to_string(), planned.host.empty() ? "-" : planned.host,
                   planned.reason.empty() ? "-" : planned.reason,
                   planned.after.empty() ? "-" : util::join(planned.after, ", ")});
  }
  return table.render();
}

std::string
release_metadata_json(const job::ReleaseOutcome& outcome)
{
  ordered_json targets = ordered_json::object();
  for (const auto& target : outcome.targets) {
    ordered_json entry = {{"required", target.required}};
    entry.update(outcome_json(target.outcome));
    targets[target.name] = std::move(entry);
  }
  ordered_json out = {{"targets", targets}, {"exitCode", util::to_int(outcome.exit_status)}};
  if (outcome.error) {
    out["error"] = outcome.error->describe();
  }
  // Registry answers and host logs end up in reasons and errors.
  return util::redact::apply(out.dump(2) + "\n");
}

} // namespace pma::output
