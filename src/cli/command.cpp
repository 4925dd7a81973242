// The one parser of every command line (include/pma/cli/command.hpp): the
// command tables become cxxopts options, parsed once; operands and fixed
// values are checked here for every command alike.
#include <pma/cli/command.hpp>
#include <pma/output/progress_printer.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "options.hpp"

namespace pma::cli {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

// Every "--long" and "-s" name `options` knows.
std::vector<std::string>
option_names(cxxopts::Options& options)
{
  std::vector<std::string> names;
  for (const auto& group : options.groups()) {
    for (const auto& option : options.group_help(group).options) {
      for (const auto& name : option.l) {
        names.push_back("--" + name);
      }
      if (!option.s.empty()) {
        names.push_back("-" + option.s);
      }
    }
  }
  return names;
}

// The first argument that looks like an option `options` does not know.
std::string
first_unknown_option(cxxopts::Options& options, const std::vector<std::string>& args)
{
  const auto names = option_names(options);
  for (const auto& arg : args) {
    if (arg == "--") {
      break;
    }
    if (!arg.starts_with("-") || arg == "-") {
      continue;
    }
    std::string name = arg.starts_with("--") ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return name;
    }
  }
  return {};
}

void
add(cxxopts::Options& options, const std::vector<Option>& table)
{
  for (const auto& option : table) {
    auto adder = options.add_options(option.group);
    if (option.value) {
      adder(option.names, option.description, option.value, option.value_name);
    } else {
      adder(option.names, option.description);
    }
  }
}

// Every option `command` accepts: the global ones, then its own.
std::vector<Option>
all_options(const Command& command)
{
  return joined(command_global_options(), {command.options});
}

Result<cxxopts::ParseResult>
parse_words(cxxopts::Options& options, const std::vector<std::string>& args)
{
  std::vector<const char*> argv;
  argv.push_back(options.program().c_str());
  for (const auto& arg : args) {
    argv.push_back(arg.c_str());
  }
  try {
    return options.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const cxxopts::exceptions::no_such_option&) {
    const std::string unknown = first_unknown_option(options, args);
    return util::fail(ErrorClass::usage, fmt::format("unknown option '{}' for '{}'{}", unknown, options.program(),
                                                     util::did_you_mean(unknown, option_names(options))));
  } catch (const cxxopts::exceptions::exception& e) {
    return util::fail(ErrorClass::usage, fmt::format("{}: {}", options.program(), e.what()));
  }
}

// --log-level here, else before the command name.
Result<void>
apply_log_level(const cxxopts::ParseResult& parsed, const GlobalOptions& globals)
{
  const std::string level = parsed.count("log-level") != 0 ? parsed["log-level"].as<std::string>() : globals.log_level;
  if (level.empty()) {
    return {};
  }
  const auto value = util::log::parse_level(level);
  if (!value) {
    return util::fail(ErrorClass::usage, fmt::format("invalid --log-level '{}' (error, warn, info, debug)", level));
  }
  util::log::set_level(*value);
  return {};
}

Error
default_refusal(const Command& command, const std::vector<std::string>& /*operands*/, bool /*one_short*/)
{
  return {ErrorClass::usage, fmt::format("usage: podman-multiarch {} {}", command.path(), command.operands.synopsis)};
}

Result<void>
check_operands(const Invocation& call)
{
  const Command& command = call.command();
  const Operands& spec = command.operands;
  const auto& operands = call.operands();
  const bool fewer_allowed = !spec.enough_with.empty() && call.given(spec.enough_with);
  const size_t min = fewer_allowed && spec.min > 0 ? spec.min - 1 : spec.min;
  const bool one_short = !spec.enough_with.empty() && !fewer_allowed && operands.size() + 1 == spec.min;
  const bool unknown_value = !spec.values.empty() && !operands.empty() &&
                             std::none_of(spec.values.begin(), spec.values.end(),
                                          [&](const Subcommand& value) { return value.name == operands.front(); });
  if (operands.size() < min || operands.size() > spec.max || unknown_value) {
    return util::Unexpected(
        (command.refusal != nullptr ? command.refusal : default_refusal)(command, operands, one_short));
  }
  if (spec.non_empty) {
    for (size_t i = 0; i < operands.size(); ++i) {
      if (util::trim(operands[i]).empty()) {
        // podman answers "invalid reference format" from the service; nothing is asked here.
        return util::fail(ErrorClass::usage, fmt::format("{}: argument {} is empty (usage: podman-multiarch {} {})",
                                                         command.path(), i + 1, command.path(), spec.synopsis));
      }
    }
  }
  return {};
}

Result<std::string>
check_choice(const Invocation& call, const Option& option)
{
  const std::string name = option.long_name();
  const auto value = call.get<std::string>(name);
  const auto& allowed = option.choices;
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    return util::fail(ErrorClass::usage, fmt::format("invalid --{} '{}' (one of: {}){}", name, value,
                                                     util::join(allowed, ", "), util::did_you_mean(value, allowed)));
  }
  return value;
}

Result<void>
check_choices(const Invocation& call)
{
  for (const auto& option : call.command().options) {
    const bool has_value = call.given(option.long_name()) || (option.value && option.value->has_default());
    if (!option.choices.empty() && !option.command_checks_choices && has_value) {
      PMA_TRY(check_choice(call, option));
    }
  }
  return {};
}

void
print_help(const Command& command)
{
  auto options = options_of(command);
  // cxxopts lists groups alphabetically: show the command's own first, the shared ones after.
  static const std::vector<std::string> order = {
      "",         "Build",    "Bake",    "podman build",   "Publishing", "Create",
      "Add",      "Annotate", "Inspect", "Push",           "Remove",     "Entry",
      "Registry", "Retry",    "Output",  "Host selection", "Global"};
  const auto rank = [](const std::string& group) {
    return std::find(order.begin(), order.end(), group) - order.begin();
  };
  auto groups = options.groups();
  std::stable_sort(groups.begin(), groups.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  fmt::print("{}\nExamples:\n{}", options.help(groups), command.examples);
}

// A command with verbs (manifest): the verb list, or the verb's run.
int
run_verb(const Command& command, const std::vector<std::string>& args, const GlobalOptions& globals)
{
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    fmt::print("Usage: podman-multiarch {} VERB [OPTIONS]\n\nVerbs:\n", command.name);
    for (const auto& verb : command.verbs) {
      fmt::print("  {:<9} {:<18} {}\n", verb.name, verb.operands.synopsis, verb.summary);
    }
    fmt::print("\nRun 'podman-multiarch {} VERB --help' for a verb's options.\n", command.name);
    return util::to_int(args.empty() ? util::ExitStatus::usage : util::ExitStatus::success);
  }
  const Command* verb = find_command(command.verbs, args[0]);
  if (verb == nullptr) {
    std::vector<std::string> names;
    for (const auto& candidate : command.verbs) {
      names.push_back(candidate.name);
    }
    return report(
        Error(ErrorClass::usage,
              fmt::format("unknown {} verb '{}'{}", command.name, args[0], util::did_you_mean(args[0], names)),
              fmt::format("see podman-multiarch {} --help", command.name)));
  }
  return run(*verb, std::vector<std::string>(args.begin() + 1, args.end()), globals);
}

} // namespace

std::string
Option::long_name() const
{
  const size_t comma = names.find(',');
  return comma == std::string::npos ? names : names.substr(comma + 1);
}

Option
operands_holder(std::string group, std::string name)
{
  return {std::move(group), std::move(name), "", cxxopts::value<std::vector<std::string>>()};
}

std::string
Command::path() const
{
  return parent.empty() ? name : parent + " " + name;
}

const Option*
Command::find_option(const std::string_view long_name) const
{
  const auto named = [long_name](const Option& option) { return option.long_name() == long_name; };
  const auto& globals = command_global_options();
  if (const auto it = std::find_if(globals.begin(), globals.end(), named); it != globals.end()) {
    return &*it;
  }
  const auto it = std::find_if(options.begin(), options.end(), named);
  return it != options.end() ? &*it : nullptr;
}

bool
Invocation::given(const std::string& name) const
{
  return m_parsed.count(name) != 0;
}

std::optional<std::string>
Invocation::text(const std::string& name) const
{
  return given(name) ? std::optional(m_parsed[name].as<std::string>()) : std::nullopt;
}

std::vector<std::string>
Invocation::texts(const std::string& name) const
{
  return given(name) ? m_parsed[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

std::string
Invocation::config_file() const
{
  return text("config").value_or(m_globals.config);
}

const Command*
find_command(const std::vector<Command>& table, const std::string_view name)
{
  const auto it = std::find_if(table.begin(), table.end(), [name](const Command& c) { return c.name == name; });
  return it != table.end() ? &*it : nullptr;
}

cxxopts::Options
options_of(const Command& command)
{
  cxxopts::Options options("podman-multiarch " + command.path(),
                           command.description.empty() ? command.summary : command.description);
  options.set_width(100);
  options.custom_help(command.usage);
  options.positional_help(command.operand_help);
  add(options, all_options(command));
  if (!command.operands.holder.empty()) {
    options.parse_positional({command.operands.holder});
  }
  return options;
}

Result<Invocation>
parse(const Command& command, const std::vector<std::string>& args, const GlobalOptions& globals)
{
  auto options = options_of(command);
  PMA_TRY_ASSIGN(auto parsed, parse_words(options, args));
  PMA_TRY(apply_log_level(parsed, globals));
  std::vector<std::string> operands;
  if (!command.operands.holder.empty() && parsed.count(command.operands.holder) != 0) {
    operands = parsed[command.operands.holder].as<std::vector<std::string>>();
  }
  Invocation call(command, parsed, std::move(operands), globals);
  if (!call.help()) {
    PMA_TRY(check_operands(call));
    PMA_TRY(check_choices(call));
  }
  return call;
}

int
run(const Command& command, const std::vector<std::string>& args, const GlobalOptions& globals)
{
  if (!command.verbs.empty()) {
    return run_verb(command, args, globals);
  }
  auto call = parse(command, args, globals);
  if (!call) {
    return report(call.error());
  }
  if (call->help()) {
    print_help(command);
    return util::to_int(util::ExitStatus::success);
  }
  return command.run(*call);
}

const std::vector<std::string>&
choices_for(const std::string_view command, const std::string_view option)
{
  static const std::vector<std::string> none;
  const Command* entry = find_command(commands(), command);
  if (entry == nullptr) {
    return none;
  }
  if (const Option* found = entry->find_option(option); found != nullptr && !found->choices.empty()) {
    return found->choices;
  }
  for (const auto& verb : entry->verbs) {
    if (const Option* found = verb.find_option(option); found != nullptr && !found->choices.empty()) {
      return found->choices;
    }
  }
  return none;
}

Result<std::string>
checked_choice(const Invocation& call, const std::string& option)
{
  const Option* spec = call.command().find_option(option);
  if (spec == nullptr) {
    return util::fail(ErrorClass::internal, fmt::format("no option --{}", option));
  }
  return check_choice(call, *spec);
}

std::vector<OptionInfo>
option_infos(const cxxopts::Options& options)
{
  std::vector<OptionInfo> infos;
  for (const auto& group : options.groups()) {
    for (const auto& option : options.group_help(group).options) {
      if (option.desc.empty() || option.l.empty()) {
        continue; // a positional holder
      }
      infos.push_back(
          {option.l.front(), option.s, option.desc, option.arg_help, !option.is_boolean && !option.has_implicit});
    }
  }
  return infos;
}

int
report(const util::Error& error)
{
  const bool color = output::use_color(stderr);
  fmt::print(stderr, "podman-multiarch: {} {}\n", output::paint("error:", output::Color::red, color), error.describe());
  fmt::print(stderr, "{}", output::ci_error_annotation(error.describe()));
  return util::to_int(util::exit_status_for(error.cls));
}

} // namespace pma::cli
