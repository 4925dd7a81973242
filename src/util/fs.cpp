#include <pma/util/fs.hpp>

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pma::util {

std::string
env(const char* name)
{
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

std::filesystem::path
home_dir()
{
  if (auto home = env("HOME"); !home.empty()) {
    return home;
  }
  if (const passwd* entry = getpwuid(getuid()); entry && entry->pw_dir) {
    return entry->pw_dir;
  }
  return "/";
}

std::filesystem::path
expand_user(const std::string_view path)
{
  if (path == "~") {
    return home_dir();
  }
  if (path.starts_with("~/")) {
    return home_dir() / path.substr(2);
  }
  return std::filesystem::path(path);
}

std::filesystem::path
xdg_config_home()
{
  if (auto dir = env("XDG_CONFIG_HOME"); !dir.empty()) {
    return dir;
  }
  return home_dir() / ".config";
}

Result<std::string>
read_file(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorClass::config, fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

Result<std::string>
read_standard_input(const size_t limit)
{
  std::string text;
  std::array<char, 65536> buffer{};
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(ErrorClass::usage, fmt::format("cannot read standard input: {}", std::strerror(errno)));
    }
    if (n == 0) {
      return text;
    }
    text.append(buffer.data(), static_cast<size_t>(n));
    if (text.size() > limit) {
      return fail(ErrorClass::usage, fmt::format("standard input is larger than {} bytes", limit));
    }
  }
}

} // namespace pma::util
