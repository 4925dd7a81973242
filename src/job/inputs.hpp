#pragma once

// Private to src/job: what every platform's build sends besides its own
// options — the context plans, the secrets, the credential headers. Prepared
// once before the builds, read-only after.
#include <pma/context/context.hpp>
#include <pma/context/shared_tar.hpp>
#include <pma/job/run.hpp>
#include <pma/oci/reference.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pma::job::detail {

struct Run;

struct Inputs {
  std::map<std::string, context::ContextPlan> contexts;  // per Containerfile argument
  std::vector<context::ContextPlan> local_context_plans; // per options.local_contexts entry
  std::vector<std::string> secret_specs;                 // secrets= values
  oci::ImageRef repository;                              // -t #1: where per-arch images go
  std::string registry_config;                           // X-Registry-Config for base-image pulls
  std::string push_auth;                                 // X-Registry-Auth for `repository`
  // The compressed contexts, each made once and sent to every host.
  std::shared_ptr<context::SharedTars> tars = std::make_shared<context::SharedTars>();

  const context::ContextPlan& context_for(const BuildOptions& options, const oci::Platform& platform) const;
};

// How the context travels to `host`: --compress, or for auto zstd (its
// default level) to ssh and tcp hosts and nothing through a local socket,
// where compressing would only cost CPU.
context::Compression compression_for(const BuildOptions& options, const config::Host& host);

// Plans the contexts of the queued platforms of `platforms` and the headers;
// `pulled`: other images the builds pull (the release's targets they build from).
util::Result<Inputs> prepare_inputs(const Run& run, const std::vector<PlatformResult>& platforms,
                                    const std::vector<std::string>& pulled = {});

} // namespace pma::job::detail
