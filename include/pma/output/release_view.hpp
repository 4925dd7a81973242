#pragma once

#include <pma/bake/release_file.hpp>

#include <string>

namespace pma::output {

// bake --print: the resolved release as JSON, in a stable key order: the
// files read, the groups gone through, every target in build order with
// everything it builds with (secrets by id and source, never a value).
std::string release_json(const bake::LoadedRelease& release);

} // namespace pma::output
