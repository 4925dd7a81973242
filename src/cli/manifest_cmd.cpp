// podman-multiarch manifest create|add|annotate|remove|inspect|push|rm|exists
// — podman's manifest verbs, run on one host through its API.
#include <pma/cli/command.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "manifest_verbs.hpp"

namespace pma::cli {

using util::Error;
using util::ErrorClass;

namespace {

struct Verb {
  const char* name;
  const char* usage;
  const char* summary;
  const char* examples;
};

const std::vector<Verb> k_verbs = {
    {"create", "LIST [IMAGE...]", "Create a list, optionally with images; prints its ID",
     "  podman-multiarch manifest create --host x86 localhost/app:1.4\n"
     "  podman-multiarch manifest create --host x86 --all localhost/app:1.4 quay.io/acme/base:1\n"},
    {"add", "LIST IMAGE...", "Add images to a list; prints its ID",
     "  podman-multiarch manifest add --host x86 localhost/app:1.4 docker://quay.io/acme/app@sha256:60b2...\n"
     "  podman-multiarch manifest add --host x86 --arch arm64 --variant v8 --annotation org.example.note=hi \\\n"
     "      localhost/app:1.4 quay.io/acme/app@sha256:9a0e...\n"
     "  podman-multiarch manifest add --host x86 localhost/app:1.4 containers-storage:localhost/app-s390x\n"},
    {"annotate", "LIST [DIGEST]", "Set an entry's platform fields and annotations, or the list's (--index)",
     "  podman-multiarch manifest annotate --host x86 localhost/app:1.4 sha256:9a0e... --variant v8\n"
     "  podman-multiarch manifest annotate --host p5 --index --annotation org.opencontainers.image.source=URL "
     "localhost/app:1.4\n"},
    {"remove", "LIST DIGEST", "Remove an entry from a list; prints the list's ID",
     "  podman-multiarch manifest remove --host x86 localhost/app:1.4 sha256:fd1e...\n"},
    {"inspect", "LIST|IMAGE", "Show a local list, or what a registry serves, as JSON",
     "  podman-multiarch manifest inspect --host x86 localhost/app:1.4\n"
     "  podman-multiarch manifest inspect docker://quay.io/acme/app:1.4 | jq '.manifests[].platform'\n"},
    {"push", "LIST [DESTINATION]", "Push a list (and, with --all, its images) to a registry",
     "  podman-multiarch manifest push --host x86 --digestfile digest localhost/app:1.4 quay.io/acme/app:1.4\n"
     "  podman-multiarch manifest push --host x86 --retry 5 --retry-delay 10s --rm quay.io/acme/app:1.4\n"},
    {"rm", "LIST...", "Remove lists from the host (not their images)",
     "  podman-multiarch manifest rm --host x86 localhost/app:1.4\n"
     "  podman-multiarch manifest rm --host x86 --ignore localhost/maybe:1\n"},
    {"exists", "LIST", "Exit 0 if the list exists on the host, 1 if not",
     "  podman-multiarch manifest exists --host x86 localhost/app:1.4 || podman-multiarch manifest create --host x86 "
     "localhost/app:1.4\n"},
};

std::vector<std::string>
verb_names()
{
  std::vector<std::string> names;
  names.reserve(k_verbs.size());
  for (const auto& verb : k_verbs) {
    names.emplace_back(verb.name);
  }
  return names;
}

void
add_platform_options(cxxopts::Options& options)
{
  // clang-format off
  options.add_options("Entry")
    ("arch", "Architecture of the entry", cxxopts::value<std::string>(), "ARCH")
    ("os", "Operating system of the entry", cxxopts::value<std::string>(), "OS")
    ("variant", "Architecture variant of the entry", cxxopts::value<std::string>(), "VARIANT")
    ("os-version", "OS version of the entry", cxxopts::value<std::string>(), "VERSION")
    ("os-features", "OS features of the entry (repeatable)", cxxopts::value<std::vector<std::string>>(), "FEATURE")
    ("features", "Features of the entry (repeatable)", cxxopts::value<std::vector<std::string>>(), "FEATURE")
    ("annotation", "Annotation KEY=VALUE (repeatable; commas are part of the value)", cxxopts::value<std::vector<std::string>>(), "KEY=VALUE");
  // clang-format on
}

// podman's --insecure: a hidden synonym of --tls-verify=false, here a documented one.
void
add_manifest_registry_options(cxxopts::Options& options)
{
  add_registry_options(options);
  options.add_options("Registry")("insecure", "Same as --tls-verify=false (podman's older spelling)");
}

std::vector<std::string>
strings_of(const cxxopts::ParseResult& parsed, const char* name)
{
  return parsed.count(name) != 0 ? parsed[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

} // namespace

std::vector<Subcommand>
manifest_subcommands()
{
  std::vector<Subcommand> out;
  out.reserve(k_verbs.size());
  for (const auto& verb : k_verbs) {
    out.push_back({verb.name, verb.summary});
  }
  return out;
}

cxxopts::Options
manifest_command_options(const std::string& name)
{
  const auto verb = std::find_if(k_verbs.begin(), k_verbs.end(), [&](const Verb& v) { return name == v.name; });
  auto options = make_options("manifest " + name, verb != k_verbs.end() ? verb->summary : "");
  options.custom_help(std::string(verb != k_verbs.end() ? verb->usage : "") + " [OPTIONS]");
  add_host_selection_options(options);
  // clang-format off
  options.add_options("")("args", "", cxxopts::value<std::vector<std::string>>());
  if (name == "create") {
    options.add_options("Create")
      ("all", "Add every instance of each image that is a list")
      ("a,amend", "Reuse a list of that name if it exists")
      ("annotation", "Annotation KEY=VALUE on the list itself (podman 5.0 or newer; repeatable)", cxxopts::value<std::vector<std::string>>(), "KEY=VALUE");
    add_manifest_registry_options(options);
  } else if (name == "add") {
    options.add_options("Add")
      ("all", "Add every instance of an image that is a list")
      ("artifact", "Add the arguments as files of one OCI artifact (podman 5.0 or newer)")
      ("artifact-type", "With --artifact: its artifactType (empty: none)", cxxopts::value<std::string>(), "TYPE")
      ("artifact-config", "With --artifact: a file with its configuration", cxxopts::value<std::string>(), "FILE")
      ("artifact-config-type", "With --artifact: the configuration's media type", cxxopts::value<std::string>(), "TYPE")
      ("artifact-layer-type", "With --artifact: the files' media type", cxxopts::value<std::string>(), "TYPE")
      ("artifact-exclude-titles", "With --artifact: no org.opencontainers.image.title annotations")
      ("artifact-subject", "With --artifact: the artifact's subject (an image reference)", cxxopts::value<std::string>(), "IMAGE");
    add_platform_options(options);
    add_manifest_registry_options(options);
  } else if (name == "annotate") {
    options.add_options("Annotate")("index", "Annotate the list itself (podman 5.4 or newer)");
    add_platform_options(options);
  } else if (name == "inspect") {
    options.add_options("Inspect")("v,verbose", "Accepted for podman compatibility; no effect");
    add_manifest_registry_options(options);
  } else if (name == "push") {
    options.add_options("Push")
      ("all", "Also push the images the list references", cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL")
      ("format", "List format: oci or docker (default: the list's own)", cxxopts::value<std::string>(), "FORMAT")
      ("digestfile", "Write the pushed list's digest to FILE", cxxopts::value<std::string>(), "FILE")
      ("rm", "Remove the local list after a successful push")
      ("purge", "Same as --rm")
      ("q,quiet", "Print no progress")
      ("remove-signatures", "Do not copy the images' signatures")
      ("compression-format", "Compress layers with gzip, zstd or zstd:chunked", cxxopts::value<std::string>(), "FORMAT")
      ("compression-level", "Compression level (podman 4.6 or newer)", cxxopts::value<int>(), "LEVEL")
      ("add-compression", "Also push instances compressed with these formats (podman 4.7 or newer; repeatable)", cxxopts::value<std::vector<std::string>>(), "FORMAT")
      ("force-compression", "Recompress layers already compressed otherwise (podman 4.7 or newer)", cxxopts::value<bool>()->implicit_value("true"), "BOOL")
      ("allow-empty", "Push a list that has no images (podman does without asking)");
    add_retry_options(options);
    add_manifest_registry_options(options);
  } else if (name == "rm") {
    options.add_options("Remove")("i,ignore", "A list that does not exist is no error");
  }
  // clang-format on
  options.parse_positional({"args"});
  return options;
}

int
run_manifest(const std::vector<std::string>& args, const GlobalOptions& globals)
{
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    fmt::print("Usage: podman-multiarch manifest VERB [OPTIONS]\n\nVerbs:\n");
    for (const auto& verb : k_verbs) {
      fmt::print("  {:<9} {:<18} {}\n", verb.name, verb.usage, verb.summary);
    }
    fmt::print("\nRun 'podman-multiarch manifest VERB --help' for a verb's options.\n");
    return args.empty() ? 2 : 0;
  }
  const auto verb = std::find_if(k_verbs.begin(), k_verbs.end(), [&](const Verb& v) { return args[0] == v.name; });
  if (verb == k_verbs.end()) {
    return report(Error(ErrorClass::usage,
                        fmt::format("unknown manifest verb '{}'{}", args[0], util::did_you_mean(args[0], verb_names())),
                        "see podman-multiarch manifest --help"));
  }
  const std::string name = verb->name;
  auto options = manifest_command_options(name);
  int done = 0;
  auto parsed = parse_command_line(options, std::vector<std::string>(args.begin() + 1, args.end()), globals,
                                   verb->examples, done);
  if (!parsed) {
    return done;
  }
  const auto positional = strings_of(*parsed, "args");
  const std::string usage = verb->usage;
  const auto words = util::split(usage, ' ');
  const auto required = static_cast<size_t>(
      std::count_if(words.begin(), words.end(), [](const std::string& word) { return !word.starts_with('['); }));
  const bool variadic = usage.find("...") != std::string::npos;
  const bool digest_missing = name == "annotate" && parsed->count("index") == 0 && positional.size() == 1;
  if (positional.size() < required || digest_missing || (!variadic && positional.size() > words.size())) {
    return report(Error(ErrorClass::usage, fmt::format("usage: podman-multiarch manifest {} {}", name, usage),
                        digest_missing ? "give the entry's digest, or --index to annotate the list itself" : ""));
  }
  for (size_t i = 0; i < positional.size(); ++i) {
    if (util::trim(positional[i]).empty()) {
      // podman answers "invalid reference format" from the service; nothing is asked here.
      return report(Error(ErrorClass::usage,
                          fmt::format("manifest {}: argument {} is empty (usage: podman-multiarch manifest {} {})",
                                      name, i + 1, name, usage)));
    }
  }
  if (name == "push" && parsed->count("format") != 0) {
    if (auto format = checked_choice(*parsed, "manifest", "format"); !format) {
      return report(format.error());
    }
  }
  if (parsed->count("insecure") != 0 && parsed->count("tls-verify") != 0) {
    return report(Error(ErrorClass::usage, "--insecure may not be used with --tls-verify"));
  }
  VerbRun run(*parsed, positional);
  if (auto ok = run.connect(globals); !ok) {
    return report(ok.error());
  }
  auto status = run_verb(name, run);
  if (!status) {
    return report(status.error());
  }
  return *status;
}

} // namespace pma::cli
