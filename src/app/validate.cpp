// Command-line checks that need no host (include/pma/app/validate.hpp).
#include <pma/app/validate.hpp>
#include <pma/job/run.hpp>
#include <pma/util/duration.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace pma::app {

using util::ErrorClass;
using util::Result;

namespace {

constexpr std::array<std::string_view, 5> k_placeholders = {"{tag}", "{os}", "{arch}", "{variant}", "{-variant}"};
constexpr size_t k_max_tag_length = 128;

bool
tag_char(const char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

} // namespace

Result<void>
check_positive(const std::chrono::milliseconds value, const std::string_view text, const std::string_view option)
{
  if (value.count() > 0) {
    return {};
  }
  return util::fail(ErrorClass::usage, fmt::format("--{} '{}' must be more than 0 (e.g. 30s, 45m)", option, text));
}

Result<util::RetryPolicy>
retry_policy(const int retries, const std::string& delay)
{
  util::RetryPolicy policy;
  policy.retries = retries;
  if (policy.retries < 0) {
    return util::fail(ErrorClass::usage, fmt::format("invalid --retry {} (0 or more)", policy.retries));
  }
  PMA_TRY_ASSIGN(policy.delay, util::parse_duration(delay, "--retry-delay"));
  return policy;
}

bool
valid_tag(const std::string_view tag)
{
  if (tag.empty() || tag.size() > k_max_tag_length || tag.front() == '.' || tag.front() == '-') {
    return false;
  }
  return std::all_of(tag.begin(), tag.end(), tag_char);
}

Result<void>
check_arch_tag_format(const std::string& format, const std::vector<oci::ImageRef>& tags,
                      const std::vector<oci::Platform>& platforms)
{
  for (size_t open = format.find('{'); open != std::string::npos; open = format.find('{', open + 1)) {
    const size_t close = format.find('}', open);
    const std::string_view placeholder = close == std::string::npos
                                             ? std::string_view(format).substr(open)
                                             : std::string_view(format).substr(open, close - open + 1);
    if (std::find(k_placeholders.begin(), k_placeholders.end(), placeholder) == k_placeholders.end()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("--arch-tag-format '{}': unknown placeholder '{}' (known: {})", format, placeholder,
                                    util::join({k_placeholders.begin(), k_placeholders.end()}, " ")));
    }
  }
  for (const auto& ref : tags) {
    for (const auto& platform : platforms) {
      const std::string tag = job::arch_tag(format, ref.tag, platform);
      if (!valid_tag(tag)) {
        return util::fail(
            ErrorClass::usage,
            fmt::format("--arch-tag-format '{}' makes '{}' for {} on {}, which is not a valid tag (letters, digits, "
                        "'_', '.' and '-', not starting with '.' or '-', at most {} characters)",
                        format, tag, ref.to_string(), platform.to_string(), k_max_tag_length));
      }
    }
  }
  return {};
}

Result<void>
check_required(const std::vector<oci::Platform>& required, const std::vector<oci::Platform>& requested)
{
  for (const auto& platform : required) {
    if (std::find(requested.begin(), requested.end(), platform) == requested.end()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("--require {}: not among the platforms --platform requests ({})",
                                    platform.to_string(), util::join(oci::to_strings(requested), ", ")));
    }
  }
  return {};
}

Result<void>
check_manifest_host(const std::string& name, const std::vector<config::Host>& hosts)
{
  std::vector<std::string> names;
  for (const auto& host : hosts) {
    if (host.name == name) {
      return {};
    }
    names.push_back(host.name);
  }
  return util::fail(ErrorClass::usage, fmt::format("--manifest-host {}: not one of the selected hosts ({}){}", name,
                                                   util::join(names, ", "), util::did_you_mean(name, names)));
}

Result<void>
check_for_hosts(const job::BuildOptions& options, const std::vector<config::Host>& hosts)
{
  if (!options.manifest_host.empty()) {
    PMA_TRY(check_manifest_host(options.manifest_host, hosts));
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
  return check_arch_tag_format(options.arch_tag_format, options.no_push ? std::vector<oci::ImageRef>{} : options.tags,
                               platforms);
}

Result<void>
check_fragment_option(const std::string& file, const bool no_push)
{
  if (file.empty()) {
    return util::fail(ErrorClass::usage, "--fragment '' names no file");
  }
  if (no_push) {
    return util::fail(ErrorClass::usage,
                      "--fragment and --no-push cannot be combined: a fragment records the images a run pushed");
  }
  return {};
}

Result<void>
check_check_option(const bool dry_run, const bool no_push)
{
  if (dry_run || no_push) {
    return util::fail(ErrorClass::usage, fmt::format("--check and --{} cannot be combined: --check compares what "
                                                     "would be built with what the tags serve",
                                                     dry_run ? "dry-run" : "no-push"));
  }
  return {};
}

} // namespace pma::app
