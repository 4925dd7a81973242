#include <pma/util/redact.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace pma::util::redact {

namespace {

std::shared_mutex g_mutex;
std::vector<std::string> g_secrets; // longest first, so that no shorter one splits a longer one
std::atomic<bool> g_any{false};

bool
word_char(const char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' || c == '/';
}

// Whether the occurrence of `length` characters at `at` may be replaced.
bool
replaceable(const std::string& text, const size_t at, const size_t length)
{
  if (length >= k_anywhere_length) {
    return true;
  }
  const bool before = at > 0 && word_char(text[at - 1]);
  const bool after = at + length < text.size() && word_char(text[at + length]);
  return !before && !after;
}

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
    for (size_t at = out.find(secret); at != std::string::npos;) {
      if (replaceable(out, at, secret.size())) {
        out.replace(at, secret.size(), k_mask);
        at = out.find(secret, at + k_mask.size());
      } else {
        at = out.find(secret, at + 1);
      }
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
