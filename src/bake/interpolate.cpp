// ${VAR} in release files (interpolate.hpp): one reader for both formats,
// compose's rules (its spec's 12-interpolation.md) where they differ.
#include "interpolate.hpp"

#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace pma::bake::detail {

using util::Result;

namespace {

bool
name_start(const char c)
{
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool
name_char(const char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// The position of the '}' that closes a "${" whose content starts at `from`
// (nested "${…}" skipped, "$$" literal), or npos.
size_t
closing_brace(const std::string_view text, size_t from)
{
  int depth = 0;
  for (size_t i = from; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && (text[i + 1] == '$' || text[i + 1] == '{')) {
      depth += text[i + 1] == '{' ? 1 : 0;
      ++i;
    } else if (text[i] == '}') {
      if (depth == 0) {
        return i;
      }
      --depth;
    }
  }
  return std::string_view::npos;
}

class Interpolator {
public:
  Interpolator(const Text& text, const Interpolation& how)
    : m_text(text)
    , m_how(how)
  {
  }

  Result<std::string>
  run(const std::string_view text) const
  {
    std::string out;
    for (size_t i = 0; i < text.size();) {
      const char next = i + 1 < text.size() ? text[i + 1] : '\0';
      if (text[i] == '$' && next == '$') {
        out += '$';
        i += 2;
      } else if (text[i] == '$' && next == '{') {
        const size_t close = closing_brace(text, i + 2);
        if (close == std::string_view::npos) {
          return error(fmt::format("'{}': '${{' without its '}}'", text.substr(i)));
        }
        PMA_TRY_ASSIGN(const auto value, braced(text.substr(i + 2, close - i - 2)));
        out += value;
        i = close + 1;
      } else if (text[i] == '$' && m_how.compose && name_start(next)) {
        size_t end = i + 1;
        while (end < text.size() && name_char(text[end])) {
          ++end;
        }
        PMA_TRY_ASSIGN(const auto value, lookup(text.substr(i + 1, end - i - 1)));
        out += value ? *value : undefined(text.substr(i + 1, end - i - 1));
        i = end;
      } else {
        out += text[i++]; // a '$' before anything else stays, as in compose
      }
    }
    return out;
  }

private:
  // The inside of ${…}: NAME, then nothing, :-, -, :? or ?, then the rest.
  Result<std::string>
  braced(const std::string_view inside) const
  {
    size_t end = 0;
    while (end < inside.size() && name_char(inside[end])) {
      ++end;
    }
    const std::string_view name = inside.substr(0, end);
    if (name.empty() || !name_start(name.front())) {
      return error(fmt::format("'${{{}}}' is not a variable reference (${{NAME}}, ${{NAME:-default}})", inside));
    }
    const std::string_view rest = inside.substr(end);
    PMA_TRY_ASSIGN(const auto value, lookup(name));
    if (rest.empty()) {
      if (value) {
        return *value;
      }
      if (!m_how.compose) {
        return error(fmt::format("undefined variable '{}'{}", name, util::did_you_mean(name, m_how.known)),
                     fmt::format("declare it under variables:, or give a default: ${{{}:-…}}", name));
      }
      return undefined(name);
    }
    const bool colon = rest.front() == ':';
    const std::string_view op = rest.substr(colon ? 1 : 0, 1);
    const std::string_view argument = rest.substr(colon ? 2 : 1);
    const bool missing = !value || (colon && value->empty());
    if (op == "-") {
      return missing ? run(argument) : Result<std::string>(*value);
    }
    if (op == "?") {
      if (!missing) {
        return *value;
      }
      PMA_TRY_ASSIGN(const auto message, run(argument));
      return error(fmt::format("required variable {} is {}{}", name, value ? "empty" : "not set",
                               message.empty() ? "" : ": " + message));
    }
    return error(fmt::format("'${{{}}}': unsupported (only ${{NAME}}, ${{NAME:-default}}, ${{NAME-default}}, "
                             "${{NAME:?message}}, ${{NAME?message}})",
                             inside));
  }

  Result<std::optional<std::string>>
  lookup(const std::string_view name) const
  {
    return m_how.lookup(name);
  }

  // Compose: "" and a warning.
  std::string
  undefined(const std::string_view name) const
  {
    if (m_how.warnings != nullptr) {
      m_how.warnings->push_back(
          fmt::format("{}: variable {} is not set: an empty string is used", where(m_text.where), name));
    }
    return {};
  }

  util::Unexpected
  error(const std::string& message, const std::string& hint = {}) const
  {
    return error_at(m_text.where, message, hint);
  }

  const Text& m_text;
  const Interpolation& m_how;
};

// A .env value: quotes removed ('…' verbatim, "…" with \n and \" escapes),
// an unquoted one ends at " #".
std::string
dotenv_value(std::string_view value)
{
  value = util::trim(value);
  if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"')) {
    const char quote = value.front();
    const size_t close = value.find(quote, 1);
    if (close != std::string_view::npos) {
      const std::string_view inside = value.substr(1, close - 1);
      if (quote == '\'') {
        return std::string(inside);
      }
      std::string out;
      for (size_t i = 0; i < inside.size(); ++i) {
        if (inside[i] == '\\' && i + 1 < inside.size()) {
          const char next = inside[++i];
          out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
        } else {
          out += inside[i];
        }
      }
      return out;
    }
  }
  if (const size_t comment = value.find(" #"); comment != std::string_view::npos) {
    value = util::trim(value.substr(0, comment));
  }
  return std::string(value);
}

} // namespace

Result<std::string>
interpolate(const Text& text, const Interpolation& how)
{
  return Interpolator(text, how).run(text.value);
}

Result<std::map<std::string, std::string>>
read_dotenv(const std::filesystem::path& path)
{
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return out;
  }
  PMA_TRY_ASSIGN(const auto text, util::read_file(path));
  int number = 0;
  for (const auto& raw : util::split(text, '\n')) {
    ++number;
    std::string_view line = util::trim(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (line.starts_with("export ")) {
      line = util::trim(line.substr(7));
    }
    const size_t eq = line.find('=');
    const std::string_view key = util::trim(line.substr(0, eq));
    if (eq == std::string_view::npos || key.empty() || !name_start(key.front()) ||
        !std::all_of(key.begin(), key.end(), [](char c) { return name_char(c) || c == '.' || c == '-'; })) {
      return error_at({path.string(), number, 1}, fmt::format("'{}' is not KEY=VALUE", line));
    }
    out[std::string(key)] = dotenv_value(line.substr(eq + 1));
  }
  return out;
}

Variables::Variables(std::vector<Variable> declared)
  : m_declared(std::move(declared))
{
}

Interpolation
Variables::scope(const std::map<std::string, std::string>& matrix) const
{
  Interpolation how;
  how.lookup = [this, matrix](const std::string_view name) -> Result<std::optional<std::string>> {
    if (const auto it = matrix.find(std::string(name)); it != matrix.end()) {
      return std::optional(it->second);
    }
    return value(name);
  };
  for (const auto& [name, value] : matrix) {
    how.known.push_back(name);
  }
  for (const auto& variable : m_declared) {
    how.known.push_back(variable.name);
  }
  return how;
}

Result<std::optional<std::string>>
Variables::value(const std::string_view name) const
{
  if (const auto it = m_resolved.find(name); it != m_resolved.end()) {
    return std::optional(it->second);
  }
  const auto declared = std::find_if(m_declared.begin(), m_declared.end(),
                                     [name](const Variable& variable) { return variable.name == name; });
  if (declared == m_declared.end()) {
    return std::optional<std::string>();
  }
  if (const char* from_env = std::getenv(declared->name.c_str()); from_env != nullptr) {
    return std::optional<std::string>(from_env);
  }
  if (std::find(m_resolving.begin(), m_resolving.end(), name) != m_resolving.end()) {
    auto names = m_resolving;
    names.emplace_back(name);
    const std::string cycle = util::join(names, " → ");
    return error_at(declared->value.where, fmt::format("variables refer to each other in a cycle: {}", cycle));
  }
  m_resolving.emplace_back(name);
  auto resolved = interpolate(declared->value, scope({}));
  m_resolving.pop_back();
  if (!resolved) {
    return util::Unexpected(std::move(resolved).error());
  }
  m_resolved.emplace(std::string(name), *resolved);
  return std::optional(*resolved);
}

} // namespace pma::bake::detail
