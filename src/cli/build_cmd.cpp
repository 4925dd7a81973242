// podman-multiarch build [OPTIONS] [CONTEXT]: the command line read
// (build_options.cpp), the run (app/build.hpp), and what it prints.
#include <pma/app/build.hpp>
#include <pma/output/build_view.hpp>
#include <pma/output/progress_printer.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "build_flags.hpp"
#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

using util::ErrorClass;

namespace {

constexpr const char* k_examples = R"(  podman-multiarch build -t quay.io/acme/app:1.4 -t quay.io/acme/app:latest .
  podman-multiarch build --platform linux/amd64,linux/arm64 -t quay.io/acme/app:1.4 --dry-run .
  podman-multiarch build --farm release -f build/Containerfile --metadata-file result.json -t quay.io/acme/app:1.4 .
)";

std::vector<Option>
build_options_table()
{
  // clang-format off
  return joined({
      {"Build", "t,tag", "Publish the list as this fully qualified name (repeatable)", cxxopts::value<std::vector<std::string>>(), "NAME"},
      {"Build", "f,file", "Containerfile (default: Containerfile, else Dockerfile, in the context); - reads it from standard input", cxxopts::value<std::string>(), "FILE"},
      {"Build", "platform", "Platforms to build, comma list, repeatable (default: every platform the hosts serve)", cxxopts::value<std::vector<std::string>>(), "OS/ARCH[/VARIANT]"},
      {"Build", "os", "With --arch: the platform to build, as --platform OS/ARCH[/VARIANT] (default OS linux)", cxxopts::value<std::string>(), "OS"},
      {"Build", "arch", "Architecture of the one platform to build", cxxopts::value<std::string>(), "ARCH"},
      {"Build", "variant", "With --arch: its variant", cxxopts::value<std::string>(), "VARIANT"},
      {"Build", "build-arg", "Build-time variable KEY=VALUE (KEY alone: from the environment, left out if unset; repeatable)", cxxopts::value<std::vector<std::string>>(), "KEY[=VALUE]"},
      {"Build", "build-arg-file", "File of KEY=VALUE lines read before --build-arg (repeatable)", cxxopts::value<std::vector<std::string>>(), "FILE"},
      {"Build", "target", "Build this stage", cxxopts::value<std::string>(), "STAGE"},
      {"Build", "platform-build-arg", "Build-time variable for one platform only, PLATFORM:KEY=VALUE (repeatable)", cxxopts::value<std::vector<std::string>>(), "PLATFORM:KEY=VALUE"},
      {"Build", "platform-target", "Stage to build for one platform, PLATFORM:STAGE (repeatable)", cxxopts::value<std::vector<std::string>>(), "PLATFORM:STAGE"},
      {"Build", "platform-file", "Containerfile for one platform, PLATFORM:FILE (repeatable)", cxxopts::value<std::vector<std::string>>(), "PLATFORM:FILE"},
      {"Build", "label", "Image label KEY=VALUE (KEY alone: empty value; repeatable, kept in order)", cxxopts::value<std::vector<std::string>>(), "KEY[=VALUE]"},
      {"Build", "annotation", "Annotation [LEVEL:]KEY=VALUE; LEVEL manifest (default: the images), manifest-descriptor (list entries) or index (the list; podman 5 coordinator); repeatable", cxxopts::value<std::vector<std::string>>(), "[LEVEL:]KEY=VALUE"},
      {"Build", "ignorefile", "Ignore rules from this file instead of .containerignore and its kin", cxxopts::value<std::string>(), "FILE"},
      {"Build", "no-cache", "Do not use cached layers"},
      {"Build", "layers", "Cache intermediate layers (default true)", cxxopts::value<bool>()->implicit_value("true"), "BOOL"},
      {"Build", "squash", "Squash the layers this build adds into one"},
      {"Build", "squash-all", "Squash the whole image, base included, into one layer"},
      {"Build", "rm", "Remove intermediate containers after a successful build (default true)", cxxopts::value<bool>()->implicit_value("true"), "BOOL"},
      {"Build", "force-rm", "Remove intermediate containers also after a failed build (default true)", cxxopts::value<bool>()->implicit_value("true"), "BOOL"},
      {"Build", "jobs", "Stages each host builds in parallel (0: as many as possible)", cxxopts::value<int>(), "N"},
      {"Build", "pull", "Pull policy for base images: missing, always, newer, never; true and false as podman (--pull alone: always)", cxxopts::value<std::string>()->default_value("missing")->implicit_value("always"), "POLICY", {"missing", "always", "newer", "never"}, k_checked_by_command},
      {"Build", "format", "Image and list format: oci or docker (with --dry-run: table or json for the plan)", cxxopts::value<std::string>()->default_value("oci"), "FORMAT", {"oci", "docker", "table", "json"}, k_checked_by_command},
      {"Build", "emulation", "Where native hosts lack a platform: never, fallback, always", cxxopts::value<std::string>()->default_value("fallback"), "MODE", {"never", "fallback", "always"}, k_checked_by_command},
      {"Build", "timeout", "Give up the whole run after this long: nothing is published, the hosts are cleaned up", cxxopts::value<std::string>(), "DURATION"},
      {"Build", "idle-timeout", "Give up a platform whose build prints nothing for this long", cxxopts::value<std::string>()->default_value("30m"), "DURATION"},
      {"Build", "emulator-crash-retries", "Build a platform again this many times when qemu-user crashed in its build", cxxopts::value<int>()->default_value("1"), "N"},
      operands_holder("Build", "context"),
    }, {registry_options("Publishing"), signing_options(), retry_options(), {
      {"Publishing", "dry-run", "Print the plan (platform → host) and touch nothing"},
      {"Publishing", "check", "Compare each platform's inputs with what the tags serve and build nothing: exit 0 when all are unchanged, 5 when some would be built"},
      {"Publishing", "rebuild", "Build every platform, even those whose inputs are unchanged"},
      {"Publishing", "no-push", "Build only; report the image ID per host"},
      {"Publishing", "fragment", "Push by digest, publish no list: write what was pushed to FILE for publish", cxxopts::value<std::string>(), "FILE"},
      {"Publishing", "require", "With --allow-partial: platforms that must be in the list (comma list)", cxxopts::value<std::vector<std::string>>(), "PLATFORMS"},
      {"Publishing", "allow-partial", "Publish the platforms that built even if others failed (exit 3)"},
      {"Publishing", "allow-shrink", "Allow the new list to drop platforms the tag serves now"},
      {"Publishing", "cleanup", "Remove the per-arch images and the temporary list from the hosts afterwards", cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL"},
      {"Publishing", "arch-tag-format", "Staging tag of each image on podman < 4.9 hosts, which cannot push by digest", cxxopts::value<std::string>()->default_value("{tag}-staging-{os}-{arch}{-variant}"), "FORMAT"},
      {"Publishing", "manifest-host", "Host that assembles and pushes the list (default: the most capable)", cxxopts::value<std::string>(), "HOST"},
      {"Output", "progress", util::join(output::progress_modes(), ", "), cxxopts::value<std::string>()->default_value("auto"), "MODE", output::progress_modes(), k_checked_by_command},
      {"Output", "q,quiet", "Same as --progress quiet"},
      {"Output", "metadata-file", "Write the result as JSON to FILE", cxxopts::value<std::string>(), "FILE"},
      {"Output", "digestfile", "Write the index digest to FILE", cxxopts::value<std::string>(), "FILE"},
    }, podman_build_options(), transfer_options(), host_selection_options()});
  // clang-format on
}

util::Error
refusal(const Command& /*command*/, const std::vector<std::string>& operands, bool /*one_short*/)
{
  return {ErrorClass::usage, fmt::format("one build context expected, got {}", operands.size())};
}

int
run_build(const Invocation& call)
{
  auto options = build_options(call);
  if (!options) {
    return report(options.error());
  }
  auto progress_choice = checked_choice(call, "progress");
  if (!progress_choice) {
    return report(progress_choice.error());
  }
  const std::string progress_mode =
      output::resolve_progress_mode(call.given("quiet") ? "quiet" : *progress_choice, stderr);
  auto signing = signing_request(call);
  if (!signing) {
    return report(signing.error());
  }
  const app::BuildRequest request{std::move(*options), host_choice(call), auth_options(call),
                                  call.text("fragment").value_or(""), std::move(*signing)};
  const bool color = output::use_color(stderr);
  const auto outcome = [&] {
    auto progress = output::make_progress(progress_mode, stderr, color);
    return app::build(request, *progress);
  }();
  if (!outcome) {
    return report(outcome.error());
  }

  if (request.options.dry_run && !outcome->error) {
    const auto format = call.get<std::string>("format");
    fmt::print("{}", util::redact::apply(format == "json" ? output::plan_json(*outcome, request.options)
                                                          : output::plan_table(*outcome, request.options)));
    const bool unassigned = std::any_of(outcome->platforms.begin(), outcome->platforms.end(),
                                        [](const job::PlatformResult& r) { return r.state == job::Phase::failed; });
    return util::to_int(unassigned ? util::ExitStatus::nothing_published : util::ExitStatus::success);
  }
  if (request.options.check && !outcome->error) {
    fmt::print("{}", util::redact::apply(output::check_table(*outcome)));
  } else if (output::progress_shows_summary(progress_mode)) {
    fmt::print(stderr, "\n{}", util::redact::apply(output::summary_table(*outcome, color)));
  }
  if (const auto file = call.text("metadata-file")) {
    if (auto ok = write_text(*file, output::metadata_json(*outcome)); !ok) {
      report(ok.error());
    }
  }
  if (!outcome->index_digest.empty()) {
    fmt::print("{}\n", outcome->index_digest);
    if (const auto file = call.text("digestfile")) {
      if (auto ok = write_text(*file, outcome->index_digest); !ok) {
        report(ok.error());
      }
    }
  }
  if (!outcome->tags_not_pushed.empty()) {
    // The list reached some tags only: which serve it now, which do not.
    for (const auto& tag : outcome->tags) {
      fmt::print("{} {}\n", tag, outcome->index_digest);
    }
    for (const auto& tag : outcome->tags_not_pushed) {
      fmt::print("{} not-pushed\n", tag);
    }
  }
  if (outcome->fragment) {
    for (const auto& image : outcome->fragment->targets.front().images) {
      fmt::print("{} {}\n", image.platform.to_string(), image.reference.to_string());
    }
  }
  if (request.options.no_push) {
    for (const auto& result : outcome->platforms) {
      if (result.state == job::Phase::done) {
        fmt::print("{} {} {}\n", result.platform.to_string(), result.host, result.image_id);
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
build_command()
{
  return {.name = "build",
          .summary = "Build on every architecture's host in parallel and publish the multi-arch list",
          .description = "Build a multi-architecture image on the hosts and publish its list",
          .usage = "[OPTIONS]",
          .operand_help = "[CONTEXT]",
          .examples = k_examples,
          .options = build_options_table(),
          .operands = {.holder = "context", .synopsis = "[CONTEXT]", .max = 1, .kind = Operand::directory},
          .refusal = refusal,
          .run = run_build};
}

} // namespace pma::cli
