#include <pma/context/ignore.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pma::context {

using util::ErrorClass;

namespace {

// Docker's pattern → regular expression translation (patternmatcher.compile).
util::Result<std::string>
to_regex(const std::string& pattern)
{
  std::string out = "^";
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '*') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
        ++i;
        if (i + 1 < pattern.size() && pattern[i + 1] == '/') {
          ++i; // "**/" is "**"
        }
        out += i + 1 == pattern.size() ? ".*" : "(.*/)?";
      } else {
        out += "[^/]*";
      }
    } else if (c == '?') {
      out += "[^/]";
    } else if (c == '\\') {
      if (i + 1 == pattern.size()) {
        return util::fail(ErrorClass::usage, "pattern ends with a lone '\\'");
      }
      ++i;
      out += '\\';
      out += pattern[i];
    } else if (c == '[') {
      const size_t close = pattern.find(']', i + 1);
      if (close == std::string::npos) {
        return util::fail(ErrorClass::usage, "unterminated '[' in pattern");
      }
      std::string cls = pattern.substr(i + 1, close - i - 1);
      if (!cls.empty() && cls.front() == '!') {
        cls.front() = '^'; // Go's [!a] and [^a] both negate
      }
      out += '[' + cls + ']';
      i = close;
    } else if (std::string_view(".+()|{}$^").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out + "$";
}

} // namespace

std::string
clean_path(const std::string_view path)
{
  std::vector<std::string> parts;
  for (const auto& part : util::split(path, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!path.starts_with('/')) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  if (parts.empty()) {
    return path.starts_with('/') ? "/" : ".";
  }
  return (path.starts_with('/') ? "/" : "") + util::join(parts, "/");
}

util::Result<IgnoreRules>
IgnoreRules::parse(const std::string_view text, const std::string& source)
{
  IgnoreRules rules;
  int line_number = 0;
  for (const auto& raw_line : util::split(text, '\n')) {
    ++line_number;
    std::string line(util::trim(raw_line));
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    Pattern pattern;
    if (line.starts_with('!')) {
      pattern.exclusion = true;
      line = std::string(util::trim(std::string_view(line).substr(1)));
      if (line.empty()) {
        return util::fail(ErrorClass::usage, fmt::format("{}:{}: '!' without a pattern", source, line_number));
      }
    }
    line = clean_path(line);
    if (line.size() > 1 && line.starts_with('/')) {
      line.erase(0, 1);
    }
    pattern.text = line;
    pattern.literal_prefix = line.substr(0, line.find_first_of("*?[\\"));
    auto regex = to_regex(line);
    if (!regex) {
      return util::fail(ErrorClass::usage,
                        fmt::format("{}:{}: {}: {}", source, line_number, regex.error().message, raw_line));
    }
    try {
      pattern.regex = std::regex(*regex, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return util::fail(ErrorClass::usage,
                        fmt::format("{}:{}: invalid pattern '{}': {}", source, line_number, raw_line, e.what()));
    }
    rules.m_patterns.push_back(std::move(pattern));
  }
  return rules;
}

bool
IgnoreRules::matches(const Pattern& pattern, const std::string_view path) const
{
  if (std::regex_match(path.begin(), path.end(), pattern.regex)) {
    return true;
  }
  // A rule that matches a parent directory matches everything below it.
  for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
    const std::string_view parent = path.substr(0, slash);
    if (std::regex_match(parent.begin(), parent.end(), pattern.regex)) {
      return true;
    }
  }
  return false;
}

bool
IgnoreRules::excluded(const std::string_view path) const
{
  bool matched = false;
  for (const auto& pattern : m_patterns) {
    // Only a rule that can change the verdict needs evaluating.
    if (pattern.exclusion != matched) {
      continue;
    }
    if (matches(pattern, path)) {
      matched = !pattern.exclusion;
    }
  }
  return matched;
}

bool
IgnoreRules::may_reinclude_below(const std::string_view dir) const
{
  const std::string below = std::string(dir) + "/";
  return std::any_of(m_patterns.begin(), m_patterns.end(), [&below](const Pattern& pattern) {
    const std::string& prefix = pattern.literal_prefix;
    return pattern.exclusion && (prefix.starts_with(below) || below.starts_with(prefix));
  });
}

} // namespace pma::context
