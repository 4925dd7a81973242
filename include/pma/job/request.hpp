#pragma once

#include <pma/job/run.hpp>
#include <pma/libpod/client.hpp>

#include <optional>
#include <string>
#include <string_view>

// What one platform's build sends to its host: the options of the run, that
// platform's overrides, and what the host's podman version needs.
namespace pma::job {

// The request for `platform` on a host with `caps`, short of the context
// (containerfile, excludes) and the credentials, which the caller adds.
libpod::BuildRequest build_request(const BuildOptions& options, const oci::Platform& platform,
                                   const libpod::Capabilities& caps);

// The Containerfile argument (-f, or --platform-file) `platform` builds with.
std::string containerfile_for(const BuildOptions& options, const oci::Platform& platform);

// Why a host with `caps` cannot build `platform` as asked ("--volume needs podman
// 4.4 or newer (this host runs 4.3.1)"); empty if it can.
std::string unsupported_on(const BuildOptions& options, const oci::Platform& platform,
                           const libpod::Capabilities& caps);

// --pull as the host's podman reads it: "false" is missing before 5.0, never since.
std::string pull_policy_for(const std::string& pull, const libpod::Version& version);

// platform= as podman's CLI sends it: as --platform wrote it, else without
// the variant a platform implies (linux/arm64, not linux/arm64/v8).
std::string platform_text(const BuildOptions& options, const oci::Platform& platform);

// A build log line as shown: podman 4.1–4.4 services add TARGETOS, TARGETARCH,
// TARGETVARIANT and TARGETPLATFORM to every build for a platform, then warn that
// a Containerfile not declaring them did not consume them. That noise is
// dropped (the user's own unused arguments are still named); nullopt: hide it.
std::optional<std::string> shown_build_line(std::string_view line);

} // namespace pma::job
