#pragma once

#include <pma/util/error.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace pma::context {

// The rules of a .containerignore / .dockerignore file, with exactly the
// semantics `podman build` applies (buildah's imagebuilder.ParseIgnore, then
// containers/storage's fileutils.PatternMatcher):
//
// * Lines are split on "\n". A line is skipped if it is empty or its first
//   byte is '#' ("  # x" is a pattern); leading and trailing '/' are removed.
// * Each pattern is trimmed of Unicode white space (Go's strings.TrimSpace),
//   cleaned like Go's filepath.Clean, and a leading '!' makes it re-include.
// * A pattern is turned into a regular expression: `**` spans directories,
//   `*` and `?` stay within one segment, `.` and `$` are literal, `\` passes
//   the next character through, and every other character keeps its regexp
//   meaning: `[!a]` is the class {!, a}, `a+b` matches "aab", `a|b` is an
//   unanchored alternation. A pattern matches a path and everything below it.
// * The last matching pattern decides: a plain one excludes, a '!' one keeps.
//
// Invalid UTF-8 in patterns and paths is read as U+FFFD, byte by byte, as Go
// reads it. Paths are relative to the context root, '/'-separated, without
// "./".
class IgnoreRules {
public:
  IgnoreRules() = default;

  // Parses ignore-file `text`. Errors (class usage) start with
  // "<source>:<line>: ": an exclusion without a pattern, a pattern Go's
  // filepath.Match rejects, or one whose regular expression is invalid.
  static util::Result<IgnoreRules> parse(std::string_view text, const std::string& source);

  // The patterns as the file parser leaves them (before trimming, cleaning
  // and '!' handling), in file order, invalid UTF-8 replaced by U+FFFD: what
  // the build endpoint's `excludes=` must carry for the server to apply the
  // same rules (it reads U+FFFD where it would read the invalid bytes).
  const std::vector<std::string>&
  patterns() const
  {
    return m_lines;
  }

  // Whether `path` is excluded from the context.
  bool excluded(std::string_view path) const;

  // Whether some '!' rule matches `path` (whatever comes after it).
  bool reincludes(std::string_view path) const;

  // Whether some '!' rule could match a path below directory `dir`: false
  // only when none can, so an excluded directory needs no walking. May say
  // true when nothing below could match (it looks at literal prefixes only).
  bool may_reinclude_below(std::string_view dir) const;

  // No pattern takes part in matching.
  bool
  empty() const
  {
    return m_patterns.empty();
  }

private:
  struct Pattern {
    bool exclusion = false; // a '!' rule
    // Every path the pattern matches starts with this (valid UTF-8)…
    std::string literal_prefix;
    // …unless an unescaped '|' makes the expression match anywhere.
    bool unanchored = false;
    std::shared_ptr<const re2::RE2> regex; // shared: the rules are copied, RE2 is not copyable
  };

  // The pattern of one parsed line; nothing for a blank one. Errors carry
  // no "<source>:<line>: " prefix.
  static util::Result<std::optional<Pattern>> compile(std::string_view line);
  static bool matches(const Pattern& pattern, std::string_view valid_path);

  std::vector<std::string> m_lines;
  std::vector<Pattern> m_patterns;
};

// Go's filepath.Clean for '/'-separated paths: "a//b/./c/../d/" → "a/b/d",
// "" → ".", "/.." → "/", "../a" stays.
std::string clean_path(std::string_view path);

// `text` with each byte that does not start a valid UTF-8 sequence replaced
// by U+FFFD, as Go's decoders read it.
std::string to_valid_utf8(std::string_view text);

} // namespace pma::context
