#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace pma::output {

// Whether to colour output written to `stream`: a terminal, TERM not "dumb",
// NO_COLOR unset (https://no-color.org); CLICOLOR_FORCE forces it on.
bool use_color(std::FILE* stream);

enum class Color { red, green, yellow, bold, dim };

// `text` wrapped in the ANSI sequence for `color` when `enabled`.
std::string paint(std::string_view text, Color color, bool enabled);

} // namespace pma::output
