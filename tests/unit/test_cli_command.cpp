#include <pma/cli/command.hpp>
#include <pma/libpod/build_settings.hpp>
#include <pma/output/progress_printer.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdio>
#include <set>

#include "../../src/cli/build_flags.hpp"
#include "../../src/cli/options.hpp"

using namespace pma;
using namespace pma::cli;

TEST_SUITE_BEGIN("cli");

namespace {

const Command&
command(const std::string& name)
{
  const Command* found = find_command(commands(), name);
  REQUIRE(found != nullptr);
  return *found;
}

const Command&
verb(const std::string& name)
{
  const Command* found = find_command(command("manifest").verbs, name);
  REQUIRE(found != nullptr);
  return *found;
}

// The usage error parse() gives, or "" when the line is accepted.
std::string
refusal(const Command& entry, const std::vector<std::string>& args, const GlobalOptions& globals = {})
{
  const auto call = parse(entry, args, globals);
  return call ? std::string() : call.error().message;
}

// Every command and verb.
std::vector<const Command*>
everything()
{
  std::vector<const Command*> out;
  for (const auto& entry : commands()) {
    out.push_back(&entry);
    for (const auto& sub : entry.verbs) {
      out.push_back(&sub);
    }
  }
  return out;
}

} // namespace

TEST_CASE("cli: every command's options are well formed, the global ones included")
{
  for (const Command* entry : everything()) {
    CAPTURE(entry->path());
    cxxopts::Options options = options_of(*entry); // cxxopts throws on a name given twice
    std::set<std::string> names;
    for (const auto& info : option_infos(options)) {
      CHECK(names.insert(info.long_name).second);
    }
    for (const char* global : {"help", "config", "log-level"}) {
      CHECK(names.contains(global));
    }
    CHECK_FALSE(names.contains("version")); // only before the command name
    for (const auto& option : entry->options) {
      for (const auto& choice : option.choices) {
        CHECK_FALSE(choice.empty());
      }
    }
    if (entry->verbs.empty()) {
      const bool runs = entry->run != nullptr;
      CHECK(runs);
      CHECK((entry->operands.holder.empty() || entry->find_option(entry->operands.holder) != nullptr));
    }
  }
}

TEST_CASE("cli: the global options are declared once")
{
  std::vector<std::string> names;
  for (const auto& option : global_options()) {
    names.emplace_back(option.name);
  }
  CHECK(names == std::vector<std::string>{"help", "version", "config", "log-level"});
  const auto& hosts = command("hosts");
  // --config after the command wins over the one before it.
  auto call = parse(hosts, {"--config", "here.yaml"}, {.config = "before.yaml"});
  REQUIRE(call);
  CHECK(call->config_file() == "here.yaml");
  call = parse(hosts, {}, {.config = "before.yaml"});
  REQUIRE(call);
  CHECK(call->config_file() == "before.yaml");
  // --log-level is checked wherever it was given, before --help.
  CHECK(refusal(hosts, {}, {.log_level = "chatty"}) == "invalid --log-level 'chatty' (error, warn, info, debug)");
  CHECK(refusal(hosts, {"--help", "--log-level", "loud"}) == "invalid --log-level 'loud' (error, warn, info, debug)");
  CHECK(refusal(hosts, {"--log-level=warn"}).empty());
  CHECK(command("version").find_option("log-level")->choices ==
        std::vector<std::string>{"error", "warn", "info", "debug"});
}

TEST_CASE("cli: unknown options, with a suggestion")
{
  CHECK(refusal(command("hosts"), {"--hots", "x"}) ==
        "unknown option '--hots' for 'podman-multiarch hosts', did you mean '--host'?");
  CHECK(refusal(verb("push"), {"--digest", "f", "l"}) ==
        "unknown option '--digest' for 'podman-multiarch manifest push', did you mean '--digestfile'?");
}

TEST_CASE("cli: every manifest verb refuses the wrong number of operands")
{
  struct Case {
    std::string verb;
    std::vector<std::string> too_few;
    std::vector<std::string> too_many; // empty: any number is fine
    std::string usage;
  };
  const std::vector<Case> cases = {
      {"create", {}, {}, "usage: podman-multiarch manifest create LIST [IMAGE...]"},
      {"add", {"l"}, {}, "usage: podman-multiarch manifest add LIST IMAGE..."},
      {"annotate", {}, {"l", "d", "x"}, "usage: podman-multiarch manifest annotate LIST [DIGEST]"},
      {"remove", {"l"}, {"l", "d", "x"}, "usage: podman-multiarch manifest remove LIST DIGEST"},
      {"inspect", {}, {"l", "x"}, "usage: podman-multiarch manifest inspect LIST|IMAGE"},
      {"push", {}, {"l", "d", "x"}, "usage: podman-multiarch manifest push LIST [DESTINATION]"},
      {"rm", {}, {}, "usage: podman-multiarch manifest rm LIST..."},
      {"exists", {}, {"l", "x"}, "usage: podman-multiarch manifest exists LIST"},
  };
  CHECK(cases.size() == command("manifest").verbs.size());
  for (const auto& c : cases) {
    CAPTURE(c.verb);
    const auto& entry = verb(c.verb);
    CHECK(refusal(entry, c.too_few) == c.usage);
    if (!c.too_many.empty()) {
      CHECK(refusal(entry, c.too_many) == c.usage);
    }
    CHECK(refusal(entry, {"--help"}).empty()); // --help needs no operands
    // An empty operand is refused before anything is asked.
    auto empty = c.too_few;
    while (empty.size() < entry.operands.min) {
      empty.emplace_back("x");
    }
    empty.emplace_back("");
    if (empty.size() <= entry.operands.max) {
      CHECK(refusal(entry, empty) ==
            fmt::format("manifest {}: argument {} is empty ({})", c.verb, empty.size(), c.usage));
    }
  }
}

TEST_CASE("cli: annotate needs the entry's digest unless --index")
{
  const auto& annotate = verb("annotate");
  const auto call = parse(annotate, {"l"}, {});
  REQUIRE_FALSE(call);
  CHECK(call.error().hint == "give the entry's digest, or --index to annotate the list itself");
  CHECK(refusal(annotate, {"--index", "l"}).empty());
  CHECK(refusal(annotate, {"--index"}) == "usage: podman-multiarch manifest annotate LIST [DIGEST]");
  CHECK(parse(annotate, {}, {}).error().hint.empty());
}

TEST_CASE("cli: the other commands' operands")
{
  CHECK(refusal(command("inspect"), {}) == "usage: podman-multiarch inspect IMAGE [OPTIONS]");
  CHECK(refusal(command("inspect"), {"a", "b"}) == "usage: podman-multiarch inspect IMAGE [OPTIONS]");
  CHECK(refusal(command("hosts"), {"chekc"}) == "unknown hosts action 'chekc', did you mean 'check'?");
  CHECK(refusal(command("hosts"), {"list", "check"}) == "unknown hosts action 'list check', did you mean 'list'?");
  CHECK(refusal(command("hosts"), {"check"}).empty());
  CHECK(refusal(command("completion"), {"zhs"}) ==
        "usage: podman-multiarch completion bash|zsh|fish, did you mean 'zsh'?");
  CHECK(refusal(command("completion"), {}) == "usage: podman-multiarch completion bash|zsh|fish");
  CHECK(refusal(command("build"), {"a", "b"}) == "one build context expected, got 2");
  CHECK(refusal(command("version"), {"extra"}).empty()); // version takes no operands and ignores words
}

TEST_CASE("cli: fixed values are checked once, unless the command checks them")
{
  CHECK(refusal(command("hosts"), {"--format", "yaml"}) == "invalid --format 'yaml' (one of: table, json)");
  CHECK(refusal(command("inspect"), {"--format", "jsno", "x"}) ==
        "invalid --format 'jsno' (one of: table, json), did you mean 'json'?");
  CHECK(refusal(verb("push"), {"--format", "v2s2", "l"}) == "invalid --format 'v2s2' (one of: oci, docker)");
  CHECK(refusal(verb("push"), {"l"}).empty()); // no --format: the list's own
  // build checks --progress after its other options, and --pull with podman's aliases.
  CHECK(refusal(command("build"), {"--progress", "fancy", "--pull", "true"}).empty());
  const auto call = parse(command("build"), {"--progress", "fancy"}, {});
  REQUIRE(call);
  CHECK(checked_choice(*call, "progress").error().message ==
        "invalid --progress 'fancy' (one of: auto, tty, plain, json, quiet)");
}

TEST_CASE("cli: --progress modes come from the output layer's table")
{
  const auto* progress = command("build").find_option("progress");
  REQUIRE(progress != nullptr);
  CHECK(progress->choices == output::progress_modes());
  CHECK(progress->description == "auto, tty, plain, json, quiet");
  CHECK(output::resolve_progress_mode("auto", stdin) != "auto");
  CHECK(output::resolve_progress_mode("json", stdin) == "json");
  CHECK(output::progress_shows_summary("plain"));
  CHECK_FALSE(output::progress_shows_summary("json"));
  CHECK_FALSE(output::progress_shows_summary("quiet"));
}

TEST_CASE("cli: the forwarded podman build options come from libpod's table")
{
  const auto& build = command("build");
  size_t forwarded = 0;
  for (const auto& spec : libpod::build_option_specs()) {
    CAPTURE(spec.name);
    CHECK(std::string(spec.name).starts_with("--"));
    if (spec.syntax == libpod::Syntax::none) {
      continue;
    }
    ++forwarded;
    const Option* option = build.find_option(spec.flag());
    REQUIRE(option != nullptr);
    CHECK(option->group == "podman build");
    CHECK(option->description == spec.description);
    CHECK(option->value_name == spec.value_name);
  }
  CHECK(podman_build_options().size() == forwarded + 4); // and --build-context, --env, --secret, --security-opt
  // Read, checked and normalised by the row's check.
  auto call = parse(build, {"--no-push", "--memory", "1g", "--ulimit", "nofile=1:2,nproc=3"}, {});
  REQUIRE(call);
  const auto options = build_options(*call);
  REQUIRE(options);
  CHECK(options->settings ==
        std::vector<libpod::BuildSetting>{{libpod::BuildOption::memory, {"1073741824"}},
                                          {libpod::BuildOption::ulimit, {"nofile=1:2", "nproc=3"}}});
  call = parse(build, {"--no-push", "--isolation", "vm"}, {});
  REQUIRE(call);
  CHECK(build_options(*call).error().message == "--isolation 'vm': one of oci, chroot, rootless");
}
