#include <pma/job/fingerprint.hpp>
#include <pma/output/inspect_view.hpp>
#include <pma/output/table.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

#include "outcome_parts.hpp"

namespace pma::output {

using nlohmann::ordered_json;

namespace {

constexpr const char* k_unknown = "n/a";

// An entry's fingerprint (incremental builds), if it records one.
std::optional<job::Fingerprint>
inputs_of(const app::InspectEntry& row)
{
  return row.annotations ? job::fingerprint_from(*row.annotations) : std::nullopt;
}

// `without_inputs`: the fingerprint's annotations are shown in a column of their own.
std::string
annotations_cell(const std::optional<app::Annotations>& annotations, const bool without_inputs = false)
{
  if (!annotations) {
    return k_unknown;
  }
  std::vector<std::string> pairs;
  pairs.reserve(annotations->size());
  for (const auto& [key, value] : *annotations) {
    if (without_inputs && key.starts_with(job::k_inputs_annotation)) {
      continue;
    }
    std::string pair = key + "=";
    for (const char c : value) { // one row per entry, whatever the value holds
      pair += static_cast<unsigned char>(c) < 0x20 ? fmt::format("\\x{:02x}", static_cast<int>(c)) : std::string(1, c);
    }
    pairs.push_back(std::move(pair));
  }
  return util::join(pairs, ",");
}

std::string
platform_cell(const oci::Platform& platform)
{
  return platform.os.empty() && platform.architecture.empty() ? "unknown" : platform.to_string();
}

template <typename T>
ordered_json
or_null(const std::optional<T>& value)
{
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

} // namespace

std::string
human_size(const int64_t bytes)
{
  constexpr std::array<const char*, 6> units = {"B", "kB", "MB", "GB", "TB", "PB"};
  auto value = static_cast<double>(bytes);
  size_t unit = 0;
  // 999.7 would print as "1e+03": move on to the next unit where rounding reaches it.
  while (value >= 999.5 && unit + 1 < units.size()) {
    value /= 1000.0;
    ++unit;
  }
  return fmt::format("{:.3g}{}", value, units.at(unit));
}

// --verify-key: a row per manifest, the index first.
std::string
signatures_table(const app::Inspection& view)
{
  const auto& check = *view.signatures;
  const auto cell = [](const bool valid) { return std::string(valid ? "yes" : "no"); };
  Table table({"MANIFEST", "DIGEST", "SIGNED"});
  if (check.index) {
    table.add_row({"index", view.digest.value_or(k_unknown), cell(*check.index)});
  }
  for (size_t i = 0; i < view.rows.size() && i < check.rows.size(); ++i) {
    table.add_row({platform_cell(view.rows[i].platform), view.rows[i].digest, cell(check.rows[i])});
  }
  return fmt::format("\nsignatures by {} for {}:\n", check.key,
                     check.identity.empty() ? "any tag of the repository" : check.identity) +
         table.render();
}

std::string
manifests_table(const app::Inspection& view)
{
  std::string out =
      fmt::format("{}  {}  {}", view.reference, view.digest.value_or(k_unknown), view.media_type.value_or(k_unknown));
  if (view.is_list && !*view.is_list) {
    out += "  (a single image, not a list)";
  }
  out += "\n";
  if (view.is_list.value_or(true) && view.annotations && !view.annotations->empty()) {
    out += "annotations: " + annotations_cell(view.annotations) + "\n";
  }
  const bool inputs = std::any_of(view.rows.begin(), view.rows.end(),
                                  [](const app::InspectEntry& row) { return inputs_of(row).has_value(); });
  if (!inputs) {
    Table table({"PLATFORM", "DIGEST", "SIZE", "ANNOTATIONS"});
    for (const auto& row : view.rows) {
      table.add_row({platform_cell(row.platform), row.digest, human_size(row.size), annotations_cell(row.annotations)});
    }
    return out + table.render();
  }
  // Built by podman-multiarch with its inputs recorded: what each image was built from.
  Table table({"PLATFORM", "DIGEST", "SIZE", "INPUTS", "ANNOTATIONS"});
  Table bases({"PLATFORM", "BASE", "PINNED TO"});
  for (const auto& row : view.rows) {
    const auto fingerprint = inputs_of(row);
    table.add_row({platform_cell(row.platform), row.digest, human_size(row.size),
                   fingerprint ? job::abbreviated(fingerprint->digest) : "-", annotations_cell(row.annotations, true)});
    if (fingerprint) {
      for (const auto& [name, digest] : fingerprint->bases) {
        bases.add_row({platform_cell(row.platform), name, digest});
      }
    }
  }
  return out + table.render() + "\n" + bases.render();
}

std::string
inspect_table(const app::Inspection& view)
{
  return manifests_table(view) + (view.signatures ? signatures_table(view) : "");
}

std::string
inspect_json(const app::Inspection& view)
{
  ordered_json manifests = ordered_json::array();
  for (const auto& row : view.rows) {
    manifests.push_back({{"platform", platform_cell(row.platform)},
                         {"os", row.platform.os},
                         {"architecture", row.platform.architecture},
                         {"variant", row.platform.variant},
                         {"digest", row.digest},
                         {"mediaType", row.media_type},
                         {"size", row.size},
                         {"annotations", or_null(row.annotations)}});
    if (const auto fingerprint = inputs_of(row)) {
      manifests.back()["inputs"] = inputs_json(*fingerprint);
    }
  }
  ordered_json root = {{"reference", view.reference},
                       {"source", view.source},
                       {"digest", or_null(view.digest)},
                       {"mediaType", or_null(view.media_type)},
                       {"size", or_null(view.size)},
                       {"isList", or_null(view.is_list)},
                       {"annotations", or_null(view.annotations)},
                       {"manifests", manifests}};
  if (view.signatures) {
    const auto& check = *view.signatures;
    ordered_json rows = ordered_json::array();
    for (size_t i = 0; i < view.rows.size() && i < check.rows.size(); ++i) {
      rows.push_back({{"digest", view.rows[i].digest}, {"signed", static_cast<bool>(check.rows[i])}});
    }
    root["signatures"] = {{"key", check.key},
                          {"identity", check.identity.empty() ? ordered_json(nullptr) : ordered_json(check.identity)},
                          {"index", or_null(check.index)},
                          {"manifests", rows},
                          {"all", check.all()}};
  }
  return root.dump(2) + "\n";
}

} // namespace pma::output
