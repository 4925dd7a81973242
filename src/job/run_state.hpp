#pragma once

// Private to src/job: what every part of one run shares, read-only once the
// run has started.
#include <pma/job/environment.hpp>
#include <pma/job/run.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace pma::job::detail {

struct Run {
  const BuildOptions& options;
  const auth::CredentialStore& credentials;
  Environment& env;
  // "<unix seconds>-<random>": in every name this run gives on a host, so that
  // a later run can tell an abandoned name's age (names.cpp).
  std::string id;
  // The release target this part builds ("" for `build`), and how the names
  // it gives on hosts tell it from the others ("" for `build`).
  std::string target;
  std::string name_part;
  // Other targets build FROM its images: each stays on its host after its
  // push (they may use it there) until the run's cleanup.
  bool keep_images = false;

  // The KIND of the names it gives: "build", or "build-app" in a release.
  std::string
  kind(const std::string_view what) const
  {
    return name_part.empty() ? std::string(what) : std::string(what) + "-" + name_part;
  }

  Progress&
  progress() const
  {
    return env.progress;
  }
  // Whether the run pushes a list (neither --no-push nor without tags).
  bool
  publishes() const
  {
    return !options.no_push && !options.tags.empty();
  }
  // Whether the run assembles a list (a fragment does not: `publish` will).
  bool
  lists() const
  {
    return publishes() && !options.fragment;
  }
  // Runs `attempt` under --retry, counting and announcing each retry in `retries`.
  util::Result<void> with_retries(const std::string& what, int& retries,
                                  const std::function<util::Result<void>()>& attempt) const;
};

// A new run's id.
std::string new_run_id();

} // namespace pma::job::detail
