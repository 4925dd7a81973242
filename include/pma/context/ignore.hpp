#pragma once

#include <pma/util/error.hpp>

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace pma::context {

// .containerignore / .dockerignore rules with Docker's semantics
// (moby/patternmatcher): `*` and `?` stay within one path segment, `**`
// spans any number of segments, `[...]` classes and `\` escapes work, a
// leading `!` re-includes, a leading `/` is dropped, a pattern that matches a
// directory matches everything below it, and the last matching rule wins.
class IgnoreRules {
public:
  IgnoreRules() = default;

  // Parses ignore-file `text`; errors (class usage) name `source` and the line.
  static util::Result<IgnoreRules> parse(std::string_view text, const std::string& source);

  // Whether `path` (relative to the context root, '/'-separated, no leading
  // "./") is excluded from the context.
  bool excluded(std::string_view path) const;

  // Whether some `!` rule could re-include a path below directory `dir`: only
  // then must an excluded directory be walked at all.
  bool may_reinclude_below(std::string_view dir) const;

  bool
  empty() const
  {
    return m_patterns.empty();
  }

private:
  struct Pattern {
    std::string text;           // cleaned, without '!'
    bool exclusion = false;     // a "!" rule
    std::string literal_prefix; // text before the first wildcard
    std::regex regex;
  };

  bool matches(const Pattern& pattern, std::string_view path) const;

  std::vector<Pattern> m_patterns;
};

// filepath.Clean for '/'-separated relative paths: "a//b/./c/../d/" → "a/b/d".
std::string clean_path(std::string_view path);

} // namespace pma::context
