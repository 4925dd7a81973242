#include <pma/util/redact.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace pma::util::redact {

namespace {

std::shared_mutex g_mutex;
std::vector<std::string> g_secrets; // longest first, so that no shorter one splits a longer one
std::atomic<bool> g_any{false};

} // namespace

void
add(const std::string_view secret)
{
  if (secret.size() < k_min_length) {
    return;
  }
  const std::unique_lock lock(g_mutex);
  if (std::find(g_secrets.begin(), g_secrets.end(), secret) != g_secrets.end()) {
    return;
  }
  const auto at = std::find_if(g_secrets.begin(), g_secrets.end(),
                               [&](const std::string& known) { return known.size() < secret.size(); });
  g_secrets.emplace(at, secret);
  g_any.store(true, std::memory_order_release);
}

std::string
apply(const std::string_view text)
{
  std::string out(text);
  if (!g_any.load(std::memory_order_acquire)) {
    return out;
  }
  const std::shared_lock lock(g_mutex);
  for (const auto& secret : g_secrets) {
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + k_mask.size())) {
      out.replace(at, secret.size(), k_mask);
    }
  }
  return out;
}

void
clear()
{
  const std::unique_lock lock(g_mutex);
  g_secrets.clear();
  g_any.store(false, std::memory_order_release);
}

} // namespace pma::util::redact
