#pragma once

#include <pma/config/host.hpp>
#include <pma/job/option_values.hpp>
#include <pma/oci/platform.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/error.hpp>
#include <pma/util/retry.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

// Checks of the command line that need no host: each names the option and
// the value at fault, and is a usage error (exit 2) before anything is
// contacted.
namespace pma::app {

// The elements of a repeatable comma-list option, and -f / --platform-file:
// shared with release files, in job/option_values.hpp.
using job::check_containerfile;
using job::list_elements;

// A duration option that must be more than zero (--timeout, --idle-timeout).
util::Result<void> check_positive(std::chrono::milliseconds value, std::string_view text, std::string_view option);

// --retry N and --retry-delay DURATION (podman's names): N is 0 or more.
util::Result<util::RetryPolicy> retry_policy(int retries, const std::string& delay);

// A tag as the distribution spec allows it: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool valid_tag(std::string_view tag);

// --arch-tag-format: only the placeholders {tag} {os} {arch} {variant}
// {-variant}, and for every tag (no tag: "latest") and platform a valid tag.
util::Result<void> check_arch_tag_format(const std::string& format, const std::vector<oci::ImageRef>& tags,
                                         const std::vector<oci::Platform>& platforms);

// --require when --platform is given: every required platform is requested.
util::Result<void> check_required(const std::vector<oci::Platform>& required,
                                  const std::vector<oci::Platform>& requested);

// The checks of a build's options that need the selected hosts' names and
// declared platforms, still before any host is contacted: --manifest-host,
// --arch-tag-format (without --platform, for what the hosts declare).
util::Result<void> check_for_hosts(const job::BuildOptions& options, const std::vector<config::Host>& hosts);

// --manifest-host: one of the selected hosts.
util::Result<void> check_manifest_host(const std::string& name, const std::vector<config::Host>& hosts);

// --fragment FILE: a file is named, and the run pushes (a fragment records
// the images it pushed by digest).
// --check beside --dry-run or --no-push: refused (usage).
util::Result<void> check_check_option(bool dry_run, bool no_push);

util::Result<void> check_fragment_option(const std::string& file, bool no_push);

} // namespace pma::app
