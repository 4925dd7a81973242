#pragma once

#include <pma/config/host.hpp>
#include <pma/hosts/session.hpp>

#include <string>
#include <vector>

namespace pma::output {

// `hosts`: name, redacted URL, declared platforms, origin.
std::string hosts_table(const std::vector<config::Host>& hosts);
std::string hosts_json(const std::vector<config::Host>& hosts);

// `hosts check`: one row per probe.
std::string probes_table(const std::vector<hosts::Probe>& probes, bool color);
std::string probes_json(const std::vector<hosts::Probe>& probes);

} // namespace pma::output
