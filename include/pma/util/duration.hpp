#pragma once

#include <pma/util/error.hpp>

#include <chrono>
#include <string_view>

namespace pma::util {

// Parses a Go-style duration ("1.5s", "500ms", "2m", "1h30m") or a bare number
// of seconds. Errors are of class usage and name `what`.
Result<std::chrono::milliseconds> parse_duration(std::string_view text, std::string_view what);

} // namespace pma::util
