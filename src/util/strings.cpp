#include <pma/util/strings.hpp>

#include <algorithm>
#include <cctype>

namespace pma::util {

std::vector<std::string>
split(const std::string_view text, const char separator)
{
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

std::string_view
trim(std::string_view text)
{
  const auto is_space = [](const char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::string
join(const std::vector<std::string>& parts, const std::string_view separator)
{
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += parts[i];
  }
  return out;
}

std::string
to_lower(const std::string_view text)
{
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](const unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool
iequals(const std::string_view a, const std::string_view b)
{
  return a.size() == b.size() && to_lower(a) == to_lower(b);
}

size_t
edit_distance(const std::string_view a, const std::string_view b)
{
  // Optimal string alignment: insertions, deletions, substitutions and
  // transpositions of neighbours ("ulr" → "url") each cost one.
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string>
closest_match(const std::string_view word, const std::vector<std::string>& candidates)
{
  // Same threshold idea as ninja's SpellcheckString: a few edits, and never
  // more than about a third of the word.
  const size_t limit = word.size() < 3 ? 0 : std::clamp<size_t>(word.size() / 3, 1, 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const size_t distance = edit_distance(word, candidate);
    const bool is_prefix = word.size() >= 2 && candidate.starts_with(word);
    const size_t effective = is_prefix ? std::min<size_t>(distance, 1) : distance;
    if (effective < best_distance) {
      best_distance = effective;
      best = candidate;
    }
  }
  return best;
}

std::string
did_you_mean(const std::string_view word, const std::vector<std::string>& candidates)
{
  const auto match = closest_match(word, candidates);
  return match ? ", did you mean '" + *match + "'?" : std::string();
}

} // namespace pma::util
