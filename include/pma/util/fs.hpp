#pragma once

#include <pma/util/error.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace pma::util {

// $HOME, or the passwd entry's home directory.
std::filesystem::path home_dir();

// "~" and "~/x" expanded against home_dir(); anything else unchanged.
std::filesystem::path expand_user(std::string_view path);

// $XDG_CONFIG_HOME, else ~/.config.
std::filesystem::path xdg_config_home();

// Value of environment variable `name`, or "" if unset.
std::string env(const char* name);

// Everything on standard input, up to `limit` bytes (an error of class usage past it).
Result<std::string> read_standard_input(size_t limit);

// The whole content of `path`; an error of class `config` if unreadable.
Result<std::string> read_file(const std::filesystem::path& path);

} // namespace pma::util
