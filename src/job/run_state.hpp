#pragma once

// Private to src/job: what every part of one run shares, read-only once the
// run has started.
#include <pma/job/environment.hpp>
#include <pma/job/run.hpp>

#include <functional>
#include <string>

namespace pma::job::detail {

struct Run {
  const BuildOptions& options;
  const auth::CredentialStore& credentials;
  Environment& env;
  // "<unix seconds>-<random>": in every name this run gives on a host, so that
  // a later run can tell an abandoned name's age (names.cpp).
  std::string id;

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
