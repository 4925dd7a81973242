#pragma once

#include <pma/job/run.hpp>
#include <pma/libpod/build_settings.hpp>
#include <pma/oci/platform.hpp>
#include <pma/util/error.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The values of build options as podman's CLI reads them, into BuildOptions:
// shared by the command line (cli/build_flags.cpp) and the release files
// (bake/), so that `build --secret …` and a release file's `secrets: […]`
// accept and refuse the same things (podman's cmd/podman/common/build.go and
// buildah's pkg/parse were the reference). Every error is of class usage and
// names the option as the command line spells it. `base`: the directory
// relative paths resolve against (empty: the current one).
namespace pma::job {

// The elements of a repeatable comma-list option (--platform, --require),
// trimmed. An empty element ("", "a,,b", "a,") is an error naming `option`.
util::Result<std::vector<std::string>> list_elements(const std::vector<std::string>& items, std::string_view option);

// Platforms as --platform names them (lower-cased, duplicates dropped); into
// `texts`, how each is sent: linux/arm64 stays without the v8 comparisons imply.
util::Result<std::vector<oci::Platform>> parse_platforms(const std::vector<std::string>& elements,
                                                         std::map<oci::Platform, std::string>* texts = nullptr);

// --build-arg-file and --build-arg, in podman's order and syntax: files first,
// then each KEY=VALUE; a bare KEY takes the client's environment, and an unset
// one is left out so that the Containerfile's default applies.
util::Result<std::map<std::string, std::string>> build_args(const std::vector<std::string>& files,
                                                            const std::vector<std::string>& args);

// --annotation: buildx's levels manifest: (default), manifest-descriptor:, index:.
util::Result<void> add_annotations(const std::vector<std::string>& items, BuildOptions& options);

// --pull as podman reads it (true → always, ifnewer → newer, …); nullopt: not a policy.
std::optional<std::string> pull_policy(std::string_view text);

// One forwarded option's values as given (a comma list per item for csv
// options, "true"/"false" for a switch), split and checked as podman's CLI
// does.
util::Result<libpod::BuildSetting> forwarded_setting(const libpod::BuildOptionSpec& spec,
                                                     std::vector<std::string> values);

// --env as podman 4.5+ resolves it on the client: KEY=VALUE as given, KEY
// from the environment (left out if unset), PREFIX* every variable with that
// prefix.
std::vector<std::string> resolved_env(const std::vector<std::string>& items);

// --security-opt: label=…, seccomp=…, apparmor=… (what the endpoint carries).
util::Result<void> add_security_opts(const std::vector<std::string>& items,
                                     std::vector<libpod::BuildSetting>& settings);

// --secret id=ID[,src=FILE|env=VAR][,type=file|env], values of env secrets
// read here.
util::Result<std::vector<Secret>> read_secrets(const std::vector<std::string>& items,
                                               const std::filesystem::path& base = {});

// --build-context NAME=VALUE: docker-image://, container-image://, docker://
// an image; http(s):// an archive URL; else a local directory (LocalContext).
util::Result<void> add_build_contexts(const std::vector<std::string>& items, BuildOptions& options,
                                      const std::filesystem::path& base = {});

// podman ≥ 5.6 takes $SOURCE_DATE_EPOCH as the default of --source-date-epoch:
// added to `settings` unless `given`.
util::Result<void> add_source_date_epoch(std::vector<libpod::BuildSetting>& settings, bool given);

// The checks between forwarded options that podman's CLI also makes
// (`epoch_given`: --source-date-epoch was given, not taken from the environment).
util::Result<void> check_combinations(const std::vector<libpod::BuildSetting>& settings, bool epoch_given);

// -f / --platform-file: the file exists, is not a directory and can be read
// (podman's words for the first two). "-" (standard input) is not checked.
util::Result<void> check_containerfile(const std::string& path, std::string_view option);

} // namespace pma::job
