#pragma once

// Private to src/cli: the build command line read into job::BuildOptions
// (build_options.cpp), and the `podman build` options that `build` forwards
// to the hosts (build_flags.cpp).
#include <pma/cli/command.hpp>
#include <pma/job/run.hpp>
#include <pma/util/error.hpp>

#include <string>
#include <vector>

namespace pma::cli {

// Every check that needs no host, in the order the command has always made
// them; the forwarded options last.
util::Result<job::BuildOptions> build_options(const Invocation& call);

// podman build's forwarded options, with podman's names and syntax.
std::vector<Option> podman_build_options();

// Reads them into options.settings, validated and normalised the way podman's
// CLI does before it sends them (values from the environment resolved here).
util::Result<void> read_podman_build_flags(const cxxopts::ParseResult& parsed, job::BuildOptions& options);

} // namespace pma::cli
