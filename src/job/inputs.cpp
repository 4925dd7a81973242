// What every platform's build sends besides its own options.
#include "inputs.hpp"

#include <pma/auth/credentials.hpp>
#include <pma/context/containerfile.hpp>
#include <pma/job/request.hpp>

#include <fmt/format.h>

#include "run_state.hpp"

namespace pma::job::detail {

const context::ContextPlan&
Inputs::context_for(const BuildOptions& options, const oci::Platform& platform) const
{
  return contexts.at(containerfile_for(options, platform));
}

namespace {

// Images the options name besides the Containerfiles' FROMs: --from, image
// build contexts, the layer cache (--cache-to pushes there).
void
add_option_images(const BuildOptions& options, std::vector<std::string>& images)
{
  for (const auto& setting : options.settings) {
    for (const auto& value : setting.values) {
      if (setting.option == libpod::BuildOption::from || setting.option == libpod::BuildOption::cache_from ||
          setting.option == libpod::BuildOption::cache_to) {
        images.push_back(value);
      } else if (setting.option == libpod::BuildOption::build_context && value.find("=image:") != std::string::npos) {
        images.push_back(value.substr(value.find("=image:") + 7));
      }
    }
  }
}

} // namespace

util::Result<Inputs>
prepare_inputs(const Run& run, const std::vector<PlatformResult>& platforms, const std::vector<std::string>& pulled)
{
  const BuildOptions& options = run.options;
  Inputs inputs;
  // Secrets travel in the context tar; the service moves them out of the
  // context before the build (and COPY would skip them: they are in excludes).
  std::vector<context::ExtraFile> secrets;
  for (size_t i = 0; i < options.secrets.size(); ++i) {
    const auto& secret = options.secrets[i];
    const std::string name = fmt::format(".podman-multiarch.secret-{}", i);
    secrets.push_back({name, secret.file, secret.value, 0600, /*secret=*/true});
    inputs.secret_specs.push_back(fmt::format("id={},src={},type=file", secret.id, name));
  }
  for (const auto& local : options.local_contexts) {
    // Only what the directory holds: its own ignore files are not applied, as by podman.
    PMA_TRY_ASSIGN(auto plan,
                   context::plan_context(local.directory, {"-", "FROM scratch\nCOPY . /\n", "/dev/null", {}}));
    inputs.local_context_plans.push_back(std::move(plan));
  }
  // One context plan per Containerfile (--platform-file may name others);
  // base-image pulls get the credentials of the images they name, and no others.
  std::vector<std::string> base_images;
  for (const auto& result : platforms) {
    if (result.state != Phase::queued) {
      continue;
    }
    const std::string containerfile = containerfile_for(options, result.platform);
    if (!inputs.contexts.contains(containerfile)) {
      context::ContextOptions context_options{containerfile, containerfile == "-" ? options.containerfile_text : "",
                                              options.ignore_file, secrets};
      PMA_TRY_ASSIGN(auto plan, context::plan_context(options.context_dir, context_options));
      run.progress().info(fmt::format("context {}: {} entries, {} bytes; {} excluded by {}", plan.root.string(),
                                      plan.entries.size(), plan.file_bytes, plan.excluded,
                                      plan.ignore_file.empty() ? "no ignore file" : plan.ignore_file));
      inputs.contexts.emplace(containerfile, std::move(plan));
    }
    const auto& plan = inputs.contexts.at(containerfile);
    auto args = options.build_args;
    if (const auto it = options.overrides.find(result.platform); it != options.overrides.end()) {
      for (const auto& [key, value] : it->second.build_args) {
        args[key] = value;
      }
    }
    for (auto& image : context::base_images(plan.containerfile_text, args)) {
      base_images.push_back(std::move(image));
    }
  }
  add_option_images(options, base_images);
  base_images.insert(base_images.end(), pulled.begin(), pulled.end());
  inputs.registry_config = run.credentials.header_for(base_images);
  if (!options.tags.empty()) {
    inputs.repository = options.tags.front();
    inputs.push_auth = run.credentials.header_for({inputs.repository.name()});
  }
  return inputs;
}

context::Compression
compression_for(const BuildOptions& options, const config::Host& host)
{
  if (options.compression) {
    return *options.compression;
  }
  if (host.url.scheme == transport::Scheme::unix_socket) {
    return {};
  }
  return {.kind = context::Compression::Kind::zstd};
}

} // namespace pma::job::detail
