#pragma once

#include <pma/hosts/session.hpp>

#include <string>
#include <vector>

namespace pma::output {

// `version`: "Client:  podman-multiarch VERSION", then one "Server:" line per
// host that answered.
std::string version_text(const std::string& client_version, const std::vector<hosts::Probe>& probes);

// The same as JSON; "servers" (every host, with its error) only when
// `with_servers` (hosts were selected).
std::string version_json(const std::string& client_version, const std::vector<hosts::Probe>& probes, bool with_servers);

} // namespace pma::output
