#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pma::util {

std::vector<std::string> split(std::string_view text, char separator);
std::string_view trim(std::string_view text);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);

// Levenshtein distance between `a` and `b`.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo
// (used for "did you mean …?").
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// ", did you mean 'x'?" or "" — ready to append to a message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

} // namespace pma::util
