// podman-multiarch bake [OPTIONS] [TARGET|GROUP...]: the command line read
// into a bake::LoadRequest, the release resolved from its files (app/bake.hpp),
// printed (--print) or run, and what the run prints.
#include <pma/app/bake.hpp>
#include <pma/app/validate.hpp>
#include <pma/output/bake_view.hpp>
#include <pma/output/progress_printer.hpp>
#include <pma/output/release_view.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/duration.hpp>
#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

using util::ErrorClass;
using util::Result;

namespace {

constexpr const char* k_examples = R"(  podman-multiarch bake --print
  podman-multiarch bake --dry-run app tools
  podman-multiarch bake -f podman-multiarch.bake.yaml -f release.override.yaml --set '*.args.VERSION=1.5'
  podman-multiarch bake -f compose.yaml --set backend.tags=quay.io/acme/backend:1.4 backend
)";

std::string
files_help()
{
  return fmt::format("Release file (repeatable: later files override earlier ones; default: the first of {})",
                     util::join(bake::default_files(), ", "));
}

std::vector<Option>
bake_options_table()
{
  // clang-format off
  return joined({
      {"Bake", "f,file", files_help(), cxxopts::value<std::vector<std::string>>(), "FILE"},
      {"Bake", "set", "Override a target's key, TARGET.KEY=VALUE (TARGET a name, a group or a glob, * for all; KEY+=VALUE adds; repeatable)", cxxopts::value<std::vector<std::string>>(), "TARGET.KEY=VALUE"},
      {"Bake", "print", "Print the resolved release as JSON and touch nothing"},
      {"Bake", "no-cache", "Do not use cached layers, for every target"},
      {"Bake", "pull", "Pull policy of every target: missing, always, newer, never (--pull alone: always)", cxxopts::value<std::string>()->implicit_value("always"), "POLICY", {"missing", "always", "newer", "never"}, k_checked_by_command},
      {"Bake", "emulation", "Where native hosts lack a platform: never, fallback, always", cxxopts::value<std::string>()->default_value("fallback"), "MODE", {"never", "fallback", "always"}, k_checked_by_command},
      {"Bake", "timeout", "Give up the whole release after this long: nothing is published, the hosts are cleaned up", cxxopts::value<std::string>(), "DURATION"},
      operands_holder("Bake", "targets"),
    }, {registry_options("Publishing"), signing_options(), retry_options(), {
      {"Publishing", "dry-run", "Print the plan (target, platform → host, what each waits for) and touch nothing"},
      {"Publishing", "check", "Compare each target's inputs with what its tags serve and build nothing: exit 0 when all are unchanged, 5 when some would be built"},
      {"Publishing", "rebuild", "Build these targets even where their inputs are unchanged (--rebuild alone: all; --rebuild=TARGET,…)", cxxopts::value<std::vector<std::string>>()->implicit_value("*"), "TARGETS"},
      {"Publishing", "no-push", "Build only; report the image ID per target, platform and host"},
      {"Publishing", "fragment", "Push by digest, publish no list: write what every target pushed to FILE for publish", cxxopts::value<std::string>(), "FILE"},
      {"Publishing", "allow-partial", "Publish the platforms that built even if others failed (exit 3)"},
      {"Publishing", "allow-shrink", "Allow a new list to drop platforms its tag serves now"},
      {"Publishing", "cleanup", "Remove the per-arch images and the temporary lists from the hosts afterwards", cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL"},
      {"Publishing", "manifest-host", "Host that assembles and pushes the lists (default: the most capable)", cxxopts::value<std::string>(), "HOST"},
      {"Output", "progress", util::join(output::progress_modes(), ", "), cxxopts::value<std::string>()->default_value("auto"), "MODE", output::progress_modes(), k_checked_by_command},
      {"Output", "metadata-file", "Write the result as JSON to FILE", cxxopts::value<std::string>(), "FILE"},
    }, transfer_options(), host_selection_options()});
  // clang-format on
}

// The run-wide options: every target builds with them.
Result<job::BuildOptions>
base_options(const Invocation& call)
{
  job::BuildOptions base;
  base.dry_run = call.given("dry-run");
  base.no_push = call.given("no-push");
  base.check = call.given("check");
  if (base.check) {
    PMA_TRY(app::check_check_option(base.dry_run, base.no_push));
  }
  if (const auto fragment = call.text("fragment")) {
    PMA_TRY(app::check_fragment_option(*fragment, base.no_push));
    base.fragment = true;
  }
  base.allow_partial = call.given("allow-partial");
  base.allow_shrink = call.given("allow-shrink");
  base.cleanup = call.get<bool>("cleanup");
  if (call.given("tls-verify")) {
    base.tls_verify = call.get<bool>("tls-verify");
  }
  if (const auto text = call.text("timeout")) {
    PMA_TRY_ASSIGN(const auto timeout, util::parse_duration(*text, "--timeout"));
    PMA_TRY(app::check_positive(timeout, *text, "timeout"));
    base.timeout = timeout;
  }
  PMA_TRY_ASSIGN(base.retry, app::retry_policy(call.get<int>("retry"), call.get<std::string>("retry-delay")));
  PMA_TRY_ASSIGN(base.compression, compression(call));
  base.retry_given = call.given("retry") || call.given("retry-delay");
  PMA_TRY_ASSIGN(const auto emulation, checked_choice(call, "emulation"));
  PMA_TRY_ASSIGN(base.emulation, job::parse_emulation(emulation));
  if (const auto host = call.text("manifest-host")) {
    if (host->empty()) {
      return util::fail(ErrorClass::usage, "--manifest-host '' names no host");
    }
    base.manifest_host = *host;
  }
  return base;
}

Result<bake::LoadRequest>
load_request(const Invocation& call)
{
  bake::LoadRequest request;
  request.files = call.texts("file");
  request.names = call.operands();
  request.overrides = call.texts("set");
  PMA_TRY_ASSIGN(request.base, base_options(call));
  request.no_cache = call.given("no-cache");
  request.rebuild = call.texts("rebuild");
  if (const auto pull = call.text("pull")) {
    const auto policy = job::pull_policy(*pull);
    if (const auto& choices = call.command().find_option("pull")->choices; !policy) {
      return util::fail(ErrorClass::usage, fmt::format("invalid --pull '{}' (one of: {}){}", *pull,
                                                       util::join(choices, ", "), util::did_you_mean(*pull, choices)));
    }
    request.pull = *policy;
  }
  return request;
}

// What a run prints on standard output: each published list, or with
// --no-push each image built.
void
print_results(const job::ReleaseOutcome& outcome, const bool no_push)
{
  for (const auto& target : outcome.targets) {
    if (!target.outcome.index_digest.empty()) {
      fmt::print("{} {}\n", target.name, target.outcome.index_digest);
    }
    for (const auto& tag : target.outcome.tags_not_pushed) {
      fmt::print("{} {} not-pushed\n", target.name, tag);
    }
    if (!no_push) {
      continue;
    }
    for (const auto& result : target.outcome.platforms) {
      if (result.state == job::Phase::done) {
        fmt::print("{} {} {} {}\n", target.name, result.platform.to_string(), result.host, result.image_id);
      }
    }
  }
}

int
run_bake(const Invocation& call)
{
  auto request = load_request(call);
  if (!request) {
    return report(request.error());
  }
  auto progress_choice = checked_choice(call, "progress");
  if (!progress_choice) {
    return report(progress_choice.error());
  }
  const auto loaded = app::resolve_release(*request);
  if (!loaded) {
    return report(loaded.error());
  }
  for (const auto& warning : loaded->warnings) {
    util::log::warn("{}", warning);
  }
  if (call.given("print")) {
    fmt::print("{}", output::release_json(*loaded));
    return util::to_int(util::ExitStatus::success);
  }
  const std::string progress_mode = output::resolve_progress_mode(*progress_choice, stderr);
  auto signing = signing_request(call);
  if (!signing) {
    return report(signing.error());
  }
  const app::BakeRequest bake_request{std::move(*request), host_choice(call), auth_options(call),
                                      call.text("fragment").value_or(""), std::move(*signing)};
  const bool color = output::use_color(stderr);
  const auto outcome = [&] {
    auto progress = output::make_progress(progress_mode, stderr, color);
    return app::bake(loaded->release, bake_request, *progress);
  }();
  if (!outcome) {
    return report(outcome.error());
  }
  const auto& options = loaded->release.options;
  if (options.dry_run && !outcome->error) {
    fmt::print("{}", util::redact::apply(output::release_plan_table(*outcome)));
    const bool unassigned = std::any_of(outcome->plan.begin(), outcome->plan.end(),
                                        [](const job::PlannedJob& job) { return job.host.empty(); });
    return util::to_int(unassigned ? util::ExitStatus::nothing_published : util::ExitStatus::success);
  }
  if (options.check && !outcome->error) {
    fmt::print("{}", util::redact::apply(output::release_check_table(*outcome)));
  } else if (output::progress_shows_summary(progress_mode) && !outcome->targets.empty()) {
    fmt::print(stderr, "\n{}", util::redact::apply(output::release_summary_table(*outcome, color)));
  }
  if (const auto file = call.text("metadata-file")) {
    if (auto ok = write_text(*file, output::release_metadata_json(*outcome)); !ok) {
      report(ok.error());
    }
  }
  print_results(*outcome, options.no_push);
  if (outcome->fragment) {
    for (const auto& target : outcome->fragment->targets) {
      for (const auto& image : target.images) {
        fmt::print("{} {} {}\n", target.name, image.platform.to_string(), image.reference.to_string());
      }
    }
  }
  if (outcome->error) {
    report(*outcome->error);
  }
  return util::to_int(outcome->exit_status);
}

} // namespace

Command
bake_command()
{
  return {.name = "bake",
          .summary = "Build a release from a file: many images, each for its platforms, on all hosts at once",
          .description = "Build and publish the targets of a release file (podman-multiarch.bake.yaml or a compose "
                         "file)",
          .usage = "[OPTIONS]",
          .operand_help = "[TARGET|GROUP...]",
          .examples = k_examples,
          .options = bake_options_table(),
          .operands = {.holder = "targets",
                       .synopsis = "[TARGET|GROUP...]",
                       .max = k_unbounded,
                       .kind = Operand::release_target,
                       .non_empty = true},
          .run = run_bake};
}

} // namespace pma::cli
