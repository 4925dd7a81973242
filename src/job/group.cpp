// Several platforms in one build request: the shared result (group.hpp).
#include "group.hpp"

#include <algorithm>

namespace pma::job::detail {

BuildGroup::BuildGroup(std::string host, std::vector<oci::Platform> platforms, std::vector<std::string> contexts)
  : m_host(std::move(host))
  , m_platforms(std::move(platforms))
  , m_contexts(std::move(contexts))
{
}

BuildGroup::Share
BuildGroup::take(const oci::Platform& mine, const std::function<std::vector<Share>()>& build)
{
  const auto at = static_cast<size_t>(std::find(m_platforms.begin(), m_platforms.end(), mine) - m_platforms.begin());
  std::unique_lock lock(m_mutex);
  if (!m_started) {
    m_started = true;
    lock.unlock();
    auto shares = build();
    shares.resize(m_platforms.size());
    lock.lock();
    m_shares = std::move(shares);
    m_done.notify_all();
  }
  m_done.wait(lock, [this] { return m_shares.has_value(); });
  if (at >= m_shares->size()) {
    return Share{.why = "not a platform of the group"};
  }
  return (*m_shares)[at];
}

namespace {

std::optional<size_t>
index_of(const std::string_view text, const std::vector<oci::Platform>& platforms)
{
  const auto platform = oci::Platform::parse(text);
  if (!platform) {
    return std::nullopt;
  }
  const auto it = std::find(platforms.begin(), platforms.end(), *platform);
  if (it == platforms.end()) {
    return std::nullopt;
  }
  return static_cast<size_t>(it - platforms.begin());
}

} // namespace

std::optional<std::pair<size_t, std::string_view>>
line_platform(const std::string_view line, const std::vector<oci::Platform>& platforms)
{
  if (!line.starts_with('[')) {
    return std::nullopt;
  }
  const size_t close = line.find("] ");
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  const auto index = index_of(line.substr(1, close - 1), platforms);
  if (!index) {
    return std::nullopt;
  }
  return std::pair{*index, line.substr(close + 2)};
}

std::optional<size_t>
error_platform(const std::string_view message, const std::vector<oci::Platform>& platforms)
{
  // "build failed: [linux/s390x]: building at STEP …"
  for (size_t open = message.find('['); open != std::string_view::npos; open = message.find('[', open + 1)) {
    const size_t close = message.find("]: ", open);
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    if (auto index = index_of(message.substr(open + 1, close - open - 1), platforms)) {
      return index;
    }
  }
  return std::nullopt;
}

} // namespace pma::job::detail
