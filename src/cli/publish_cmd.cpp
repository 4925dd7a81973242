// podman-multiarch publish [OPTIONS] FRAGMENT...: the lists of the images
// other runs pushed (app/publish.hpp), and what it prints.
#include <pma/app/publish.hpp>
#include <pma/app/validate.hpp>
#include <pma/output/progress_printer.hpp>
#include <pma/output/publish_view.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

using util::ErrorClass;
using util::Result;

namespace {

constexpr const char* k_examples = R"(  podman-multiarch publish amd64.json arm64.json
  podman-multiarch publish --platform linux/amd64,linux/arm64 --host x86 fragments/*.json
  podman-multiarch publish -t quay.io/acme/app:1.4 -t quay.io/acme/app:latest --metadata-file result.json *.json
)";

std::vector<Option>
publish_options_table()
{
  // clang-format off
  return joined({
      {"Publishing", "t,tag", "Publish the list as this name instead of the fragments' tags (repeatable; one list only)", cxxopts::value<std::vector<std::string>>(), "NAME"},
      {"Publishing", "platform", "Platforms the list must have, exactly (comma list, repeatable; default: those the fragments asked for)", cxxopts::value<std::vector<std::string>>(), "OS/ARCH[/VARIANT]"},
      {"Publishing", "require", "With --allow-partial: platforms that must be in the list (comma list)", cxxopts::value<std::vector<std::string>>(), "PLATFORMS"},
      {"Publishing", "allow-partial", "Publish the platforms that are there even if others are missing (exit 3)"},
      {"Publishing", "allow-shrink", "Allow the new list to drop platforms the tag serves now"},
      {"Publishing", "format", "List format: oci or docker (default: the fragments')", cxxopts::value<std::string>(), "FORMAT", {"oci", "docker"}},
      {"Publishing", "cleanup", "Remove the temporary list from the coordinator afterwards", cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL"},
      {"Publishing", "manifest-host", "Host that assembles and pushes the list (default: the most capable)", cxxopts::value<std::string>(), "HOST"},
      operands_holder("Publishing", "fragments"),
    }, {registry_options("Publishing"), signing_options(), retry_options(), {
      {"Output", "progress", util::join(output::progress_modes(), ", "), cxxopts::value<std::string>()->default_value("auto"), "MODE", output::progress_modes(), k_checked_by_command},
      {"Output", "q,quiet", "Same as --progress quiet"},
      {"Output", "metadata-file", "Write the result as JSON to FILE", cxxopts::value<std::string>(), "FILE"},
      {"Output", "digestfile", "Write the index digest to FILE", cxxopts::value<std::string>(), "FILE"},
    }, host_selection_options()});
  // clang-format on
}

util::Error
refusal(const Command& /*command*/, const std::vector<std::string>& /*operands*/, bool /*one_short*/)
{
  return {ErrorClass::usage, "usage: podman-multiarch publish [OPTIONS] FRAGMENT...",
          "FRAGMENT is a file written by podman-multiarch build --fragment"};
}

Result<std::vector<oci::Platform>>
platforms_of(const std::vector<std::string>& items, const std::string_view option)
{
  PMA_TRY_ASSIGN(const auto elements, app::list_elements(items, option));
  std::vector<oci::Platform> out;
  for (const auto& element : elements) {
    PMA_TRY_ASSIGN(const auto platform, oci::Platform::parse(util::to_lower(element)));
    if (std::find(out.begin(), out.end(), platform) == out.end()) {
      out.push_back(platform);
    }
  }
  return out;
}

Result<app::PublishRequest>
publish_request(const Invocation& call)
{
  PMA_TRY_ASSIGN(auto signing, signing_request(call));
  app::PublishRequest request{call.operands(), {}, host_choice(call), auth_options(call), std::move(signing)};
  job::PublishOptions& options = request.options;
  for (const auto& tag : call.texts("tag")) {
    PMA_TRY_ASSIGN(auto ref, oci::ImageRef::parse(tag));
    if (!ref.digest.empty()) {
      return util::fail(ErrorClass::usage, fmt::format("-t {}: a tag cannot carry a digest", tag));
    }
    options.tags.push_back(std::move(ref));
  }
  PMA_TRY_ASSIGN(options.platforms, platforms_of(call.texts("platform"), "platform"));
  PMA_TRY_ASSIGN(options.required, platforms_of(call.texts("require"), "require"));
  if (!options.platforms.empty()) {
    PMA_TRY(app::check_required(options.required, options.platforms));
  }
  options.allow_partial = call.given("allow-partial") || !options.required.empty();
  options.allow_shrink = call.given("allow-shrink");
  options.format = call.text("format").value_or("");
  if (call.given("tls-verify")) {
    options.tls_verify = call.get<bool>("tls-verify");
  }
  options.cleanup = call.get<bool>("cleanup");
  PMA_TRY_ASSIGN(options.retry, app::retry_policy(call.get<int>("retry"), call.get<std::string>("retry-delay")));
  if (const auto host = call.text("manifest-host")) {
    if (host->empty()) {
      return util::fail(ErrorClass::usage, "--manifest-host '' names no host");
    }
    options.manifest_host = *host;
  }
  return request;
}

Result<void>
write_text(const std::string& path, const std::string& text)
{
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    return util::fail(ErrorClass::usage, fmt::format("cannot write {}", path));
  }
  return {};
}

int
run_publish(const Invocation& call)
{
  auto request = publish_request(call);
  if (!request) {
    return report(request.error());
  }
  auto progress_choice = checked_choice(call, "progress");
  if (!progress_choice) {
    return report(progress_choice.error());
  }
  const std::string progress_mode =
      output::resolve_progress_mode(call.given("quiet") ? "quiet" : *progress_choice, stderr);
  const bool color = output::use_color(stderr);
  const auto outcome = [&] {
    auto progress = output::make_progress(progress_mode, stderr, color);
    return app::publish(*request, *progress);
  }();
  if (!outcome) {
    return report(outcome.error());
  }
  if (output::progress_shows_summary(progress_mode) && !outcome->targets.empty()) {
    fmt::print(stderr, "\n{}", util::redact::apply(output::publish_summary(*outcome, color)));
  }
  if (const auto file = call.text("metadata-file")) {
    if (auto ok = write_text(*file, output::publish_metadata_json(*outcome)); !ok) {
      report(ok.error());
    }
  }
  if (const std::string digests = output::publish_digests(*outcome); !digests.empty()) {
    fmt::print("{}", digests);
    if (const auto file = call.text("digestfile")) {
      const bool one = outcome->targets.size() == 1;
      if (auto ok = write_text(*file, one ? std::string(util::trim(digests)) : digests); !ok) {
        report(ok.error());
      }
    }
  }
  for (const auto& target : outcome->targets) {
    if (target.outcome.tags_not_pushed.empty()) {
      continue;
    }
    // A list reached some tags only, or not at all: which serve what now.
    for (const auto& tag : target.outcome.tags) {
      fmt::print("{} {}\n", tag, target.outcome.index_digest);
    }
    for (const auto& tag : target.outcome.tags_not_pushed) {
      fmt::print("{} not-pushed\n", tag);
    }
  }
  if (outcome->error) {
    report(*outcome->error);
  }
  return util::to_int(outcome->exit_status);
}

} // namespace

Command
publish_command()
{
  return {.name = "publish",
          .summary = "Publish the lists of images other runs pushed (build --fragment), under build's rules",
          .description = "Merge the fragments of build --fragment runs and publish their lists, checked",
          .usage = "[OPTIONS]",
          .operand_help = "FRAGMENT...",
          .examples = k_examples,
          .options = publish_options_table(),
          .operands = {.holder = "fragments",
                       .synopsis = "FRAGMENT...",
                       .min = 1,
                       .max = k_unbounded,
                       .kind = Operand::file,
                       .non_empty = true},
          .refusal = refusal,
          .run = run_publish};
}

} // namespace pma::cli
