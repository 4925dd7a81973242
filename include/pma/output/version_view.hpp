#pragma once

#include <pma/hosts/session.hpp>

#include <string>
#include <vector>

namespace pma::output {

// "0.1.0", or "0.1.0 (git REVISION)" when built from a checkout.
std::string version_string(const std::string& version, const std::string& revision);

// `version`: "Client:  podman-multiarch VERSION", then one "Server:" line per
// host that answered.
std::string version_text(const std::string& client_version, const std::vector<hosts::Probe>& probes);

// The same as JSON; "servers" (every host, with its error) only when
// `with_servers` (hosts were selected).
// "revision" is null when not built from a checkout.
std::string version_json(const std::string& client_version, const std::string& revision,
                         const std::vector<hosts::Probe>& probes, bool with_servers);

} // namespace pma::output
