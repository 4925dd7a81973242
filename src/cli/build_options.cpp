// The build command line read into job::BuildOptions, with every check that
// needs no host (the forwarded `podman build` options: build_flags.cpp).
#include <pma/app/validate.hpp>
#include <pma/job/option_values.hpp>
#include <pma/util/duration.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "build_flags.hpp"
#include "options.hpp"

namespace pma::cli {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

std::vector<std::string>
list_of(const cxxopts::ParseResult& parsed, const char* name)
{
  return parsed.count(name) != 0 ? parsed[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

Result<std::vector<oci::Platform>>
platforms_of(const std::vector<std::string>& items, const std::string_view option,
             std::map<oci::Platform, std::string>* texts = nullptr)
{
  PMA_TRY_ASSIGN(const auto elements, job::list_elements(items, option));
  return job::parse_platforms(elements, texts);
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
  PMA_TRY_ASSIGN(auto platform, oci::Platform::parse(item.substr(0, colon)));
  return std::pair{std::move(platform), item.substr(colon + 1)};
}

Result<void>
read_overrides(const cxxopts::ParseResult& parsed, job::BuildOptions& options)
{
  for (const auto& item : list_of(parsed, "platform-build-arg")) {
    PMA_TRY_ASSIGN(const auto value, platform_value(item, "platform-build-arg"));
    PMA_TRY_ASSIGN(const auto args, job::build_args({}, {value.second}));
    auto& overrides = options.overrides[value.first].build_args;
    for (const auto& [key, arg] : args) {
      overrides[key] = arg;
    }
  }
  for (const auto& item : list_of(parsed, "platform-target")) {
    PMA_TRY_ASSIGN(const auto value, platform_value(item, "platform-target"));
    options.overrides[value.first].target = value.second;
  }
  for (const auto& item : list_of(parsed, "platform-file")) {
    PMA_TRY_ASSIGN(const auto value, platform_value(item, "platform-file"));
    if (value.second == "-") {
      return util::fail(ErrorClass::usage, "--platform-file cannot read standard input: give a file");
    }
    PMA_TRY(job::check_containerfile(value.second, "--platform-file"));
    options.overrides[value.first].containerfile = value.second;
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
  PMA_TRY(job::check_containerfile(options.containerfile, "-f"));
  if (options.containerfile == "-") {
    PMA_TRY_ASSIGN(options.containerfile_text, util::read_standard_input(size_t{16} << 20));
    if (options.containerfile_text.empty()) {
      return util::fail(ErrorClass::usage, "-f -: standard input was empty");
    }
  }
  return {};
}

} // namespace

Result<job::BuildOptions>
build_options(const Invocation& call)
{
  const auto& parsed = call.parsed();
  job::BuildOptions options;
  options.context_dir = call.operands().empty() ? "." : call.operands().front();
  PMA_TRY(read_containerfile(parsed, options));
  if (parsed.count("ignorefile") != 0) {
    options.ignore_file = parsed["ignorefile"].as<std::string>();
  }
  options.dry_run = parsed.count("dry-run") != 0;
  options.no_push = parsed.count("no-push") != 0;
  options.check = parsed.count("check") != 0;
  options.rebuild = parsed.count("rebuild") != 0;
  PMA_TRY_ASSIGN(options.compression, compression(call));
  if (options.check) {
    PMA_TRY(app::check_check_option(options.dry_run, options.no_push));
  }
  if (parsed.count("fragment") != 0) {
    options.fragment = true;
    PMA_TRY(app::check_fragment_option(parsed["fragment"].as<std::string>(), options.no_push));
  }
  for (const auto& tag : list_of(parsed, "tag")) {
    PMA_TRY_ASSIGN(auto ref, oci::ImageRef::parse(tag));
    if (!ref.digest.empty()) {
      return util::fail(ErrorClass::usage, fmt::format("-t {}: a tag cannot carry a digest", tag));
    }
    options.tags.push_back(std::move(ref));
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
  PMA_TRY_ASSIGN(options.platforms, platforms_of(platform_items, "platform", &options.platform_texts));
  PMA_TRY_ASSIGN(options.required, platforms_of(list_of(parsed, "require"), "require"));
  // Without --platform the platforms come from the hosts: checked once they answer.
  if (!options.platforms.empty()) {
    PMA_TRY(app::check_required(options.required, options.platforms));
  }
  options.allow_partial = parsed.count("allow-partial") != 0 || !options.required.empty();
  options.allow_shrink = parsed.count("allow-shrink") != 0;
  PMA_TRY_ASSIGN(options.build_args, job::build_args(list_of(parsed, "build-arg-file"), list_of(parsed, "build-arg")));
  for (const auto& label : list_of(parsed, "label")) {
    if (label.empty() || label.front() == '=') {
      return util::fail(ErrorClass::usage, fmt::format("--label '{}' must be KEY[=VALUE]", label));
    }
    options.labels.push_back(label); // sent as given, in order: the LABEL step and the image ID depend on it
  }
  PMA_TRY(job::add_annotations(list_of(parsed, "annotation"), options));
  PMA_TRY(read_overrides(parsed, options));
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
  const auto policy = job::pull_policy(pull);
  if (const auto& choices = call.command().find_option("pull")->choices; !policy) {
    return util::fail(ErrorClass::usage, fmt::format("invalid --pull '{}' (one of: {}){}", pull,
                                                     util::join(choices, ", "), util::did_you_mean(pull, choices)));
  }
  options.pull = *policy;
  if (parsed.count("tls-verify") != 0) {
    options.tls_verify = parsed["tls-verify"].as<bool>();
  }
  options.cleanup = parsed["cleanup"].as<bool>();
  if (parsed.count("timeout") != 0) {
    const auto text = parsed["timeout"].as<std::string>();
    PMA_TRY_ASSIGN(const auto timeout, util::parse_duration(text, "--timeout"));
    PMA_TRY(app::check_positive(timeout, text, "timeout"));
    options.timeout = timeout;
  }
  const auto idle_text = parsed["idle-timeout"].as<std::string>();
  PMA_TRY_ASSIGN(options.build_idle_timeout, util::parse_duration(idle_text, "--idle-timeout"));
  PMA_TRY(app::check_positive(options.build_idle_timeout, idle_text, "idle-timeout"));
  PMA_TRY_ASSIGN(options.retry, app::retry_policy(parsed["retry"].as<int>(), parsed["retry-delay"].as<std::string>()));
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
  PMA_TRY_ASSIGN(options.emulation, job::parse_emulation(parsed["emulation"].as<std::string>()));
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
  PMA_TRY(read_podman_build_flags(parsed, options));
  return options;
}

} // namespace pma::cli
