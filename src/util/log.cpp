#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace pma::util::log {

namespace {

std::atomic<Level> g_level{Level::warn};
std::mutex g_write_mutex;

const char*
prefix(const Level level)
{
  switch (level) {
  case Level::error:
    return "error";
  case Level::warn:
    return "warning";
  case Level::info:
    return "info";
  case Level::debug:
    return "debug";
  }
  return "";
}

} // namespace

void
set_level(const Level level)
{
  g_level = level;
}

Level
level()
{
  return g_level;
}

std::optional<Level>
parse_level(const std::string_view name)
{
  if (name == "error" || name == "fatal" || name == "panic") {
    return Level::error;
  }
  if (name == "warn" || name == "warning") {
    return Level::warn;
  }
  if (name == "info") {
    return Level::info;
  }
  if (name == "debug" || name == "trace") {
    return Level::debug;
  }
  return std::nullopt;
}

void
write(const Level level, const std::string_view message)
{
  const std::lock_guard lock(g_write_mutex);
  fmt::print(stderr, "podman-multiarch: {}: {}\n", prefix(level), redact::apply(message));
}

} // namespace pma::util::log
