#pragma once

#include <pma/hosts/session.hpp>
#include <pma/job/progress.hpp>
#include <pma/job/signer.hpp>
#include <pma/oci/reference.hpp>
#include <pma/registry/reader.hpp>
#include <pma/util/error.hpp>

#include <chrono>
#include <optional>

namespace pma::job {

// What the job reads from registries itself (the tags, before building and
// after publishing; the images `publish` is given): exact bytes, or nullopt
// where the tag does not exist.
class TagReader {
public:
  virtual ~TagReader() = default;
  virtual util::Result<std::optional<registry::Manifest>> read(const oci::ImageRef& tag) = 0;
  // The platform the config of `image` (repository@digest) states; nullopt
  // where the repository has no such manifest.
  virtual util::Result<std::optional<oci::Platform>> image_platform(const oci::ImageRef& image) = 0;
};

// The registries as this machine reads them (registry::Reader: GETs only).
class RegistryReader : public TagReader {
public:
  RegistryReader(const auth::CredentialStore& credentials, bool tls_verify);
  util::Result<std::optional<registry::Manifest>> read(const oci::ImageRef& tag) override;
  util::Result<std::optional<oci::Platform>> image_platform(const oci::ImageRef& image) override;

private:
  registry::Reader m_reader;
};

// How long the job waits for hosts in its last steps. Tests shorten them.
struct Timings {
  // Cleanup: each removal and all of them, after a normal end.
  std::chrono::milliseconds cleanup_budget = std::chrono::seconds(30);
  // The same after Ctrl-C, --timeout, or on a host that failed during the run.
  std::chrono::milliseconds cleanup_budget_cut = std::chrono::seconds(5);
  // podman cancels a build whose client went away between steps; a step that
  // was ending then still commits (under our name, for the last one): cleanup
  // waits this long after the last abandoned build.
  std::chrono::milliseconds settle = std::chrono::seconds(2);
};

// Everything the job reaches outside the process: the hosts (through a
// connector), the registry, and where it reports. run_build() with the real
// ones; unit tests pass fakes.
struct Environment {
  hosts::Connector& connector;
  TagReader& registry;
  Progress& progress;
  Timings timings{};
  // --sign-by-sigstore-private-key: lists go to a staging tag, are signed,
  // and the tags move last (null: lists are pushed to the tags by podman).
  ReleaseSigner* signer = nullptr;
};

} // namespace pma::job
