// podman-multiarch build [OPTIONS] [CONTEXT]
#include <pma/app/validate.hpp>
#include <pma/cli/command.hpp>
#include <pma/job/run.hpp>
#include <pma/output/build_view.hpp>
#include <pma/output/progress_printer.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/duration.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <fstream>

#include "build_flags.hpp"

namespace pma::cli {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

constexpr const char* k_examples = R"(  podman-multiarch build -t quay.io/acme/app:1.4 -t quay.io/acme/app:latest .
  podman-multiarch build --platform linux/amd64,linux/arm64 -t quay.io/acme/app:1.4 --dry-run .
  podman-multiarch build --farm release -f build/Containerfile --metadata-file result.json -t quay.io/acme/app:1.4 .
)";

void
define_options(cxxopts::Options& options)
{
  // clang-format off
  options.add_options("Build")
    ("t,tag", "Publish the list as this fully qualified name (repeatable)", cxxopts::value<std::vector<std::string>>(), "NAME")
    ("f,file", "Containerfile (default: Containerfile, else Dockerfile, in the context); - reads it from standard input", cxxopts::value<std::string>(), "FILE")
    ("platform", "Platforms to build, comma list, repeatable (default: every platform the hosts serve)", cxxopts::value<std::vector<std::string>>(), "OS/ARCH[/VARIANT]")
    ("os", "With --arch: the platform to build, as --platform OS/ARCH[/VARIANT] (default OS linux)", cxxopts::value<std::string>(), "OS")
    ("arch", "Architecture of the one platform to build", cxxopts::value<std::string>(), "ARCH")
    ("variant", "With --arch: its variant", cxxopts::value<std::string>(), "VARIANT")
    ("build-arg", "Build-time variable KEY=VALUE (KEY alone: from the environment, left out if unset; repeatable)", cxxopts::value<std::vector<std::string>>(), "KEY[=VALUE]")
    ("build-arg-file", "File of KEY=VALUE lines read before --build-arg (repeatable)", cxxopts::value<std::vector<std::string>>(), "FILE")
    ("target", "Build this stage", cxxopts::value<std::string>(), "STAGE")
    ("platform-build-arg", "Build-time variable for one platform only, PLATFORM:KEY=VALUE (repeatable)", cxxopts::value<std::vector<std::string>>(), "PLATFORM:KEY=VALUE")
    ("platform-target", "Stage to build for one platform, PLATFORM:STAGE (repeatable)", cxxopts::value<std::vector<std::string>>(), "PLATFORM:STAGE")
    ("platform-file", "Containerfile for one platform, PLATFORM:FILE (repeatable)", cxxopts::value<std::vector<std::string>>(), "PLATFORM:FILE")
    ("label", "Image label KEY=VALUE (KEY alone: empty value; repeatable, kept in order)", cxxopts::value<std::vector<std::string>>(), "KEY[=VALUE]")
    ("annotation", "Annotation [LEVEL:]KEY=VALUE; LEVEL manifest (default: the images), manifest-descriptor (list entries) or index (the list; podman 5 coordinator); repeatable", cxxopts::value<std::vector<std::string>>(), "[LEVEL:]KEY=VALUE")
    ("ignorefile", "Ignore rules from this file instead of .containerignore and its kin", cxxopts::value<std::string>(), "FILE")
    ("no-cache", "Do not use cached layers")
    ("layers", "Cache intermediate layers (default true)", cxxopts::value<bool>()->implicit_value("true"), "BOOL")
    ("squash", "Squash the layers this build adds into one")
    ("squash-all", "Squash the whole image, base included, into one layer")
    ("rm", "Remove intermediate containers after a successful build (default true)", cxxopts::value<bool>()->implicit_value("true"), "BOOL")
    ("force-rm", "Remove intermediate containers also after a failed build (default true)", cxxopts::value<bool>()->implicit_value("true"), "BOOL")
    ("jobs", "Stages each host builds in parallel (0: as many as possible)", cxxopts::value<int>(), "N")
    ("pull", "Pull policy for base images: missing, always, newer, never; true and false as podman (--pull alone: always)", cxxopts::value<std::string>()->default_value("missing")->implicit_value("always"), "POLICY")
    ("format", "Image and list format: oci or docker (with --dry-run: table or json for the plan)", cxxopts::value<std::string>()->default_value("oci"), "FORMAT")
    ("emulation", "Where native hosts lack a platform: never, fallback, always", cxxopts::value<std::string>()->default_value("fallback"), "MODE")
    ("timeout", "Give up the whole run after this long: nothing is published, the hosts are cleaned up", cxxopts::value<std::string>(), "DURATION")
    ("idle-timeout", "Give up a platform whose build prints nothing for this long", cxxopts::value<std::string>()->default_value("30m"), "DURATION")
    ("emulator-crash-retries", "Build a platform again this many times when qemu-user crashed in its build", cxxopts::value<int>()->default_value("1"), "N")
    ("context", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  add_registry_options(options, "Publishing");
  add_retry_options(options);
  // clang-format off
  options.add_options("Publishing")
    ("dry-run", "Print the plan (platform → host) and touch nothing")
    ("no-push", "Build only; report the image ID per host")
    ("require", "With --allow-partial: platforms that must be in the list (comma list)", cxxopts::value<std::vector<std::string>>(), "PLATFORMS")
    ("allow-partial", "Publish the platforms that built even if others failed (exit 3)")
    ("allow-shrink", "Allow the new list to drop platforms the tag serves now")
    ("cleanup", "Remove the per-arch images and the temporary list from the hosts afterwards", cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL")
    ("arch-tag-format", "Staging tag of each image on podman < 4.9 hosts, which cannot push by digest", cxxopts::value<std::string>()->default_value("{tag}-staging-{os}-{arch}{-variant}"), "FORMAT")
    ("manifest-host", "Host that assembles and pushes the list (default: the most capable)", cxxopts::value<std::string>(), "HOST");
  options.add_options("Output")
    ("progress", util::join(output::progress_modes(), ", "), cxxopts::value<std::string>()->default_value("auto"), "MODE")
    ("q,quiet", "Same as --progress quiet")
    ("metadata-file", "Write the result as JSON to FILE", cxxopts::value<std::string>(), "FILE")
    ("digestfile", "Write the index digest to FILE", cxxopts::value<std::string>(), "FILE");
  // clang-format on
  add_podman_build_flags(options);
  options.parse_positional({"context"});
  options.positional_help("[CONTEXT]");
}

std::vector<std::string>
list_of(const cxxopts::ParseResult& parsed, const char* name)
{
  return parsed.count(name) != 0 ? parsed[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

Result<std::vector<oci::Platform>>
platforms_of(const std::vector<std::string>& items, const std::string_view option,
             std::map<oci::Platform, std::string>* texts = nullptr)
{
  auto elements = app::list_elements(items, option);
  if (!elements) {
    return util::Unexpected(std::move(elements).error());
  }
  std::vector<oci::Platform> out;
  for (const auto& element : *elements) {
    const std::string text = util::to_lower(element);
    auto platform = oci::Platform::parse(text);
    if (!platform) {
      return util::Unexpected(std::move(platform).error());
    }
    if (std::find(out.begin(), out.end(), *platform) == out.end()) {
      out.push_back(*platform);
    }
    if (texts != nullptr) {
      // Sent as asked (podman and buildx send linux/arm64, not linux/arm64/v8,
      // so TARGETVARIANT stays empty), with the aliases normalised.
      const bool variant_given = util::split(text, '/').size() == 3;
      (*texts)[*platform] =
          variant_given ? platform->to_string() : fmt::format("{}/{}", platform->os, platform->architecture);
    }
  }
  return out;
}

// --platform-build-arg PLATFORM:KEY=VALUE and its kin: "PLATFORM:REST".
Result<std::pair<oci::Platform, std::string>>
platform_value(const std::string& item, const char* option)
{
  const size_t colon = item.find(':');
  if (colon == std::string::npos || colon + 1 == item.size()) {
    return util::fail(ErrorClass::usage,
                      fmt::format("--{} '{}' must be PLATFORM:VALUE, e.g. linux/arm64:…", option, item));
  }
  auto platform = oci::Platform::parse(item.substr(0, colon));
  if (!platform) {
    return util::Unexpected(std::move(platform).error());
  }
  return std::pair{*platform, item.substr(colon + 1)};
}

Result<void>
read_overrides(const cxxopts::ParseResult& parsed, job::BuildOptions& options)
{
  for (const auto& item : list_of(parsed, "platform-build-arg")) {
    auto value = platform_value(item, "platform-build-arg");
    if (!value) {
      return util::Unexpected(std::move(value).error());
    }
    auto args = build_args({}, {value->second});
    if (!args) {
      return util::Unexpected(std::move(args).error());
    }
    auto& overrides = options.overrides[value->first].build_args;
    for (auto& [key, arg] : *args) {
      overrides[key] = arg;
    }
  }
  for (const auto& item : list_of(parsed, "platform-target")) {
    auto value = platform_value(item, "platform-target");
    if (!value) {
      return util::Unexpected(std::move(value).error());
    }
    options.overrides[value->first].target = value->second;
  }
  for (const auto& item : list_of(parsed, "platform-file")) {
    auto value = platform_value(item, "platform-file");
    if (!value) {
      return util::Unexpected(std::move(value).error());
    }
    if (value->second == "-") {
      return util::fail(ErrorClass::usage, "--platform-file cannot read standard input: give a file");
    }
    if (auto ok = app::check_containerfile(value->second, "--platform-file"); !ok) {
      return ok;
    }
    options.overrides[value->first].containerfile = value->second;
  }
  for (const auto& [platform, overrides] : options.overrides) {
    if (!options.platforms.empty() &&
        std::find(options.platforms.begin(), options.platforms.end(), platform) == options.platforms.end()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("--platform-… names {}, which this run does not build", platform.to_string()));
    }
  }
  return {};
}

// --annotation: buildx's levels "manifest:" (the default: the images),
// "manifest-descriptor:" (the list entries) and "index:" (the list). Anything
// else before a ':' is part of the key, as podman reads it ("com.example:key=v").
Result<void>
read_annotations(const std::vector<std::string>& items, job::BuildOptions& options)
{
  for (const auto& raw : items) {
    std::string annotation = raw;
    std::vector<std::string>* target = &options.annotations;
    for (const auto& [level, list] : {std::pair{std::string("manifest:"), &options.annotations},
                                      std::pair{std::string("manifest-descriptor:"), &options.descriptor_annotations},
                                      std::pair{std::string("index:"), &options.index_annotations}}) {
      if (annotation.starts_with(level)) {
        target = list;
        annotation.erase(0, level.size());
        break;
      }
    }
    if (annotation.empty() || annotation.front() == '=') {
      return util::fail(ErrorClass::usage, fmt::format("--annotation '{}' must be [LEVEL:]KEY[=VALUE]", raw));
    }
    if (target != &options.annotations && annotation.find('=') == std::string::npos) {
      annotation += "="; // list annotations are KEY=VALUE to podman's manifest verbs
    }
    target->push_back(annotation);
  }
  return {};
}

// -f - reads the Containerfile from standard input, as podman does.
Result<void>
read_containerfile(const cxxopts::ParseResult& parsed, job::BuildOptions& options)
{
  if (parsed.count("file") == 0) {
    return {};
  }
  options.containerfile = parsed["file"].as<std::string>();
  if (options.containerfile.find(',') != std::string::npos) {
    return util::fail(ErrorClass::usage,
                      fmt::format("-f '{}': one Containerfile per build (use --platform-file for per-platform ones)",
                                  options.containerfile));
  }
  if (auto ok = app::check_containerfile(options.containerfile, "-f"); !ok) {
    return ok;
  }
  if (options.containerfile == "-") {
    auto text = util::read_standard_input(size_t{16} << 20);
    if (!text) {
      return util::Unexpected(std::move(text).error());
    }
    options.containerfile_text = std::move(*text);
    if (options.containerfile_text.empty()) {
      return util::fail(ErrorClass::usage, "-f -: standard input was empty");
    }
  }
  return {};
}

Result<job::BuildOptions>
build_options(const cxxopts::ParseResult& parsed)
{
  job::BuildOptions options;
  const auto context = list_of(parsed, "context");
  if (context.size() > 1) {
    return util::fail(ErrorClass::usage, fmt::format("one build context expected, got {}", context.size()));
  }
  options.context_dir = context.empty() ? "." : context.front();
  if (auto ok = read_containerfile(parsed, options); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  if (parsed.count("ignorefile") != 0) {
    options.ignore_file = parsed["ignorefile"].as<std::string>();
  }
  options.dry_run = parsed.count("dry-run") != 0;
  options.no_push = parsed.count("no-push") != 0;
  for (const auto& tag : list_of(parsed, "tag")) {
    auto ref = oci::ImageRef::parse(tag);
    if (!ref) {
      return util::Unexpected(std::move(ref).error());
    }
    if (!ref->digest.empty()) {
      return util::fail(ErrorClass::usage, fmt::format("-t {}: a tag cannot carry a digest", tag));
    }
    options.tags.push_back(*ref);
  }
  if (options.tags.empty() && !options.no_push) {
    return util::Unexpected(Error(ErrorClass::usage, "build needs -t NAME: where to publish the list",
                                  "e.g. -t quay.io/acme/app:1.4, or --no-push to build only"));
  }
  std::vector<std::string> platform_items = list_of(parsed, "platform");
  if (parsed.count("arch") != 0 || parsed.count("os") != 0 || parsed.count("variant") != 0) {
    if (!platform_items.empty()) {
      return util::fail(ErrorClass::usage, "--platform cannot be combined with --os, --arch or --variant");
    }
    if (parsed.count("arch") == 0) {
      return util::fail(ErrorClass::usage, "--os and --variant need --arch");
    }
    const auto text = [&parsed](const char* name, const char* fallback) {
      return parsed.count(name) != 0 ? parsed[name].as<std::string>() : std::string(fallback);
    };
    std::string platform = text("os", "linux") + "/" + text("arch", "");
    if (parsed.count("variant") != 0) {
      platform += "/" + text("variant", "");
    }
    platform_items = {platform};
  }
  auto platforms = platforms_of(platform_items, "platform", &options.platform_texts);
  if (!platforms) {
    return util::Unexpected(std::move(platforms).error());
  }
  options.platforms = *platforms;
  auto required = platforms_of(list_of(parsed, "require"), "require");
  if (!required) {
    return util::Unexpected(std::move(required).error());
  }
  options.required = *required;
  // Without --platform the platforms come from the hosts: checked once they answer.
  if (!options.platforms.empty()) {
    if (auto ok = app::check_required(options.required, options.platforms); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
  }
  options.allow_partial = parsed.count("allow-partial") != 0 || !options.required.empty();
  options.allow_shrink = parsed.count("allow-shrink") != 0;
  auto args = build_args(list_of(parsed, "build-arg-file"), list_of(parsed, "build-arg"));
  if (!args) {
    return util::Unexpected(std::move(args).error());
  }
  options.build_args = *args;
  for (const auto& label : list_of(parsed, "label")) {
    if (label.empty() || label.front() == '=') {
      return util::fail(ErrorClass::usage, fmt::format("--label '{}' must be KEY[=VALUE]", label));
    }
    options.labels.push_back(label); // sent as given, in order: the LABEL step and the image ID depend on it
  }
  if (auto ok = read_annotations(list_of(parsed, "annotation"), options); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  if (auto ok = read_overrides(parsed, options); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  if (parsed.count("target") != 0) {
    options.target = parsed["target"].as<std::string>();
  }
  options.no_cache = parsed.count("no-cache") != 0;
  if (parsed.count("squash") != 0 && parsed.count("squash-all") != 0) {
    return util::fail(ErrorClass::usage, "--squash and --squash-all cannot be combined");
  }
  // podman: --squash builds without intermediate layers (only the new ones are
  // squashed); --squash-all squashes everything and caches nothing unless --layers.
  options.layers = parsed.count("layers") != 0 ? parsed["layers"].as<bool>()
                                               : parsed.count("squash") == 0 && parsed.count("squash-all") == 0;
  if (parsed.count("squash") != 0 && options.layers) {
    return util::fail(ErrorClass::usage, "--squash cannot be combined with --layers");
  }
  options.squash = parsed.count("squash-all") != 0;
  options.remove = parsed.count("rm") == 0 || parsed["rm"].as<bool>();
  options.force_rm = parsed.count("force-rm") == 0 || parsed["force-rm"].as<bool>();
  if (parsed.count("jobs") != 0) {
    const int jobs = parsed["jobs"].as<int>();
    if (jobs < 0) {
      return util::fail(ErrorClass::usage, fmt::format("--jobs must be 0 or more, not {}", jobs));
    }
    options.jobs = jobs;
  }
  const std::string pull = util::to_lower(util::trim(parsed["pull"].as<std::string>()));
  const std::map<std::string, std::string> policies = {{"missing", "missing"}, {"always", "always"}, {"true", "always"},
                                                       {"newer", "newer"},     {"ifnewer", "newer"}, {"never", "never"},
                                                       {"false", "false"}};
  if (!policies.contains(pull)) {
    return util::fail(ErrorClass::usage, fmt::format("invalid --pull '{}' (one of: {}){}", pull,
                                                     util::join(choices_for("build", "pull"), ", "),
                                                     util::did_you_mean(pull, choices_for("build", "pull"))));
  }
  options.pull = policies.at(pull);
  if (parsed.count("tls-verify") != 0) {
    options.tls_verify = parsed["tls-verify"].as<bool>();
  }
  options.cleanup = parsed["cleanup"].as<bool>();
  if (parsed.count("timeout") != 0) {
    const auto text = parsed["timeout"].as<std::string>();
    auto timeout = util::parse_duration(text, "--timeout");
    if (!timeout) {
      return util::Unexpected(std::move(timeout).error());
    }
    if (auto ok = app::check_positive(*timeout, text, "timeout"); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
    options.timeout = *timeout;
  }
  const auto idle_text = parsed["idle-timeout"].as<std::string>();
  auto idle = util::parse_duration(idle_text, "--idle-timeout");
  if (!idle) {
    return util::Unexpected(std::move(idle).error());
  }
  if (auto ok = app::check_positive(*idle, idle_text, "idle-timeout"); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  options.build_idle_timeout = *idle;
  auto retry = retry_policy(parsed);
  if (!retry) {
    return util::Unexpected(std::move(retry).error());
  }
  options.retry = *retry;
  options.retry_given = parsed.count("retry") != 0 || parsed.count("retry-delay") != 0;
  options.emulator_crash_retries = parsed["emulator-crash-retries"].as<int>();
  if (options.emulator_crash_retries < 0) {
    return util::fail(ErrorClass::usage, "--emulator-crash-retries must be 0 or more");
  }
  const std::string format = parsed["format"].as<std::string>();
  const std::vector<std::string> formats = options.dry_run ? std::vector<std::string>{"oci", "docker", "table", "json"}
                                                           : std::vector<std::string>{"oci", "docker"};
  if (std::find(formats.begin(), formats.end(), format) == formats.end()) {
    return util::fail(ErrorClass::usage, fmt::format("invalid --format '{}' (one of: {}){}", format,
                                                     util::join(formats, ", "), util::did_you_mean(format, formats)));
  }
  options.format = format == "docker" ? "docker" : "oci";
  auto emulation = job::parse_emulation(parsed["emulation"].as<std::string>());
  if (!emulation) {
    return util::Unexpected(std::move(emulation).error());
  }
  options.emulation = *emulation;
  options.arch_tag_format = parsed["arch-tag-format"].as<std::string>();
  if (options.arch_tag_format.find("{tag}") == std::string::npos &&
      options.arch_tag_format.find("{arch}") == std::string::npos) {
    return util::fail(ErrorClass::usage, "--arch-tag-format needs {tag} or {arch}");
  }
  if (parsed.count("manifest-host") != 0) {
    options.manifest_host = parsed["manifest-host"].as<std::string>();
    if (options.manifest_host.empty()) {
      return util::fail(ErrorClass::usage, "--manifest-host '' names no host");
    }
  }
  if (auto ok = read_podman_build_flags(parsed, options); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  return options;
}

// The checks that need the selected hosts' names and declared platforms,
// still before any host is contacted.
Result<void>
check_selection(const job::BuildOptions& options, const std::vector<config::Host>& hosts)
{
  if (!options.manifest_host.empty()) {
    if (auto ok = app::check_manifest_host(options.manifest_host, hosts); !ok) {
      return ok;
    }
  }
  // Without --platform: what the hosts declare, else linux/amd64 as an example
  // (os, architecture and variant names are lowercase letters and digits).
  std::vector<oci::Platform> platforms = options.platforms;
  if (platforms.empty()) {
    for (const auto& host : hosts) {
      for (const auto& platform : host.platforms) {
        if (std::find(platforms.begin(), platforms.end(), platform) == platforms.end()) {
          platforms.push_back(platform);
        }
      }
    }
    if (platforms.empty()) {
      platforms.push_back(oci::Platform{"linux", "amd64", ""});
    }
  }
  return app::check_arch_tag_format(options.arch_tag_format,
                                    options.no_push ? std::vector<oci::ImageRef>{} : options.tags, platforms);
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

} // namespace

cxxopts::Options
build_command_options(const std::string& /*verb*/)
{
  auto options = make_options("build", "Build a multi-architecture image on the hosts and publish its list");
  options.custom_help("[OPTIONS]");
  define_options(options);
  add_host_selection_options(options);
  return options;
}

int
run_build(const std::vector<std::string>& args, const GlobalOptions& globals)
{
  auto options = build_command_options("");
  int done = 0;
  auto parsed = parse_command_line(options, args, globals, k_examples, done);
  if (!parsed) {
    return done;
  }
  auto build_opts = build_options(*parsed);
  if (!build_opts) {
    return report(build_opts.error());
  }
  auto progress_choice = checked_choice(*parsed, "build", "progress");
  if (!progress_choice) {
    return report(progress_choice.error());
  }
  const std::string progress_mode =
      output::resolve_progress_mode(parsed->count("quiet") != 0 ? "quiet" : *progress_choice, stderr);
  auto credentials = load_credentials(*parsed);
  if (!credentials) {
    return report(credentials.error());
  }
  auto selection = host_selection(*parsed, globals);
  if (!selection) {
    return report(selection.error());
  }
  if (auto ok = check_selection(*build_opts, selection->hosts); !ok) {
    return report(ok.error());
  }

  const bool color = output::use_color(stderr);
  job::BuildOutcome outcome;
  {
    auto progress = output::make_progress(progress_mode, stderr, color);
    outcome = job::run_build(*build_opts, selection->hosts, selection->connect, *credentials, *progress);
  }

  if (build_opts->dry_run && !outcome.error) {
    const std::string format = (*parsed)["format"].as<std::string>();
    fmt::print("{}", util::redact::apply(format == "json" ? output::plan_json(outcome, *build_opts)
                                                          : output::plan_table(outcome, *build_opts)));
    const bool unassigned = std::any_of(outcome.platforms.begin(), outcome.platforms.end(),
                                        [](const job::PlatformResult& r) { return r.state == job::Phase::failed; });
    return unassigned ? 4 : 0;
  }
  if (output::progress_shows_summary(progress_mode)) {
    fmt::print(stderr, "\n{}", util::redact::apply(output::summary_table(outcome, color)));
  }
  if (parsed->count("metadata-file") != 0) {
    if (auto ok = write_text((*parsed)["metadata-file"].as<std::string>(), output::metadata_json(outcome)); !ok) {
      report(ok.error());
    }
  }
  if (!outcome.index_digest.empty()) {
    fmt::print("{}\n", outcome.index_digest);
    if (parsed->count("digestfile") != 0) {
      if (auto ok = write_text((*parsed)["digestfile"].as<std::string>(), outcome.index_digest); !ok) {
        report(ok.error());
      }
    }
  }
  if (!outcome.tags_not_pushed.empty()) {
    // The list reached some tags only: which serve it now, which do not.
    for (const auto& tag : outcome.tags) {
      fmt::print("{} {}\n", tag, outcome.index_digest);
    }
    for (const auto& tag : outcome.tags_not_pushed) {
      fmt::print("{} not-pushed\n", tag);
    }
  }
  if (build_opts->no_push) {
    for (const auto& result : outcome.platforms) {
      if (result.state == job::Phase::done) {
        fmt::print("{} {} {}\n", result.platform.to_string(), result.host, result.image_id);
      }
    }
  }
  if (outcome.error) {
    report(*outcome.error);
  }
  return outcome.exit_code;
}

} // namespace pma::cli
