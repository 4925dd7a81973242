#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

// Diagnostic logging to stderr, off below the chosen level. Never pass a
// credential here: redact first (transport::HostUrl::redacted()); write()
// also hides every secret registered with util::redact, as a last line.
namespace pma::util::log {

enum class Level { error, warn, info, debug };

void set_level(Level level);
Level level();
std::optional<Level> parse_level(std::string_view name);

void write(Level level, std::string_view message);

inline bool
enabled(const Level wanted)
{
  return static_cast<int>(wanted) <= static_cast<int>(level());
}

template <typename... Args>
void
debug(fmt::format_string<Args...> format, Args&&... args)
{
  if (enabled(Level::debug)) {
    write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
  }
}

template <typename... Args>
void
info(fmt::format_string<Args...> format, Args&&... args)
{
  if (enabled(Level::info)) {
    write(Level::info, fmt::format(format, std::forward<Args>(args)...));
  }
}

template <typename... Args>
void
warn(fmt::format_string<Args...> format, Args&&... args)
{
  if (enabled(Level::warn)) {
    write(Level::warn, fmt::format(format, std::forward<Args>(args)...));
  }
}

} // namespace pma::util::log
