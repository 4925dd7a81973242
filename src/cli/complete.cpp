// podman-multiarch __complete WORD... CURRENT — the hidden entry point behind
// the shell completions (like cobra's __complete). It answers from the same
// option definitions the commands parse with, so completion cannot drift from
// the command line. Output: one candidate per line ("value\tdescription"),
// then a directive line: ":0" (nothing more), ":files" or ":dirs" (let the
// shell complete paths). It is silent on errors and exits 0.
#include <pma/bake/release_file.hpp>
#include <pma/cli/command.hpp>
#include <pma/config/config_file.hpp>
#include <pma/config/podman_conf.hpp>
#include <pma/config/selection.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "options.hpp"

namespace pma::cli {

namespace {

struct Candidate {
  std::string value;
  std::string description;
};

struct Answer {
  std::vector<Candidate> candidates;
  std::string directive = ":0";
};

std::vector<Candidate>
global_candidates()
{
  std::vector<Candidate> out;
  for (const auto& option : global_options()) {
    out.push_back({fmt::format("--{}", option.name), std::string(option.completion)});
  }
  return out;
}

// The user's configuration, as the command being completed would read it.
struct Known {
  std::optional<config::ConfigFile> config;
  config::PodmanSettings podman;

  explicit Known(const std::string& config_flag)
  {
    if (auto path = config::find_config(config_flag); path && *path) {
      if (auto loaded = config::load_config(**path)) {
        config = std::move(*loaded);
      }
    }
    if (auto settings = config::load_podman_settings(config::podman_config_paths())) {
      podman = std::move(*settings);
    }
  }

  std::vector<Candidate>
  hosts() const
  {
    std::vector<Candidate> out;
    if (config) {
      for (const auto& host : config->hosts) {
        out.push_back({host.name, host.url ? host.url->redacted() : "podman connection " + host.connection});
      }
    }
    for (const auto& name : podman.connection_names()) {
      if (!config || config->find_host(name) == nullptr) {
        out.push_back({name, "podman connection"});
      }
    }
    return out;
  }

  std::vector<Candidate>
  farms() const
  {
    std::vector<Candidate> out;
    for (const auto& name : config::known_farm_names(config, podman)) {
      out.push_back({name, "farm"});
    }
    return out;
  }

  std::vector<Candidate>
  connections() const
  {
    std::vector<Candidate> out;
    for (const auto& name : podman.connection_names()) {
      out.push_back({name, "podman connection"});
    }
    return out;
  }

  // Platforms the configured hosts declare, else those of the local podman
  // hosts (probed with a short timeout; remote hosts are not dialled).
  std::vector<Candidate>
  platforms() const
  {
    std::map<std::string, std::vector<std::string>> served; // platform → hosts
    std::vector<config::Host> probe;
    if (config) {
      for (const auto& host : config->hosts) {
        for (const auto& platform : host.platforms) {
          served[platform.to_string()].push_back(host.name);
        }
      }
    }
    if (served.empty()) {
      if (auto selection = config::select_hosts({}, config, podman, config::SelectionEnvironment::from_process())) {
        std::copy_if(selection->begin(), selection->end(), std::back_inserter(probe),
                     [](const config::Host& host) { return host.url.scheme == transport::Scheme::unix_socket; });
      }
    }
    hosts::ConnectOptions quick;
    quick.connect_timeout = std::chrono::milliseconds(300);
    quick.info_timeout = std::chrono::seconds(2); // podman 4.x takes 0.2-0.6 s
    for (const auto& result : hosts::probe_hosts(probe, quick)) {
      for (const auto& platform : result.serves) {
        served[platform.to_string()].push_back(result.host.name);
      }
    }
    std::vector<Candidate> out;
    out.reserve(served.size());
    for (const auto& [platform, hosts] : served) {
      out.push_back({platform, "served by " + util::join(hosts, ", ")});
    }
    return out;
  }
};

// The value of --config anywhere on the line, else the global one.
std::string
config_flag(const std::vector<std::string>& words)
{
  std::string value;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "--config" && i + 1 < words.size()) {
      value = words[i + 1];
    } else if (words[i].starts_with("--config=")) {
      value = words[i].substr(9);
    }
  }
  return value;
}

// The release targets and groups of the files -f names on the line, else of
// the default file here.
std::vector<Candidate>
release_names(const std::vector<std::string>& words)
{
  std::vector<std::string> files;
  for (size_t i = 0; i < words.size(); ++i) {
    if ((words[i] == "-f" || words[i] == "--file") && i + 1 < words.size()) {
      files.push_back(words[i + 1]);
    } else if (words[i].starts_with("--file=")) {
      files.push_back(words[i].substr(7));
    }
  }
  std::vector<Candidate> out;
  for (auto& name : bake::defined_names(files, ".")) {
    out.push_back({std::move(name), ""});
  }
  return out;
}

// Values for option `info` of `command`.
Answer
complete_value(const Command& command, const OptionInfo& info, const std::vector<std::string>& words,
               const std::string& current)
{
  Answer answer;
  if (const Option* option = command.find_option(info.long_name); option != nullptr && !option->choices.empty()) {
    for (const auto& choice : option->choices) {
      answer.candidates.push_back({choice, ""});
    }
    return answer;
  }
  const std::string& name = info.long_name;
  if (name == "host" || name == "manifest-host") {
    answer.candidates = Known(config_flag(words)).hosts();
  } else if (name == "farm") {
    answer.candidates = Known(config_flag(words)).farms();
  } else if (name == "connection") {
    answer.candidates = Known(config_flag(words)).connections();
  } else if (name == "platform" || name == "require") {
    // Comma lists: keep what is typed before the last comma.
    const size_t comma = current.rfind(',');
    const std::string head = comma == std::string::npos ? "" : current.substr(0, comma + 1);
    const auto listed = util::split(head, ',');
    for (auto& candidate : Known(config_flag(words)).platforms()) {
      if (std::ranges::find(listed, candidate.value) == listed.end()) {
        answer.candidates.push_back({head + candidate.value, candidate.description});
      }
    }
  } else if (info.value_name == "FILE" || info.value_name == "KEY") {
    answer.directive = ":files";
  }
  return answer;
}

// Whether `word` is option `info` given as a separate word (its value follows).
bool
names(const OptionInfo& info, const std::string& word)
{
  return word == "--" + info.long_name || (!info.short_name.empty() && word == "-" + info.short_name);
}

Answer
complete_command(const Command& command, const std::vector<std::string>& words, const size_t first,
                 const std::string& current)
{
  // Find the subcommand (the first operand) and whether the previous word awaits a value.
  const std::vector<std::string> rest(words.begin() + static_cast<long>(first), words.end());
  const bool has_subcommands = !command.verbs.empty() || !command.operands.values.empty();
  const Command* chosen = &command; // the verb, once named
  bool subcommand_named = false;
  auto infos = option_infos(options_of(command));
  const OptionInfo* pending = nullptr;
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& word = rest[i];
    pending = nullptr;
    if (word.starts_with("-")) {
      const auto it = std::find_if(infos.begin(), infos.end(), [&](const OptionInfo& o) { return names(o, word); });
      if (it != infos.end() && it->takes_value) {
        if (i + 1 == rest.size()) {
          pending = &*it;
        }
        ++i; // skip its value
      }
      continue;
    }
    if (!subcommand_named && has_subcommands) {
      subcommand_named = true;
      if (const Command* verb = find_command(command.verbs, word); verb != nullptr) {
        chosen = verb;
        infos = option_infos(options_of(*verb));
      }
    }
  }
  if (pending != nullptr) {
    return complete_value(*chosen, *pending, words, current);
  }

  Answer answer;
  if (current.starts_with("--") && current.find('=') != std::string::npos) {
    const std::string flag = current.substr(2, current.find('=') - 2);
    const auto it = std::find_if(infos.begin(), infos.end(), [&](const OptionInfo& o) { return o.long_name == flag; });
    if (it == infos.end()) {
      return answer;
    }
    answer = complete_value(*chosen, *it, words, current.substr(current.find('=') + 1));
    for (auto& candidate : answer.candidates) {
      candidate.value = "--" + flag + "=" + candidate.value;
    }
    return answer;
  }
  if (current.starts_with("-")) {
    for (const auto& info : infos) {
      answer.candidates.push_back({"--" + info.long_name, info.description});
    }
    return answer;
  }
  if (!subcommand_named && has_subcommands) {
    for (const auto& verb : command.verbs) {
      answer.candidates.push_back({verb.name, verb.summary});
    }
    for (const auto& value : command.operands.values) {
      answer.candidates.push_back({value.name, value.summary});
    }
    return answer;
  }
  if (chosen->operands.kind == Operand::directory) {
    answer.directive = ":dirs";
  } else if (chosen->operands.kind == Operand::file) {
    answer.directive = ":files";
  } else if (chosen->operands.kind == Operand::release_target) {
    answer.candidates = release_names(words);
  }
  return answer;
}

Answer
complete(std::vector<std::string> words)
{
  const std::string current = words.empty() ? "" : words.back();
  if (!words.empty()) {
    words.pop_back();
  }
  // The global option a word names, if it takes a value.
  const auto valued = [](const std::string& word) -> const GlobalOption* {
    for (const auto& option : global_options()) {
      if (!option.value_name.empty() && word == fmt::format("--{}", option.name)) {
        return &option;
      }
    }
    return nullptr;
  };
  size_t i = 0;
  for (; i < words.size() && words[i].starts_with("-"); ++i) {
    if (valued(words[i]) != nullptr && i + 1 < words.size()) {
      ++i;
    }
  }
  Answer answer;
  if (i == words.size()) { // the command itself, or a global option
    if (const GlobalOption* option = words.empty() ? nullptr : valued(words.back()); option != nullptr) {
      for (const auto& choice : option->choices) {
        answer.candidates.push_back({choice, ""});
      }
      if (option->choices.empty()) {
        answer.directive = ":files";
      }
    } else if (current.starts_with("-")) {
      answer.candidates = global_candidates();
    } else {
      for (const auto& command : commands()) {
        answer.candidates.push_back({command.name, command.summary});
      }
    }
    return answer;
  }
  for (const auto& command : commands()) {
    if (words[i] == command.name) {
      return complete_command(command, words, i + 1, current);
    }
  }
  return answer;
}

} // namespace

int
run_complete(const std::vector<std::string>& args)
{
  try {
    const auto answer = complete(args);
    const std::string current = args.empty() ? "" : args.back();
    for (const auto& candidate : answer.candidates) {
      if (candidate.value.starts_with(current)) {
        fmt::print("{}{}{}\n", candidate.value, candidate.description.empty() ? "" : "\t", candidate.description);
      }
    }
    fmt::print("{}\n", answer.directive);
  } catch (...) { // NOLINT(bugprone-empty-catch): completion stays silent whatever happens
    fmt::print(":0\n");
  }
  return 0;
}

} // namespace pma::cli
