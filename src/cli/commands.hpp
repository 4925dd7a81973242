#pragma once

// Private to src/cli: each command's table entry, defined in its own file.
#include <pma/cli/command.hpp>

namespace pma::cli {

Command build_command();                 // build_cmd.cpp
Command bake_command();                  // bake_cmd.cpp
Command publish_command();               // publish_cmd.cpp
Command hosts_command();                 // hosts_cmd.cpp
Command inspect_command();               // inspect_cmd.cpp
Command manifest_command();              // manifest_cmd.cpp
Command version_command();               // version_cmd.cpp
Command completion_command();            // completion_cmd.cpp
Command generate_sigstore_key_command(); // sign_cmd.cpp

} // namespace pma::cli
