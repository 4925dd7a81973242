// The results of a build run: the summary table, --metadata-file, the
// --dry-run plan. JSON boundary.
#include <pma/libpod/client.hpp>
#include <pma/output/build_view.hpp>
#include <pma/output/table.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/redact.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include "build_json.hpp"
#include "outcome_parts.hpp"

namespace pma::output {

using job::Phase;
using nlohmann::ordered_json;

std::string
seconds(const std::chrono::milliseconds value)
{
  return fmt::format("{:.1f}s", static_cast<double>(value.count()) / 1000.0);
}

std::string
short_digest(const std::string& digest)
{
  return digest.size() > 19 ? digest.substr(0, 19) + "…" : (digest.empty() ? "-" : digest);
}

namespace {

std::string
result_cell(const job::PlatformResult& result, const bool color)
{
  if (result.state == Phase::done) {
    return paint("ok", Color::green, color);
  }
  if (result.state == Phase::failed) {
    return paint("failed", Color::red, color);
  }
  return job::to_string(result.state);
}

} // namespace

std::vector<std::string>
summary_cells(const job::PlatformResult& result, const bool color)
{
  return {result.platform.to_string(), result.host.empty() ? "-" : result.host,
          short_digest(result.digest.empty() ? result.image_id : result.digest), seconds(result.duration),
          result_cell(result, color)};
}

bool
compares_inputs(const std::vector<job::PlatformResult>& platforms)
{
  return std::any_of(platforms.begin(), platforms.end(),
                     [](const job::PlatformResult& result) { return !result.change.empty(); });
}

std::string
summary_table(const job::BuildOutcome& outcome, const bool color)
{
  const bool changes = compares_inputs(outcome.platforms);
  std::vector<std::string> columns = {"PLATFORM", "HOST", "DIGEST", "DURATION", "RESULT"};
  if (changes) {
    columns.emplace_back("INPUTS");
  }
  Table table(columns);
  for (const auto& result : outcome.platforms) {
    auto cells = summary_cells(result, color);
    if (changes) {
      cells.push_back(result.change.empty() ? "-" : result.change);
    }
    table.add_row(std::move(cells));
  }
  return table.render();
}

ordered_json
inputs_json(const job::Fingerprint& inputs)
{
  ordered_json bases = ordered_json::object();
  for (const auto& [name, digest] : inputs.bases) {
    bases[name] = digest;
  }
  ordered_json out = {{"digest", inputs.unpinned.empty() ? ordered_json(inputs.digest) : ordered_json(nullptr)},
                      {"context", inputs.context},
                      {"containerfile", inputs.containerfile},
                      {"options", inputs.options},
                      {"bases", bases}};
  if (!inputs.unpinned.empty()) {
    out["unpinned"] = inputs.unpinned;
  }
  return out;
}

namespace {

// What --check and incremental runs add to a platform's entry.
void
add_inputs(ordered_json& entry, const job::PlatformResult& result)
{
  if (!result.change.empty()) {
    entry["change"] = result.change;
  }
  if (result.inputs) {
    entry["inputs"] = inputs_json(*result.inputs);
  }
}

} // namespace

std::string
check_table(const job::BuildOutcome& outcome)
{
  Table table({"PLATFORM", "ACTION", "WHY"});
  for (const auto& result : outcome.platforms) {
    table.add_row(check_cells(result));
  }
  return table.render();
}

std::vector<std::string>
check_cells(const job::PlatformResult& result)
{
  if (result.state == Phase::done) {
    return {result.platform.to_string(), "keep", "unchanged: " + short_digest(result.digest)};
  }
  if (result.state == Phase::failed) {
    return {result.platform.to_string(), "-", result.error ? result.error->message : "failed"};
  }
  return {result.platform.to_string(), "build", result.change.empty() ? "built: not published" : result.change};
}

ordered_json
outcome_json(const job::BuildOutcome& outcome)
{
  ordered_json platforms = ordered_json::array();
  ordered_json skipped = ordered_json::array();
  for (const auto& result : outcome.platforms) {
    if (result.state == Phase::done) {
      platforms.push_back({{"platform", result.platform.to_string()},
                           {"host", result.host},
                           {"reason", result.reason},
                           {"imageId", result.image_id},
                           {"imageName", result.image_name},
                           {"digest", result.digest},
                           {"pushedTo", result.pushed_to},
                           {"durationSeconds", static_cast<double>(result.duration.count()) / 1000.0},
                           {"buildSeconds", static_cast<double>(result.build_duration.count()) / 1000.0},
                           {"retries", result.retries},
                           {"retriedAfterEmulatorCrash", result.emulator_crash_retries},
                           {"failedOverFrom", result.failed_over}});
      add_inputs(platforms.back(), result);
    } else {
      skipped.push_back({{"platform", result.platform.to_string()},
                         {"host", result.host},
                         {"reason", result.error ? result.error->describe() : job::to_string(result.state)}});
      add_inputs(skipped.back(), result);
    }
  }
  ordered_json out = {{"indexDigest", outcome.index_digest},
                      {"mediaType", outcome.media_type},
                      {"tags", outcome.tags},
                      {"tagsNotPushed", outcome.tags_not_pushed},
                      {"verified", outcome.verified},
                      {"coordinator", outcome.coordinator},
                      {"listPushRetries", outcome.list_push_retries},
                      {"platforms", platforms},
                      {"skipped", skipped},
                      {"exitCode", util::to_int(outcome.exit_status)}};
  if (outcome.signing) {
    // Signed: manifests given new signatures, those whose signatures for every tag were there already.
    out["signatures"] = {{"signedManifests", outcome.signing->signed_manifests},
                         {"new", outcome.signing->signatures},
                         {"kept", outcome.signing->kept}};
  }
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
  return out;
}

std::string
metadata_json(const job::BuildOutcome& outcome)
{
  // Registry answers and host logs end up in reasons and errors.
  return util::redact::apply(outcome_json(outcome).dump(2) + "\n");
}

std::string
plan_table(const job::BuildOutcome& outcome, const job::BuildOptions& options)
{
  Table table({"PLATFORM", "HOST", "WHY", "PUSH TO"});
  for (const auto& result : outcome.platforms) {
    if (result.state == Phase::failed) {
      table.add_row({result.platform.to_string(), "-", "no host", result.error ? result.error->message : ""});
      continue;
    }
    std::string destination = result.pushed_to;
    if (const auto repository = libpod::by_digest_repository(destination)) {
      destination = *repository + " (by digest)";
    }
    table.add_row(
        {result.platform.to_string(), result.host, result.reason, options.no_push ? "(not pushed)" : destination});
  }
  std::string out = table.render();
  if (!options.no_push && !options.tags.empty()) {
    std::vector<std::string> tags;
    for (const auto& tag : options.tags) {
      tags.push_back(tag.to_string());
    }
    out += "list: " + fmt::format("{}", fmt::join(tags, ", ")) + "\n";
  }
  return out;
}

std::string
plan_json(const job::BuildOutcome& outcome, const job::BuildOptions& options)
{
  ordered_json platforms = ordered_json::array();
  for (const auto& result : outcome.platforms) {
    ordered_json entry = {{"platform", result.platform.to_string()},
                          {"host", result.host.empty() ? ordered_json(nullptr) : ordered_json(result.host)},
                          {"reason", result.reason},
                          {"pushTo", result.pushed_to}};
    if (result.error) {
      entry["error"] = result.error->message;
    }
    platforms.push_back(std::move(entry));
  }
  ordered_json tags = ordered_json::array();
  for (const auto& tag : options.tags) {
    tags.push_back(tag.to_string());
  }
  return ordered_json{{"platforms", platforms}, {"tags", tags}, {"push", !options.no_push}}.dump(2) + "\n";
}

} // namespace pma::output
