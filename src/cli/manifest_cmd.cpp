// podman-multiarch manifest create|add|annotate|remove|inspect|push|rm|exists
// — podman's manifest verbs, run on one host through its API.
#include <pma/api/reference.hpp>
#include <pma/auth/credentials.hpp>
#include <pma/cli/command.hpp>
#include <pma/util/log.hpp>
#include <pma/util/retry.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace pma::cli {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

struct Verb {
  const char* name;
  const char* usage;
  const char* summary;
  const char* examples;
};

const std::vector<Verb> k_verbs = {
    {"create", "LIST [IMAGE...]", "Create a list, optionally with images",
     "  podman-multiarch manifest create --host x86 localhost/app:1.4\n"
     "  podman-multiarch manifest create --host x86 --all localhost/app:1.4 quay.io/acme/base:1\n"},
    {"add", "LIST IMAGE...", "Add images to a list",
     "  podman-multiarch manifest add --host x86 localhost/app:1.4 quay.io/acme/app@sha256:60b2...\n"
     "  podman-multiarch manifest add --host x86 --arch arm64 --variant v8 --annotation org.example.note=hi \\\n"
     "      localhost/app:1.4 quay.io/acme/app@sha256:9a0e...\n"},
    {"annotate", "LIST DIGEST", "Set an entry's platform fields and annotations, or the list's (--index)",
     "  podman-multiarch manifest annotate --host x86 localhost/app:1.4 sha256:9a0e... --variant v8\n"
     "  podman-multiarch manifest annotate --host p5 --index --annotation org.opencontainers.image.source=URL "
     "localhost/app:1.4\n"},
    {"remove", "LIST DIGEST", "Remove an entry from a list",
     "  podman-multiarch manifest remove --host x86 localhost/app:1.4 sha256:fd1e...\n"},
    {"inspect", "LIST|IMAGE", "Show a local list, or what a registry serves, as JSON",
     "  podman-multiarch manifest inspect --host x86 localhost/app:1.4\n"
     "  podman-multiarch manifest inspect --host p5 quay.io/acme/app:1.4 | jq '.manifests[].platform'\n"},
    {"push", "LIST DESTINATION", "Push a list (and, with --all, its images) to a registry",
     "  podman-multiarch manifest push --host x86 --digestfile digest localhost/app:1.4 quay.io/acme/app:1.4\n"
     "  podman-multiarch manifest push --host x86 --retry 5 --retry-delay 10s --rm localhost/app:1.4 "
     "quay.io/acme/app:1.4\n"},
    {"rm", "LIST...", "Remove lists from the host (not their images)",
     "  podman-multiarch manifest rm --host x86 localhost/app:1.4\n"},
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
    ("annotation", "Annotation KEY=VALUE (repeatable)", cxxopts::value<std::vector<std::string>>(), "KEY=VALUE");
  // clang-format on
}

std::string
string_of(const cxxopts::ParseResult& parsed, const char* name)
{
  return parsed.count(name) != 0 ? parsed[name].as<std::string>() : std::string();
}

std::vector<std::string>
strings_of(const cxxopts::ParseResult& parsed, const char* name)
{
  return parsed.count(name) != 0 ? parsed[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

// One verb's run: its parsed options, one host, credentials.
class VerbRun {
public:
  VerbRun(const cxxopts::ParseResult& parsed, std::vector<std::string> args)
    : m_parsed(parsed)
    , m_args(std::move(args))
  {
  }

  Result<void>
  connect(const GlobalOptions& globals)
  {
    auto selection = host_selection(m_parsed, globals);
    if (!selection) {
      return util::Unexpected(std::move(selection).error());
    }
    // The first selected host: --host, else the configuration's default.
    auto session = hosts::open_session(selection->hosts.front(), selection->connect);
    if (!session) {
      return util::Unexpected(std::move(session).error());
    }
    m_session = std::move(*session);
    auto store = load_credentials(m_parsed);
    if (!store) {
      return util::Unexpected(std::move(store).error());
    }
    m_credentials = std::move(*store);
    return {};
  }

  api::LibpodClient&
  client()
  {
    return m_session->client();
  }
  const std::vector<std::string>&
  args() const
  {
    return m_args;
  }
  const cxxopts::ParseResult&
  parsed() const
  {
    return m_parsed;
  }

  std::optional<bool>
  tls_verify() const
  {
    return m_parsed.count("tls-verify") != 0 ? m_parsed["tls-verify"].as<bool>() : true;
  }

  const auth::CredentialStore&
  credentials() const
  {
    return m_credentials;
  }

  // X-Registry-Auth for an operation on `references`.
  std::string
  auth_header(const std::vector<std::string>& references) const
  {
    return m_credentials.header_for(references);
  }

private:
  const cxxopts::ParseResult& m_parsed;
  std::vector<std::string> m_args;
  std::unique_ptr<hosts::Session> m_session;
  auth::CredentialStore m_credentials;
};

Result<void>
add_images(VerbRun& run, const std::string& list, const std::vector<std::string>& images, const bool all)
{
  for (const auto& image : images) {
    api::ManifestAddRequest add;
    add.image = image; // as podman sends it: no transport means docker://
    add.all = all;
    const auto& parsed = run.parsed();
    add.platform.os = string_of(parsed, "os");
    add.platform.architecture = string_of(parsed, "arch");
    add.platform.variant = string_of(parsed, "variant");
    add.os_version = string_of(parsed, "os-version");
    add.os_features = strings_of(parsed, "os-features");
    add.features = strings_of(parsed, "features");
    add.annotations = strings_of(parsed, "annotation");
    add.auth_header = run.auth_header({image});
    add.tls_verify = run.tls_verify();
    if (auto ok = run.client().manifest_add(list, add); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
  }
  return {};
}

Result<int>
run_verb(const std::string& verb, VerbRun& run)
{
  const auto& args = run.args();
  const auto& parsed = run.parsed();
  auto& client = run.client();
  if (verb == "create") {
    auto ok = client.manifest_create(args[0], strings_of(parsed, "annotation"), parsed.count("amend") != 0);
    if (!ok) {
      return util::Unexpected(std::move(ok).error());
    }
    if (auto added = add_images(run, args[0], {args.begin() + 1, args.end()}, parsed.count("all") != 0); !added) {
      return util::Unexpected(std::move(added).error());
    }
    fmt::print("{}\n", args[0]);
  } else if (verb == "add") {
    if (auto ok = add_images(run, args[0], {args.begin() + 1, args.end()}, parsed.count("all") != 0); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
  } else if (verb == "annotate") {
    api::ManifestAnnotateRequest request;
    request.index = parsed.count("index") != 0;
    if (!request.index) {
      std::string digest = args.size() > 1 ? args[1] : std::string();
      if (const size_t at = digest.find('@'); at != std::string::npos) {
        digest = digest.substr(at + 1);
      }
      if (!api::is_sha256_digest(digest)) {
        return util::Unexpected(Error(ErrorClass::usage,
                                      fmt::format("'{}' is not an entry digest", args.size() > 1 ? args[1] : ""),
                                      "give sha256:… as shown by podman-multiarch manifest inspect, or --index"));
      }
      request.digest = digest;
    }
    request.os = string_of(parsed, "os");
    request.architecture = string_of(parsed, "arch");
    request.variant = string_of(parsed, "variant");
    request.os_version = string_of(parsed, "os-version");
    request.os_features = strings_of(parsed, "os-features");
    request.features = strings_of(parsed, "features");
    request.annotations = strings_of(parsed, "annotation");
    if (auto ok = client.manifest_annotate(args[0], request); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
  } else if (verb == "remove") {
    if (auto ok = client.manifest_remove(args[0], args[1]); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
  } else if (verb == "exists") {
    auto exists = client.manifest_exists(args[0]);
    if (!exists) {
      return util::Unexpected(std::move(exists).error());
    }
    return *exists ? 0 : 1;
  } else if (verb == "rm") {
    for (const auto& list : args) {
      auto exists = client.manifest_exists(list);
      if (!exists) {
        return util::Unexpected(std::move(exists).error());
      }
      if (!*exists) {
        return util::fail(ErrorClass::api, fmt::format("{}: no such manifest list", list));
      }
      if (auto ok = client.manifest_delete(list); !ok) {
        return util::Unexpected(std::move(ok).error());
      }
      fmt::print("{}\n", list);
    }
  } else if (verb == "inspect") {
    auto index = client.manifest_inspect(args[0], run.auth_header({args[0]}), run.tls_verify());
    if (!index) {
      return util::Unexpected(std::move(index).error());
    }
    if (!*index) {
      return util::fail(ErrorClass::api, fmt::format("{}: no such manifest list or image", args[0]));
    }
    const auto json = nlohmann::ordered_json::parse((*index)->body, nullptr, false);
    fmt::print("{}\n", json.is_discarded() ? (*index)->body : json.dump(4));
  } else if (verb == "push") {
    api::ManifestPushRequest push;
    push.destination = args[1];
    push.all = parsed["all"].as<bool>();
    push.format = parsed["format"].as<std::string>() == "docker" ? "docker" : "oci";
    // --all copies the images from wherever they were added: registries we cannot know.
    push.auth_header = push.all ? run.credentials().header_for_all() : run.auth_header({push.destination});
    push.tls_verify = run.tls_verify();
    auto policy = retry_policy(parsed);
    if (!policy) {
      return util::Unexpected(std::move(policy).error());
    }
    Result<std::string> digest = util::fail(ErrorClass::internal, "not pushed");
    auto pushed = util::with_retries(
        *policy, "pushing " + args[0],
        [&]() -> Result<void> {
          digest = client.manifest_push(args[0], push);
          return digest ? Result<void>() : util::Unexpected(digest.error());
        },
        [](int /*retry*/, const std::string& message) { util::log::warn("{}", message); });
    if (!pushed) {
      return util::Unexpected(std::move(pushed).error());
    }
    if (parsed.count("digestfile") != 0) {
      std::ofstream out(parsed["digestfile"].as<std::string>(), std::ios::trunc);
      out << *digest;
      if (!out.flush()) {
        return util::fail(ErrorClass::usage, fmt::format("cannot write {}", parsed["digestfile"].as<std::string>()));
      }
    }
    if (parsed.count("rm") != 0) {
      if (auto ok = client.manifest_delete(args[0]); !ok) {
        return util::Unexpected(std::move(ok).error());
      }
    }
    fmt::print("{}\n", *digest);
  }
  return 0;
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
      ("amend", "Reuse a list of that name if it exists")
      ("annotation", "Annotation KEY=VALUE on the list itself (podman 5.0 or newer; repeatable)", cxxopts::value<std::vector<std::string>>(), "KEY=VALUE");
    add_registry_options(options);
  } else if (name == "add") {
    options.add_options("Add")("all", "Add every instance of an image that is a list");
    add_platform_options(options);
    add_registry_options(options);
  } else if (name == "annotate") {
    options.add_options("Annotate")("index", "Annotate the list itself (podman 5.4 or newer)");
    add_platform_options(options);
  } else if (name == "inspect") {
    add_registry_options(options);
  } else if (name == "push") {
    options.add_options("Push")
      ("all", "Also push the images the list references", cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL")
      ("format", "List format: oci or docker", cxxopts::value<std::string>()->default_value("oci"), "FORMAT")
      ("digestfile", "Write the pushed list's digest to FILE", cxxopts::value<std::string>(), "FILE")
      ("rm", "Remove the local list after a successful push");
    add_retry_options(options);
    add_registry_options(options);
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
  const size_t required = util::split(usage, ' ').size() - (usage.find("...]") != std::string::npos ? 1 : 0);
  const bool variadic = usage.find("...") != std::string::npos;
  const bool index_only = name == "annotate" && parsed->count("index") != 0;
  if ((positional.size() < required && !(index_only && positional.size() == 1)) ||
      (!variadic && positional.size() > required)) {
    return report(Error(ErrorClass::usage, fmt::format("usage: podman-multiarch manifest {} {}", name, usage)));
  }
  if (name == "push") {
    if (auto format = checked_choice(*parsed, "manifest", "format"); !format) {
      return report(format.error());
    }
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
