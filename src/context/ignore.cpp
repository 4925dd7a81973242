// Ignore rules: podman's parser and containers/storage's pattern matcher,
// ported from their Go description (see ignore.hpp for the semantics).
#include <pma/context/ignore.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <re2/re2.h>

namespace pma::context {

using util::ErrorClass;

namespace {

constexpr char32_t k_rune_error = 0xFFFD;
constexpr std::string_view k_replacement = "\xEF\xBF\xBD"; // U+FFFD
constexpr std::string_view k_bom = "\xEF\xBB\xBF";         // U+FEFF

struct Rune {
  char32_t value;
  size_t width; // 0 only for empty input
};

// Go's utf8.DecodeRuneInString: an invalid or truncated sequence, an
// overlong form or a surrogate reads as U+FFFD of width 1.
Rune
decode_rune(const std::string_view s)
{
  if (s.empty()) {
    return {k_rune_error, 0};
  }
  const auto byte = [&s](const size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) {
    return {b0, 1};
  }
  size_t width = 0;
  unsigned char low = 0x80; // range of the second byte
  unsigned char high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    width = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    width = 3;
    low = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    high = b0 == 0xED ? 0x9F : 0xBF; // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    width = 4;
    low = b0 == 0xF0 ? 0x90 : 0x80;
    high = b0 == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
  } else {
    return {k_rune_error, 1};
  }
  if (s.size() < width || byte(1) < low || byte(1) > high) {
    return {k_rune_error, 1};
  }
  char32_t value = b0 & (0x7F >> width);
  for (size_t i = 1; i < width; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) {
      return {k_rune_error, 1};
    }
    value = (value << 6) | (byte(i) & 0x3F);
  }
  return {value, width};
}

bool
is_valid_utf8(const std::string_view text)
{
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const Rune rune = decode_rune(text.substr(i));
    if (rune.value == k_rune_error && rune.width == 1) {
      return false;
    }
    i += rune.width;
  }
  return true;
}

// Go's unicode.IsSpace, encoded: strings.TrimSpace removes these from both
// ends (U+FEFF and U+200B are not among them).
constexpr std::array<std::string_view, 25> k_spaces = {
    "\t",           "\n",           "\v",           "\f",           "\r",           " ",
    "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82",
    "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88",
    "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F",
    "\xE3\x80\x80",
};

// A whole encoded space rune is the only way a decoder finds one at either
// end, so comparing bytes is enough.
std::string_view
trim_space(std::string_view text)
{
  for (bool trimmed = true; trimmed;) {
    trimmed = false;
    for (const auto space : k_spaces) {
      if (text.starts_with(space)) {
        text.remove_prefix(space.size());
        trimmed = true;
      }
    }
  }
  for (bool trimmed = true; trimmed;) {
    trimmed = false;
    for (const auto space : k_spaces) {
      if (text.ends_with(space)) {
        text.remove_suffix(space.size());
        trimmed = true;
      }
    }
  }
  return text;
}

// --- Go's filepath.Match, as far as NewPatternMatcher uses it: its
// Match(pattern, ".") call is the early syntax check, and which patterns
// fail there depends on how far the matching gets before it gives up.

enum class Glob { match, no_match, bad_pattern };

struct Chunk {
  bool star = false;      // preceded by one or more '*'
  std::string_view text;  // literals, '?', classes and escapes, up to the next '*'
  std::string_view after; // the rest of the pattern
};

Chunk
scan_chunk(std::string_view pattern)
{
  Chunk chunk;
  while (!pattern.empty() && pattern.front() == '*') {
    pattern.remove_prefix(1);
    chunk.star = true;
  }
  bool in_class = false;
  size_t i = 0;
  for (; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size()) {
        ++i; // an escaped character never ends the chunk
      }
    } else if (c == '[') {
      in_class = true;
    } else if (c == ']') {
      in_class = false;
    } else if (c == '*' && !in_class) {
      break;
    }
  }
  chunk.text = pattern.substr(0, i);
  chunk.after = pattern.substr(i);
  return chunk;
}

struct ClassChar {
  char32_t value = 0;
  std::string_view rest;
  bool ok = false;
};

// One possibly escaped character of a class (getEsc): never '-' or ']'
// unescaped, never invalid UTF-8, and the class must go on after it.
ClassChar
class_char(std::string_view chunk)
{
  ClassChar out;
  if (chunk.empty() || chunk.front() == '-' || chunk.front() == ']') {
    return out;
  }
  if (chunk.front() == '\\') {
    chunk.remove_prefix(1);
    if (chunk.empty()) {
      return out;
    }
  }
  const Rune rune = decode_rune(chunk);
  out.value = rune.value;
  out.rest = chunk.substr(rune.width);
  out.ok = !(rune.value == k_rune_error && rune.width == 1) && !out.rest.empty();
  return out;
}

struct ChunkMatch {
  Glob result = Glob::no_match;
  std::string_view rest; // of the name, after a match
};

// Whether `chunk` matches the start of `name`. After a mismatch it goes on
// checking the chunk's syntax without reading the name.
ChunkMatch
match_chunk(std::string_view chunk, std::string_view name)
{
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && name.empty()) {
      failed = true;
    }
    const char c = chunk.front();
    if (c == '[') {
      char32_t r = 0;
      if (!failed) {
        const Rune rune = decode_rune(name);
        r = rune.value;
        name.remove_prefix(rune.width);
      }
      chunk.remove_prefix(1);
      bool negated = false;
      if (!chunk.empty() && chunk.front() == '^') {
        negated = true;
        chunk.remove_prefix(1);
      }
      bool in_class = false;
      for (size_t ranges = 0;; ++ranges) {
        if (!chunk.empty() && chunk.front() == ']' && ranges > 0) {
          chunk.remove_prefix(1);
          break;
        }
        const ClassChar low = class_char(chunk);
        if (!low.ok) {
          return {Glob::bad_pattern, {}};
        }
        chunk = low.rest;
        char32_t high = low.value;
        if (chunk.front() == '-') {
          const ClassChar upper = class_char(chunk.substr(1));
          if (!upper.ok) {
            return {Glob::bad_pattern, {}};
          }
          high = upper.value;
          chunk = upper.rest;
        }
        in_class = in_class || (low.value <= r && r <= high);
      }
      if (in_class == negated) {
        failed = true;
      }
      continue;
    }
    if (c == '?') {
      if (!failed) {
        failed = name.front() == '/';
        name.remove_prefix(decode_rune(name).width);
      }
      chunk.remove_prefix(1);
      continue;
    }
    if (c == '\\') {
      chunk.remove_prefix(1);
      if (chunk.empty()) {
        return {Glob::bad_pattern, {}};
      }
    }
    if (!failed) {
      failed = chunk.front() != name.front();
      name.remove_prefix(1);
    }
    chunk.remove_prefix(1);
  }
  if (failed) {
    return {Glob::no_match, {}};
  }
  return {Glob::match, name};
}

Glob
glob_match(std::string_view pattern, std::string_view name)
{
  while (!pattern.empty()) {
    const Chunk chunk = scan_chunk(pattern);
    pattern = chunk.after;
    if (chunk.star && chunk.text.empty()) {
      return name.find('/') == std::string_view::npos ? Glob::match : Glob::no_match;
    }
    const ChunkMatch here = match_chunk(chunk.text, name);
    if (here.result == Glob::match && (here.rest.empty() || !pattern.empty())) {
      name = here.rest;
      continue;
    }
    if (here.result == Glob::bad_pattern) {
      return Glob::bad_pattern;
    }
    bool advanced = false;
    if (chunk.star) {
      // The star takes 1, 2, … more characters, never a '/'.
      for (size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
        const ChunkMatch later = match_chunk(chunk.text, name.substr(i + 1));
        if (later.result == Glob::match) {
          if (pattern.empty() && !later.rest.empty()) {
            continue;
          }
          name = later.rest;
          advanced = true;
          break;
        }
        if (later.result == Glob::bad_pattern) {
          return Glob::bad_pattern;
        }
      }
    }
    if (!advanced) {
      // Go stops here: the rest of the pattern is never checked.
      return Glob::no_match;
    }
  }
  return name.empty() ? Glob::match : Glob::no_match;
}

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

std::string
to_valid_utf8(const std::string_view text)
{
  if (is_valid_utf8(text)) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    const Rune rune = decode_rune(text.substr(i));
    if (rune.value == k_rune_error && rune.width == 1) {
      out += k_replacement;
    } else {
      out += text.substr(i, rune.width);
    }
    i += rune.width;
  }
  return out;
}

std::string
clean_path(const std::string_view path)
{
  const bool rooted = path.starts_with('/');
  std::vector<std::string> parts;
  for (auto& part : util::split(path, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(std::move(part));
      }
      continue;
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) {
    return rooted ? "/" : ".";
  }
  return (rooted ? "/" : "") + util::join(parts, "/");
}

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
