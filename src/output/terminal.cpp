#include <pma/output/terminal.hpp>
#include <pma/util/fs.hpp>

#include <unistd.h>

namespace pma::output {

bool
use_color(std::FILE* stream)
{
  if (!util::env("NO_COLOR").empty()) {
    return false;
  }
  const std::string force = util::env("CLICOLOR_FORCE");
  if (!force.empty() && force != "0") {
    return true;
  }
  const std::string term = util::env("TERM");
  return ::isatty(::fileno(stream)) != 0 && !term.empty() && term != "dumb";
}

std::string
paint(const std::string_view text, const Color color, const bool enabled)
{
  if (!enabled) {
    return std::string(text);
  }
  const char* code = "";
  switch (color) {
  case Color::red:
    code = "\033[31m";
    break;
  case Color::green:
    code = "\033[32m";
    break;
  case Color::yellow:
    code = "\033[33m";
    break;
  case Color::bold:
    code = "\033[1m";
    break;
  case Color::dim:
    code = "\033[2m";
    break;
  }
  return std::string(code) + std::string(text) + "\033[0m";
}

} // namespace pma::output
