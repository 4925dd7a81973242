#pragma once

// Private to src/cli: the `podman build` options that `build` forwards to
// the hosts (build_flags.cpp), beside build_cmd.cpp's own.
#include <pma/cli/cxxopts.hpp>
#include <pma/job/run.hpp>
#include <pma/util/error.hpp>

namespace pma::cli {

// Adds podman build's forwarded options, with podman's names and syntax.
void add_podman_build_flags(cxxopts::Options& options);

// Reads them into options.settings, validated and normalised the way podman's
// CLI does before it sends them (values from the environment resolved here).
util::Result<void> read_podman_build_flags(const cxxopts::ParseResult& parsed, job::BuildOptions& options);

// --build-arg-file and --build-arg, in podman's order and syntax: files first,
// then each KEY=VALUE; a bare KEY takes the client's environment, and an unset
// one is left out so that the Containerfile's default applies.
util::Result<std::map<std::string, std::string>> build_args(const std::vector<std::string>& files,
                                                            const std::vector<std::string>& args);

} // namespace pma::cli
