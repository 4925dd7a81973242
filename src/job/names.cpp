// The names a run gives on its hosts (podman-multiarch-build(1), --cleanup):
// every image it builds, every --build-context image and
// its list is named "localhost/podman-multiarch-KIND:SECONDS-RANDOM[-os-arch]",
// unique to the run and telling its age. Cleanup (cleanup.cpp) removes those
// names and nothing else.
#include "names.hpp"

#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <random>

namespace pma::job {

namespace detail {

std::string
new_run_id()
{
  std::random_device device;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{}-{:08x}", std::chrono::duration_cast<std::chrono::seconds>(now).count(), device());
}

std::string
name_part_of(const std::string& target)
{
  std::string out;
  for (const char c : util::to_lower(target)) {
    out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '-';
  }
  return out;
}

Names::Names(std::string run_id)
  : m_run_id(std::move(run_id))
{
}

std::string
Names::make(const std::string_view kind, const oci::Platform* platform) const
{
  std::string tag = m_run_id;
  if (platform != nullptr) {
    tag += util::to_lower(fmt::format("-{}-{}{}", platform->os, platform->architecture, platform->variant));
  }
  return fmt::format("{}{}:{}", k_owned_prefix, kind, tag);
}

void
Names::own(const std::string& host, const std::string& name)
{
  const std::lock_guard lock(m_mutex);
  const bool known = std::any_of(m_owned.begin(), m_owned.end(),
                                 [&](const Owned& owned) { return owned.host == host && owned.name == name; });
  if (!known) {
    m_owned.push_back({host, name});
  }
}

void
Names::removing(const std::string& host, const std::string& name, std::future<util::Result<void>> done)
{
  const std::lock_guard lock(m_mutex);
  m_removals.push_back({host, name, std::move(done)});
}

void
Names::abandoned()
{
  const std::lock_guard lock(m_mutex);
  m_last_abandoned = std::chrono::steady_clock::now();
}

void
Names::mark_removed(const std::string& host, const std::string& name)
{
  for (auto& owned : m_owned) {
    owned.removed = owned.removed || (owned.host == host && owned.name == name);
  }
}

} // namespace detail

std::optional<std::chrono::system_clock::time_point>
owned_name_time(const std::string_view name)
{
  // localhost/podman-multiarch-KIND:SECONDS-…
  if (!name.starts_with(k_owned_prefix)) {
    return std::nullopt;
  }
  const size_t colon = name.find(':', k_owned_prefix.size());
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view tag = name.substr(colon + 1);
  int64_t seconds = 0;
  const auto [end, error] = std::from_chars(tag.data(), tag.data() + tag.size(), seconds);
  if (error != std::errc() || end == tag.data() || end == tag.data() + tag.size() || *end != '-') {
    return std::nullopt;
  }
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

bool
is_owned_list_name(const std::string_view name)
{
  // "list:RUN…", or "list-TARGET:RUN…" for a target of a release.
  const std::string_view kind = name.starts_with(k_owned_prefix) ? name.substr(k_owned_prefix.size()) : "";
  return kind.starts_with("list:") || kind.starts_with("list-");
}

} // namespace pma::job
