#include <pma/oci/platform.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace pma::oci {

using util::ErrorClass;

namespace {

const std::vector<std::string> k_known_os = {"linux", "windows", "freebsd", "darwin"};
const std::vector<std::string> k_known_arch = {"amd64",    "arm64",   "arm",   "ppc64le", "s390x",  "riscv64", "386",
                                               "mips64le", "loong64", "ppc64", "mips",    "mipsle", "mips64",  "wasm"};

std::string
normalize_arch(const std::string& arch)
{
  if (arch == "x86_64" || arch == "x86-64" || arch == "x64") {
    return "amd64";
  }
  if (arch == "aarch64" || arch == "armv8" || arch == "arm64v8") {
    return "arm64";
  }
  if (arch == "armhf" || arch == "armel" || arch == "armv7" || arch == "armv7l" || arch == "armv6" ||
      arch == "armv6l" || arch == "armv5") {
    return "arm";
  }
  if (arch == "i386" || arch == "i486" || arch == "i586" || arch == "i686" || arch == "x86") {
    return "386";
  }
  if (arch == "ppc64el") {
    return "ppc64le";
  }
  return arch;
}

// Variant implied by a raw architecture alias (armv7l → v7, armel → v6…).
std::string
variant_from_alias(const std::string& arch)
{
  if (arch == "armhf" || arch == "armv7" || arch == "armv7l") {
    return "v7";
  }
  if (arch == "armv6" || arch == "armv6l" || arch == "armel") {
    return "v6";
  }
  if (arch == "armv5") {
    return "v5";
  }
  return {};
}

std::string
normalize_variant(const std::string& arch, std::string variant)
{
  if (!variant.empty() && variant.front() != 'v' && std::isdigit(static_cast<unsigned char>(variant.front())) != 0) {
    variant = "v" + variant;
  }
  if (arch == "arm64") {
    if (variant.empty() || variant == "v8.0") {
      return "v8";
    }
  } else if (arch == "arm") {
    if (variant.empty()) {
      return "v7";
    }
  } else if (arch == "amd64" && variant == "v1") {
    return {};
  }
  return variant;
}

} // namespace

Platform
Platform::normalized(const std::string_view os, const std::string_view arch, const std::string_view variant)
{
  const std::string raw_arch = util::to_lower(arch);
  const std::string norm_arch = normalize_arch(raw_arch);
  std::string raw_variant = util::to_lower(variant);
  if (raw_variant.empty()) {
    raw_variant = variant_from_alias(raw_arch);
  }
  return Platform{util::to_lower(os), norm_arch, normalize_variant(norm_arch, raw_variant)};
}

util::Result<Platform>
Platform::parse(const std::string_view text)
{
  const auto parts = util::split(util::trim(text), '/');
  const auto bad = [&](const std::string& why) {
    return util::fail(
        ErrorClass::usage,
        fmt::format("invalid platform '{}': {} (expected os/arch[/variant], e.g. linux/arm64/v8)", text, why));
  };
  if (parts.size() < 2 || parts.size() > 3) {
    return bad(parts.size() < 2 ? "missing architecture" : "too many '/'");
  }
  for (const auto& part : parts) {
    if (part.empty()) {
      return bad("empty component");
    }
    for (const char c : part) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-' && c != '.') {
        return bad(fmt::format("unexpected character '{}'", c));
      }
    }
  }
  Platform platform = normalized(parts[0], parts[1], parts.size() == 3 ? parts[2] : "");
  if (std::find(k_known_os.begin(), k_known_os.end(), platform.os) == k_known_os.end()) {
    return bad(fmt::format("unknown os '{}'{}", parts[0], util::did_you_mean(platform.os, k_known_os)));
  }
  if (std::find(k_known_arch.begin(), k_known_arch.end(), platform.architecture) == k_known_arch.end()) {
    return bad(
        fmt::format("unknown architecture '{}'{}", parts[1], util::did_you_mean(platform.architecture, k_known_arch)));
  }
  return platform;
}

std::vector<std::string>
to_strings(const std::vector<Platform>& platforms)
{
  std::vector<std::string> names;
  names.reserve(platforms.size());
  for (const auto& platform : platforms) {
    names.push_back(platform.to_string());
  }
  return names;
}

std::string
Platform::to_string() const
{
  return variant.empty() ? fmt::format("{}/{}", os, architecture) : fmt::format("{}/{}/{}", os, architecture, variant);
}

} // namespace pma::oci
