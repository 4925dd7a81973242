// Go standard-library behaviours podman's ignore handling relies on (go_text.hpp),
// and Go's filepath.Clean (clean_path, ignore.hpp).
#include "go_text.hpp"

#include <pma/context/ignore.hpp>
#include <pma/util/strings.hpp>

#include <array>

namespace pma::context {

namespace detail {

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

} // namespace detail

using detail::decode_rune;
using detail::is_valid_utf8;
using detail::k_replacement;
using detail::k_rune_error;
using detail::Rune;

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

} // namespace pma::context
