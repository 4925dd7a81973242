#include <pma/job/request.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace pma::job {

namespace {

constexpr std::array<std::string_view, 4> k_platform_args = {"TARGETOS", "TARGETARCH", "TARGETVARIANT",
                                                             "TARGETPLATFORM"};

// podman 4.1 is the first whose service sets the TARGET* arguments from platform=.
constexpr libpod::Version k_service_sets_platform_args{4, 1, 0};
// podman 5.0 reads --pull=false as never (4.x: missing).
constexpr libpod::Version k_pull_false_never{5, 0, 0};
// podman 5.3 is the first whose build endpoint takes retry and retry-delay.
constexpr libpod::Version k_build_retry{5, 3, 0};

} // namespace

std::string
containerfile_for(const BuildOptions& options, const oci::Platform& platform)
{
  if (const auto it = options.overrides.find(platform); it != options.overrides.end() && it->second.containerfile) {
    return *it->second.containerfile;
  }
  return options.containerfile;
}

std::string
pull_policy_for(const std::string& pull, const libpod::Version& version)
{
  if (pull == "false") {
    return version >= k_pull_false_never ? "never" : "missing";
  }
  return pull == "newer" ? "ifnewer" : pull;
}

std::string
platform_text(const BuildOptions& options, const oci::Platform& platform)
{
  if (const auto it = options.platform_texts.find(platform); it != options.platform_texts.end()) {
    return it->second;
  }
  if (platform.architecture == "arm64" && platform.variant == "v8") {
    return fmt::format("{}/{}", platform.os, platform.architecture);
  }
  return platform.to_string();
}

libpod::BuildRequest
build_request(const BuildOptions& options, const oci::Platform& platform, const libpod::Capabilities& caps)
{
  libpod::BuildRequest request;
  request.platform = platform;
  request.platform_text = platform_text(options, platform);
  request.build_args = options.build_args;
  request.target = options.target;
  if (const auto it = options.overrides.find(platform); it != options.overrides.end()) {
    for (const auto& [key, value] : it->second.build_args) {
      request.build_args[key] = value;
    }
    if (it->second.target) {
      request.target = *it->second.target;
    }
  }
  if (caps.version < k_service_sets_platform_args) {
    // podman 4.0 leaves TARGET* to the host's own platform: name the one asked.
    const std::string text = platform.to_string();
    const std::array<std::string, 4> values = {platform.os, platform.architecture, platform.variant, text};
    for (size_t i = 0; i < k_platform_args.size(); ++i) {
      if (!values[i].empty()) {
        request.build_args.try_emplace(std::string(k_platform_args[i]), values[i]);
      }
    }
  }
  request.labels = options.labels;
  request.annotations = options.annotations;
  request.jobs = options.jobs;
  request.no_cache = options.no_cache;
  request.layers = options.layers;
  request.squash = options.squash;
  request.remove = options.remove;
  request.force_rm = options.force_rm;
  request.pull_policy = pull_policy_for(options.pull, caps.version);
  request.tls_verify = options.tls_verify;
  request.output_format = options.format;
  request.settings = options.settings;
  if (caps.version >= k_build_retry) {
    // --retry also governs our pushes, so older hosts keep their fixed 3 × 2 s for pulls.
    request.settings.push_back({libpod::BuildOption::retry, {std::to_string(options.retry.retries)}});
    request.settings.push_back({libpod::BuildOption::retry_delay, {fmt::format("{}ms", options.retry.delay.count())}});
  }
  request.idle_timeout = options.build_idle_timeout;
  return request;
}

std::string
unsupported_on(const BuildOptions& options, const oci::Platform& platform, const libpod::Capabilities& caps)
{
  return libpod::unsupported(build_request(options, platform, caps).settings, caps.version);
}

std::optional<std::string>
shown_build_line(const std::string_view line)
{
  constexpr std::string_view k_warning = "[Warning] one or more build args were not consumed: [";
  if (!line.starts_with(k_warning) || !line.ends_with(']')) {
    return std::string(line);
  }
  std::vector<std::string> kept;
  for (const auto& name : util::split(line.substr(k_warning.size(), line.size() - k_warning.size() - 1), ' ')) {
    if (!name.empty() && std::find(k_platform_args.begin(), k_platform_args.end(), name) == k_platform_args.end()) {
      kept.push_back(name);
    }
  }
  if (kept.empty()) {
    return std::nullopt;
  }
  return fmt::format("{}{}]", k_warning, util::join(kept, " "));
}

} // namespace pma::job
