// The options of `podman build` that `podman-multiarch build` forwards to every
// host: those of libpod's table (libpod/build_settings.hpp: names, syntax,
// checks), and those read by hand (--env, --secret, --security-opt,
// --build-context), whose values job/option_values.hpp reads with podman's
// client-side rules, for release files too.
#include "build_flags.hpp"

#include <pma/job/option_values.hpp>
#include <pma/libpod/build_settings.hpp>

#include <fmt/format.h>

namespace pma::cli {

using libpod::BuildOption;
using libpod::Syntax;
using util::Result;

namespace {

std::vector<std::string>
strings_of(const cxxopts::ParseResult& parsed, const std::string& name)
{
  return parsed.count(name) != 0 ? parsed[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

} // namespace

std::vector<Option>
podman_build_options()
{
  const std::string group = "podman build";
  std::vector<Option> out;
  for (const auto& spec : libpod::build_option_specs()) {
    const std::string flag(spec.flag());
    Option option{group, *spec.short_name != '\0' ? fmt::format("{},{}", spec.short_name, flag) : flag,
                  spec.description, nullptr, spec.value_name};
    switch (spec.syntax) {
    case Syntax::none:
      continue;
    case Syntax::value:
      option.value = cxxopts::value<std::string>();
      break;
    case Syntax::repeat:
    case Syntax::csv:
      option.value = cxxopts::value<std::vector<std::string>>();
      break;
    case Syntax::toggle:
      option.value = cxxopts::value<bool>()->implicit_value("true");
      break;
    }
    out.push_back(std::move(option));
  }
  const auto values = [] { return cxxopts::value<std::vector<std::string>>(); };
  out.insert(
      out.end(),
      {
          {group, "build-context",
           "Additional build context NAME=VALUE: a directory, docker-image://REF or an http(s) URL archive "
           "(repeatable)",
           values(), "NAME=VALUE"},
          {group, "env",
           "Environment variable of the image and RUN steps: KEY=VALUE, KEY (from here), PREFIX* (repeatable)",
           values(), "KEY[=VALUE]"},
          {group, "secret",
           "Secret for RUN --mount=type=secret: id=ID[,src=FILE|env=VAR][,type=file|env]; never in the image "
           "(repeatable)",
           values(), "SPEC"},
          {group, "security-opt",
           "Security option of RUN steps: label=…, seccomp=PROFILE, apparmor=PROFILE (repeatable)", values(), "OPTION"},
      });
  return out;
}

Result<void>
read_podman_build_flags(const cxxopts::ParseResult& parsed, job::BuildOptions& options)
{
  auto& settings = options.settings;
  for (const auto& spec : libpod::build_option_specs()) {
    const std::string flag(spec.flag());
    if (spec.syntax == Syntax::none || parsed.count(flag) == 0) {
      continue;
    }
    std::vector<std::string> values;
    switch (spec.syntax) {
    case Syntax::none:
      break;
    case Syntax::value:
      values = {parsed[flag].as<std::string>()};
      break;
    case Syntax::repeat:
    case Syntax::csv:
      values = parsed[flag].as<std::vector<std::string>>();
      break;
    case Syntax::toggle:
      values = {parsed[flag].as<bool>() ? "true" : "false"};
      break;
    }
    PMA_TRY_ASSIGN(auto setting, job::forwarded_setting(spec, std::move(values)));
    settings.push_back(std::move(setting));
  }
  PMA_TRY(job::add_source_date_epoch(settings, parsed.count("source-date-epoch") != 0));
  if (auto env = job::resolved_env(strings_of(parsed, "env")); !env.empty()) {
    settings.push_back({BuildOption::env, std::move(env)});
  }
  PMA_TRY(job::add_security_opts(strings_of(parsed, "security-opt"), settings));
  PMA_TRY_ASSIGN(options.secrets, job::read_secrets(strings_of(parsed, "secret")));
  PMA_TRY(job::add_build_contexts(strings_of(parsed, "build-context"), options));
  return job::check_combinations(settings, parsed.count("source-date-epoch") != 0);
}

} // namespace pma::cli
