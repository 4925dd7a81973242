#pragma once

#include <pma/cli/cxxopts.hpp>
#include <pma/util/error.hpp>

#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The command line as tables: each command (and each `manifest` verb) is one
// entry with its name, summary, options (with their fixed values), operands
// and run function. One parser reads every command line from them
// (command.cpp), and --help, completion and the man-page check read the same
// entries. A run function turns its Invocation into a use case's request
// (app/), calls it, prints the result (output/) and returns the exit status.
namespace pma::cli {

// Options given before the command name; commands accept them too.
struct GlobalOptions {
  std::string config;    // --config
  std::string log_level; // --log-level
};

// One option of a command.
struct Option {
  std::string group;                           // its --help section ("Output", "Host selection", …)
  std::string names;                           // as cxxopts spells them: "t,tag", "format"
  std::string description;                     // empty: the holder of the operands (hidden)
  std::shared_ptr<const cxxopts::Value> value; // null: a switch
  std::string value_name;                      // "FILE", "N", …
  // Fixed values: completion offers them, and the parser refuses others
  // unless the command checks them itself (its own rules, or after its own
  // checks: build's --pull, --format, --progress, --emulation).
  std::vector<std::string> choices;
  bool command_checks_choices = false;

  // The long name: "tag" for "t,tag".
  std::string long_name() const;
};

// For Option::command_checks_choices, where a table row sets it.
inline constexpr bool k_checked_by_command = true;

// The holder of a command's operands (hidden from --help and completion).
Option operands_holder(std::string group, std::string name);

// What a command's operands are, for completion.
enum class Operand {
  none,
  directory,
  file,
  release_target, // a target or group of the release files (-f, else the default ones)
};

// A fixed first operand (hosts list|check, completion bash|zsh|fish) or a verb.
struct Subcommand {
  std::string name;
  std::string summary;
};

inline constexpr size_t k_unbounded = std::numeric_limits<size_t>::max();

struct Operands {
  std::string holder;   // the option that collects them (see operands_holder); empty: none, extra words are ignored
  std::string synopsis; // "LIST [IMAGE...]", in usage errors and verb lists
  size_t min = 0;
  size_t max = 0;                 // k_unbounded: no limit
  std::vector<Subcommand> values; // the fixed values of the first operand; empty: any
  Operand kind = Operand::none;
  std::string enough_with; // an option that makes one operand fewer enough (annotate's --index)
  bool non_empty = false;  // an empty operand ("") is refused
};

class Invocation;
struct Command;

// The usage error for operands that do not fit (`one_short`: exactly one too
// few, and `enough_with` could have made them enough).
using Refusal = util::Error (*)(const Command& command, const std::vector<std::string>& operands, bool one_short);

// One command, or one verb of a command.
struct Command {
  std::string name;
  std::string summary;                                // in lists: podman-multiarch --help, manifest --help, completion
  std::string description;                            // at the top of its --help; empty: the summary
  std::string usage;                                  // after "podman-multiarch NAME" in its --help
  std::string operand_help = "positional parameters"; // after the usage when it has operands (cxxopts' default)
  std::string examples;                               // its --help's last section
  std::vector<Option> options;                        // its own; the global ones come with every command
  Operands operands;
  Refusal refusal = nullptr;                    // null: "usage: podman-multiarch NAME SYNOPSIS"
  int (*run)(const Invocation& call) = nullptr; // null: it has verbs
  std::vector<Command> verbs;                   // manifest's
  std::string parent;                           // "manifest" for its verbs

  // "manifest create", "build".
  std::string path() const;
  const Option* find_option(std::string_view long_name) const;
};

// One parsed command line of a command.
class Invocation {
public:
  Invocation(const Command& command, const cxxopts::ParseResult& parsed, std::vector<std::string> operands,
             GlobalOptions globals)
    : m_command(&command)
    , m_parsed(parsed)
    , m_operands(std::move(operands))
    , m_globals(std::move(globals))
  {
  }

  const Command&
  command() const
  {
    return *m_command;
  }
  const cxxopts::ParseResult&
  parsed() const
  {
    return m_parsed;
  }
  const std::vector<std::string>&
  operands() const
  {
    return m_operands;
  }
  const GlobalOptions&
  globals() const
  {
    return m_globals;
  }
  bool
  help() const
  {
    return given("help");
  }

  // Whether the option was on the command line.
  bool given(const std::string& name) const;
  // Its value, given or defaulted.
  template <typename T>
  T
  get(const std::string& name) const
  {
    return m_parsed[name].as<T>();
  }
  // A text option's value, if given.
  std::optional<std::string> text(const std::string& name) const;
  // A repeatable option's values; none if not given.
  std::vector<std::string> texts(const std::string& name) const;
  // --config here, else before the command name.
  std::string config_file() const;

private:
  const Command* m_command;
  cxxopts::ParseResult m_parsed;
  std::vector<std::string> m_operands;
  GlobalOptions m_globals;
};

// The commands, in the order --help lists them.
const std::vector<Command>& commands();

// The command or verb named `name` in `table`, or null.
const Command* find_command(const std::vector<Command>& table, std::string_view name);

// The cxxopts options of `command`: the global ones, its own, its operands.
cxxopts::Options options_of(const Command& command);

// Parses `args` (the words after the command's name) against `command`:
// unknown options get "did you mean", --log-level is applied; unless --help
// was asked, the operands and fixed values are checked.
util::Result<Invocation> parse(const Command& command, const std::vector<std::string>& args,
                               const GlobalOptions& globals);

// Runs `command` on `args`: parse(), then its --help, its verbs or its run
// function. Returns the exit status.
int run(const Command& command, const std::vector<std::string>& args, const GlobalOptions& globals);

// The fixed values of option `option` of `command` (or of one of its verbs);
// empty if its values are open.
const std::vector<std::string>& choices_for(std::string_view command, std::string_view option);

// Checks the value of `option` against its choices (for options whose command
// checks them itself).
util::Result<std::string> checked_choice(const Invocation& call, const std::string& option);

// podman-multiarch __complete WORD... CURRENT (hidden; see complete.cpp).
int run_complete(const std::vector<std::string>& args);

// One option as completion and documentation see it.
struct OptionInfo {
  std::string long_name;  // without "--"
  std::string short_name; // without "-", may be empty
  std::string description;
  std::string value_name;   // "FILE", "N", …; empty for flags
  bool takes_value = false; // as a separate word (not flags, not --opt[=value] options)
};

// The visible options of `options` (the operands' holder is hidden).
std::vector<OptionInfo> option_infos(const cxxopts::Options& options);

// Prints "podman-multiarch: error: …" and returns the exit status for `error`.
int report(const util::Error& error);

} // namespace pma::cli
