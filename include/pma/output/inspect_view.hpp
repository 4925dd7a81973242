#pragma once

#include <pma/app/inspect.hpp>

#include <cstdint>
#include <string>

namespace pma::output {

// Header line, optional index annotations, then PLATFORM DIGEST SIZE
// ANNOTATIONS; what the source cannot tell is "n/a".
std::string inspect_table(const app::Inspection& view);

// A stable JSON shape; unknown values are null.
std::string inspect_json(const app::Inspection& view);

// Byte counts as podman prints them: 3 significant digits, decimal units
// ("570B", "1.15kB", "12.3MB").
std::string human_size(int64_t bytes);

} // namespace pma::output
