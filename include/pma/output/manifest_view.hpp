#pragma once

#include <pma/libpod/client.hpp>

#include <string>

namespace pma::output {

// A manifest or list as `podman manifest inspect` prints it: JSON indented by
// four spaces, with <, > and & escaped as Go's encoder does; text that is not
// JSON unchanged. No newline at the end.
std::string podman_json(const std::string& body);

// What `podman manifest rm` prints: "Untagged: NAME" and "Deleted: ID" lines.
std::string removal_text(const libpod::RemoveReport& report);

} // namespace pma::output
