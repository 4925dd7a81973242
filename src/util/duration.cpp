#include <pma/util/duration.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <string>

namespace pma::util {

Result<std::chrono::milliseconds>
parse_duration(const std::string_view text, const std::string_view what)
{
  const auto bad = [&] {
    return fail(ErrorClass::usage,
                fmt::format("invalid duration '{}' for {} (examples: 30s, 500ms, 2m, 1h30m)", text, what));
  };
  if (text.empty()) {
    return bad();
  }
  double total_ms = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    const size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0 || text[i] == '.')) {
      ++i;
    }
    if (i == start) {
      return bad();
    }
    const std::string number(text.substr(start, i - start));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) {
      return bad();
    }
    const size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])) != 0) {
      ++i;
    }
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit.empty()) {
      if (any || i != text.size()) {
        return bad(); // a bare number is allowed only alone
      }
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else {
      return bad();
    }
    total_ms += value * scale;
    any = true;
  }
  // Found by fuzzing: a huge number overflowed the conversion (undefined behaviour).
  constexpr double k_max_ms = 365.0 * 24 * 3'600'000; // one year
  if (total_ms > k_max_ms) {
    return fail(ErrorClass::usage, fmt::format("duration '{}' for {} is longer than a year", text, what));
  }
  return std::chrono::milliseconds(static_cast<long long>(total_ms));
}

} // namespace pma::util
