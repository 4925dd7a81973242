#include <pma/oci/digest.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <re2/re2.h>

namespace pma::oci {

using util::ErrorClass;

namespace {

// RE2, not std::regex: linear time, and no recursion that a long input (a
// Containerfile's FROM line, a pasted reference) could overflow the stack with.
// Compiled on first use: most commands (--version, completion) never parse a
// reference.
const RE2&
component_re()
{
  static const RE2 re("[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*");
  return re;
}

const RE2&
domain_re()
{
  static const RE2 re(
      R"((?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?)");
  return re;
}

const RE2&
tag_re()
{
  static const RE2 re(R"([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})");
  return re;
}

const RE2&
digest_re()
{
  static const RE2 re(R"([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})");
  return re;
}

bool
looks_like_registry(const std::string_view component)
{
  return component.find_first_of(".:[") != std::string_view::npos || component == "localhost";
}

} // namespace

bool
is_valid_tag(const std::string_view text)
{
  return RE2::FullMatch(text, tag_re());
}

std::string_view
without_docker_transport(std::string_view text)
{
  if (text.starts_with(k_docker_transport)) {
    text.remove_prefix(k_docker_transport.size());
  }
  return text;
}

std::string
with_docker_transport(const std::string_view reference)
{
  if (!TransportRef::parse(reference).transport.empty()) {
    return std::string(reference);
  }
  return std::string(k_docker_transport) + std::string(reference);
}

std::string
ImageRef::transport_string() const
{
  return std::string(k_docker_transport) + to_string();
}

util::Result<ImageRef>
ImageRef::parse(const std::string_view text)
{
  const auto bad = [&](const std::string& why, const std::string& hint = {}) {
    return util::Unexpected(
        util::Error(ErrorClass::usage, fmt::format("invalid image reference '{}': {}", text, why), hint));
  };
  if (text.empty()) {
    return bad("empty");
  }
  if (text.find_first_of(" \t\n") != std::string_view::npos) {
    return bad(fmt::format("whitespace at position {}", text.find_first_of(" \t\n") + 1));
  }
  if (text.starts_with(k_docker_transport)) {
    return parse(without_docker_transport(text));
  }
  ImageRef ref;
  std::string_view rest = text;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!RE2::FullMatch(ref.digest, digest_re())) {
      return bad(fmt::format("'{}' is not a digest (sha256:<64 hex digits>)", ref.digest));
    }
  }
  const size_t last_slash = rest.rfind('/');
  if (const size_t colon = rest.rfind(':');
      colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!is_valid_tag(ref.tag)) {
      return bad(fmt::format("'{}' is not a valid tag (letters, digits, '_', '.', '-'; at most 128)", ref.tag));
    }
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || !looks_like_registry(rest.substr(0, slash))) {
    return bad("no registry", fmt::format("name the registry, e.g. quay.io/{} or docker.io/{}", text, text));
  }
  ref.registry = std::string(rest.substr(0, slash));
  ref.repository = std::string(rest.substr(slash + 1));
  if (!RE2::FullMatch(ref.registry, domain_re())) {
    return bad(fmt::format("'{}' is not a valid registry host", ref.registry));
  }
  if (ref.repository.empty()) {
    return bad("no repository after the registry");
  }
  for (const auto& component : util::split(ref.repository, '/')) {
    if (!RE2::FullMatch(component, component_re())) {
      const bool upper = std::any_of(component.begin(), component.end(),
                                     [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; });
      return bad(fmt::format("repository component '{}' {}", component,
                             upper
                                 ? "has uppercase letters (repositories are lowercase)"
                                 : "is not valid (lowercase letters, digits, and single '.', '_', '-' between them)"));
    }
  }
  if (ref.name().size() > 255) {
    return bad("the name is longer than 255 characters");
  }
  return ref;
}

util::Result<ImageRef>
ImageRef::parse_normalized(std::string_view text)
{
  text = without_docker_transport(text);
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos && looks_like_registry(text.substr(0, slash))) {
    return parse(text);
  }
  const std::string_view name = text.substr(0, text.find_first_of(":@"));
  return parse(fmt::format("docker.io/{}{}", name.find('/') == std::string_view::npos ? "library/" : "", text));
}

TransportRef
TransportRef::parse(const std::string_view text)
{
  static constexpr std::string_view k_transports[] = {
      "containers-storage", "oci", "oci-archive", "docker-archive", "dir", "docker-daemon", "sif", "tarball", "ostree"};
  if (text.starts_with(k_docker_transport)) {
    return {"docker", std::string(without_docker_transport(text))};
  }
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view name = text.substr(0, colon);
    if (std::find(std::begin(k_transports), std::end(k_transports), name) != std::end(k_transports)) {
      return {std::string(name), std::string(text.substr(colon + 1))};
    }
  }
  return {"", std::string(text)};
}

std::optional<ImageRef>
TransportRef::registry_image() const
{
  if (!names_registry()) {
    return std::nullopt;
  }
  auto ref = ImageRef::parse_normalized(reference);
  return ref ? std::optional<ImageRef>(std::move(*ref)) : std::nullopt;
}

std::string
TransportRef::to_string() const
{
  if (transport.empty()) {
    return reference;
  }
  return transport + (transport == "docker" ? "://" : ":") + reference;
}

std::string
ImageRef::name() const
{
  return registry + "/" + repository;
}

std::string
ImageRef::to_string() const
{
  std::string out = name();
  if (!tag.empty()) {
    out += ":" + tag;
  }
  if (!digest.empty()) {
    out += "@" + digest;
  }
  return out;
}

ImageRef
ImageRef::with_tag(std::string new_tag) const
{
  ImageRef out = *this;
  out.tag = std::move(new_tag);
  out.digest.clear();
  return out;
}

ImageRef
ImageRef::with_digest(std::string new_digest) const
{
  ImageRef out = *this;
  out.digest = std::move(new_digest);
  out.tag.clear();
  return out;
}

} // namespace pma::oci
