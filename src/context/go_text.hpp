#pragma once

// Private to src/context: the few Go standard-library behaviours that podman's
// ignore-file handling relies on, ported from their description: UTF-8
// decoding (utf8.DecodeRuneInString), strings.TrimSpace, and the syntax check
// filepath.Match makes (go_text.cpp).
#include <cstddef>
#include <string_view>

namespace pma::context::detail {

inline constexpr char32_t k_rune_error = 0xFFFD;
inline constexpr std::string_view k_replacement = "\xEF\xBF\xBD"; // U+FFFD
inline constexpr std::string_view k_bom = "\xEF\xBB\xBF";         // U+FEFF

struct Rune {
  char32_t value;
  size_t width; // 0 only for empty input
};

// Go's utf8.DecodeRuneInString: an invalid or truncated sequence, an
// overlong form or a surrogate reads as U+FFFD of width 1.
Rune decode_rune(std::string_view s);

bool is_valid_utf8(std::string_view text);

// Go's strings.TrimSpace (Unicode White_Space as unicode.IsSpace sees it).
std::string_view trim_space(std::string_view text);

enum class Glob { match, no_match, bad_pattern };

// Go's filepath.Match(pattern, name), as far as NewPatternMatcher uses it:
// its Match(pattern, ".") call is the early syntax check, and which patterns
// fail there depends on how far the matching gets before it gives up.
Glob glob_match(std::string_view pattern, std::string_view name);

} // namespace pma::context::detail
