// Ignore rules: podman's parser and containers/storage's pattern matcher,
// ported from their Go description (see ignore.hpp for the semantics).
#include <pma/context/ignore.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <re2/re2.h>

#include "go_text.hpp"

namespace pma::context {

using detail::decode_rune;
using detail::Glob;
using detail::glob_match;
using detail::is_valid_utf8;
using detail::k_bom;
using detail::trim_space;
using util::ErrorClass;

namespace {

// --- The pattern → regular expression translation (fileutils compile()).

// The translation of `pattern` (valid UTF-8), or nothing for a trailing
// lone '\'. Context-free: it does not know about classes or groups.
std::optional<std::string>
to_regexp(const std::string_view pattern)
{
  std::string out = "^";
  // Go's text/scanner skips a byte order mark at the very start.
  size_t i = pattern.starts_with(k_bom) ? k_bom.size() : 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '*') {
      ++i;
      if (i < pattern.size() && pattern[i] == '*') {
        ++i;
        if (i < pattern.size() && pattern[i] == '/') {
          ++i; // "**/" is "**"
        }
        out += i == pattern.size() ? ".*" : "(.*/)?";
      } else {
        out += "[^/]*";
      }
    } else if (c == '?') {
      out += "[^/]";
      ++i;
    } else if (c == '.' || c == '$') {
      out += '\\';
      out += c;
      ++i;
    } else if (c == '\\') {
      ++i;
      if (i == pattern.size()) {
        return std::nullopt;
      }
      const size_t width = decode_rune(pattern.substr(i)).width;
      out += '\\';
      out += pattern.substr(i, width);
      i += width;
    } else {
      const size_t width = decode_rune(pattern.substr(i)).width;
      out += pattern.substr(i, width);
      i += width;
    }
  }
  return out + "(/.*)?$";
}

// RE2 reads `\C` as "any byte"; Go's regexp refuses it (outside \Q…\E).
bool
has_any_byte_escape(const std::string_view regexp)
{
  for (size_t i = 0; i + 1 < regexp.size(); ++i) {
    if (regexp[i] != '\\') {
      continue;
    }
    if (regexp[i + 1] == 'Q') {
      const size_t end = regexp.find("\\E", i + 2);
      if (end == std::string_view::npos) {
        return false;
      }
      i = end + 1;
    } else if (regexp[i + 1] == 'C') {
      return true;
    } else {
      ++i;
    }
  }
  return false;
}

bool
is_ascii_alnum(const char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void
drop_last_rune(std::string& text)
{
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) {
    text.pop_back();
  }
  if (!text.empty()) {
    text.pop_back();
  }
}

struct Anchor {
  std::string prefix;
  bool unanchored = false;
};

// What every match of `pattern` (valid UTF-8) starts with, read on the
// translation: characters that are literal both in the pattern and in the
// regular expression, up to the first one that is not. `+` and `{m,n}` make
// the character before them repeatable or optional, so it is dropped too.
// Any unescaped '|' may be a top-level alternation, whose right side the
// leading '^' does not anchor: then nothing is known.
Anchor
anchor_of(const std::string_view pattern)
{
  Anchor out;
  bool literal = true;
  size_t i = pattern.starts_with(k_bom) ? k_bom.size() : 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 == pattern.size()) {
        break;
      }
      const char next = pattern[i + 1];
      const size_t width = decode_rune(pattern.substr(i + 1)).width;
      // An escaped ASCII non-alphanumeric is itself in a regexp; `\d`, `\x41`,
      // `\Q` and the like are not literals.
      if (literal && width == 1 && !is_ascii_alnum(next)) {
        out.prefix += next;
      } else {
        literal = false;
      }
      i += 1 + width;
      continue;
    }
    const size_t width = decode_rune(pattern.substr(i)).width;
    if (c == '|') {
      out.unanchored = true;
    }
    if (literal) {
      if (c == '+' || c == '{') {
        drop_last_rune(out.prefix);
        literal = false;
      } else if (std::string_view("*?()[]^|").find(c) != std::string_view::npos) {
        literal = false;
      } else {
        out.prefix += pattern.substr(i, width); // '.' and '$' are escaped by the translation
      }
    }
    i += width;
  }
  return out;
}

} // namespace

util::Result<std::optional<IgnoreRules::Pattern>>
IgnoreRules::compile(const std::string_view line)
{
  const std::string_view trimmed = trim_space(line);
  if (trimmed.empty()) {
    return std::optional<Pattern>();
  }
  Pattern pattern;
  std::string text = clean_path(trimmed);
  if (text.front() == '!') {
    if (text.size() == 1) {
      return util::fail(ErrorClass::usage, "illegal exclusion pattern: \"!\"");
    }
    pattern.exclusion = true;
    text = clean_path(std::string_view(text).substr(1));
    if (text.starts_with('/')) {
      text.erase(0, 1);
    }
  }
  const auto syntax_error = [&line]() {
    return util::Unexpected(util::Error(ErrorClass::usage, fmt::format("syntax error in pattern \"{}\"", line),
                                        "classes must be closed and non-empty, and a '\\' must escape something"));
  };
  if (glob_match(text, ".") == Glob::bad_pattern) {
    return syntax_error();
  }
  const std::string valid = to_valid_utf8(text);
  const auto regexp = to_regexp(valid);
  if (!regexp) {
    return syntax_error();
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(*regexp, options);
  // Deliberately stricter than podman: podman accepts such a pattern here,
  // fails on it for the first path it matches while sending the context,
  // and the server then builds from whatever was sent before that.
  if (!regex->ok() || has_any_byte_escape(*regexp)) {
    return util::Unexpected(util::Error(
        ErrorClass::usage,
        fmt::format("invalid pattern \"{}\": {}", line, regex->ok() ? "invalid escape \\C" : regex->error()),
        "patterns become regular expressions: escape ( ) [ ] { } + | ^ with '\\' to match them literally"));
  }
  pattern.regex = std::move(regex);
  auto anchor = anchor_of(valid);
  pattern.literal_prefix = std::move(anchor.prefix);
  pattern.unanchored = anchor.unanchored;
  return std::optional<Pattern>(std::move(pattern));
}

util::Result<IgnoreRules>
IgnoreRules::parse(const std::string_view text, const std::string& source)
{
  IgnoreRules rules;
  size_t line_number = 0;
  for (const auto& raw : util::split(text, '\n')) {
    ++line_number;
    if (raw.empty() || raw.front() == '#') {
      continue;
    }
    // Trimmed of '/' before anything else, so "/foo" means "foo" (buildah's
    // reading; podman-remote's client would keep the '/').
    const size_t first = raw.find_first_not_of('/');
    if (first == std::string::npos) {
      continue;
    }
    const std::string line = raw.substr(first, raw.find_last_not_of('/') - first + 1);
    auto pattern = compile(line);
    if (!pattern) {
      util::Error error = std::move(pattern).error();
      error.message = fmt::format("{}:{}: {}", source, line_number, error.message);
      return util::Unexpected(std::move(error));
    }
    rules.m_lines.push_back(to_valid_utf8(line));
    if (*pattern) {
      rules.m_patterns.push_back(std::move(**pattern));
    }
  }
  return rules;
}

bool
IgnoreRules::matches(const Pattern& pattern, const std::string_view valid_path)
{
  return RE2::PartialMatch(valid_path, *pattern.regex);
}

bool
IgnoreRules::excluded(const std::string_view path) const
{
  std::string copy;
  const std::string_view valid = is_valid_utf8(path) ? path : std::string_view(copy = to_valid_utf8(path));
  bool matched = false;
  for (const auto& pattern : m_patterns) {
    // Only a rule that can change the verdict needs evaluating.
    if (pattern.exclusion != matched) {
      continue;
    }
    if (matches(pattern, valid)) {
      matched = !pattern.exclusion;
    }
  }
  return matched;
}

bool
IgnoreRules::reincludes(const std::string_view path) const
{
  const std::string valid = to_valid_utf8(path);
  return std::any_of(m_patterns.begin(), m_patterns.end(),
                     [&valid](const Pattern& pattern) { return pattern.exclusion && matches(pattern, valid); });
}

bool
IgnoreRules::may_reinclude_below(const std::string_view dir) const
{
  const std::string below = to_valid_utf8(dir) + "/";
  return std::any_of(m_patterns.begin(), m_patterns.end(), [&below](const Pattern& pattern) {
    const std::string& prefix = pattern.literal_prefix;
    return pattern.exclusion && (pattern.unanchored || prefix.starts_with(below) || below.starts_with(prefix));
  });
}

} // namespace pma::context
