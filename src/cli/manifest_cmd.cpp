// podman-multiarch manifest create|add|annotate|remove|inspect|push|rm|exists
// — podman's manifest verbs, run on one host through its API.
#include <pma/api/reference.hpp>
#include <pma/auth/credentials.hpp>
#include <pma/cli/command.hpp>
#include <pma/registry/reader.hpp>
#include <pma/util/fs.hpp>
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

// --annotation values must be KEY=VALUE, as podman checks before sending.
Result<std::vector<std::string>>
annotations_of(const cxxopts::ParseResult& parsed)
{
  auto annotations = strings_of(parsed, "annotation");
  for (const auto& annotation : annotations) {
    if (annotation.find('=') == std::string::npos || annotation.front() == '=') {
      return util::Unexpected(Error(ErrorClass::usage, fmt::format("no value given for annotation '{}'", annotation),
                                    "--annotation takes KEY=VALUE"));
    }
  }
  return annotations;
}

// JSON as podman prints it: four spaces, and <, > and & escaped as Go's encoder does.
std::string
podman_json(const std::string& body)
{
  const auto json = nlohmann::ordered_json::parse(body, nullptr, false);
  if (json.is_discarded()) {
    return body;
  }
  std::string out;
  for (const char c : json.dump(4)) {
    switch (c) {
    case '<':
      out += "\\u003c";
      break;
    case '>':
      out += "\\u003e";
      break;
    case '&':
      out += "\\u0026";
      break;
    default:
      out += c;
    }
  }
  return out;
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
    m_add_compression = selection->add_compression;
    auto store = load_credentials(m_parsed);
    if (!store) {
      return util::Unexpected(std::move(store).error());
    }
    m_credentials = std::move(*store);
    return {};
  }

  hosts::Session&
  session()
  {
    return *m_session;
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
  const auth::CredentialStore&
  credentials() const
  {
    return m_credentials;
  }
  // containers.conf's default for --add-compression, as podman's CLI reads it.
  const std::vector<std::string>&
  configured_add_compression() const
  {
    return m_add_compression;
  }

  // --tls-verify or --insecure, if given: like podman, nothing is sent otherwise
  // and the host's registries.conf decides.
  std::optional<bool>
  tls_verify() const
  {
    if (m_parsed.count("insecure") != 0) {
      return !m_parsed["insecure"].as<bool>(); // --insecure=false asks for verification
    }
    return m_parsed.count("tls-verify") != 0 ? std::optional(m_parsed["tls-verify"].as<bool>()) : std::nullopt;
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
  std::vector<std::string> m_add_compression;
};

// --artifact and its options, as podman checks them: FILES are what it uploads.
Result<std::optional<api::ArtifactRequest>>
artifact_of(const cxxopts::ParseResult& parsed, const std::vector<std::string>& files)
{
  static constexpr const char* k_options[] = {"artifact-type",       "artifact-config",  "artifact-config-type",
                                              "artifact-layer-type", "artifact-subject", "artifact-exclude-titles"};
  if (parsed.count("artifact") == 0) {
    std::vector<std::string> given;
    for (const char* option : k_options) {
      if (parsed.count(option) != 0) {
        given.push_back(fmt::format("--{}", option));
      }
    }
    if (!given.empty()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("{} require{} --artifact", util::join(given, "/"), given.size() == 1 ? "s" : ""));
    }
    return std::optional<api::ArtifactRequest>();
  }
  api::ArtifactRequest artifact;
  for (const auto& file : files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      return util::fail(ErrorClass::usage, fmt::format("--artifact: {} is not a file", file));
    }
    artifact.files.emplace_back(file);
  }
  if (parsed.count("artifact-type") != 0) {
    artifact.type = parsed["artifact-type"].as<std::string>();
  }
  if (const std::string file = string_of(parsed, "artifact-config"); !file.empty()) {
    auto config = util::read_file(file);
    if (!config) {
      return util::Unexpected(std::move(config).error());
    }
    artifact.config = std::move(*config);
  }
  artifact.config_type = string_of(parsed, "artifact-config-type");
  artifact.layer_type = string_of(parsed, "artifact-layer-type");
  artifact.subject = string_of(parsed, "artifact-subject");
  artifact.exclude_titles = parsed.count("artifact-exclude-titles") != 0;
  return std::optional(std::move(artifact));
}

// The service ignores an artifact's platform fields and annotations (podman
// sets them after adding it, locally): the new entry is annotated with them.
Result<void>
annotate_new_artifact(VerbRun& run, const std::string& list, const std::vector<std::string>& annotations)
{
  const auto& parsed = run.parsed();
  api::ManifestAnnotateRequest request;
  request.os = string_of(parsed, "os");
  request.architecture = string_of(parsed, "arch");
  request.variant = string_of(parsed, "variant");
  request.os_version = string_of(parsed, "os-version");
  request.os_features = strings_of(parsed, "os-features");
  request.features = strings_of(parsed, "features");
  request.annotations = annotations;
  if (request.os.empty() && request.architecture.empty() && request.variant.empty() && request.os_version.empty() &&
      request.os_features.empty() && request.features.empty() && request.annotations.empty()) {
    return {};
  }
  auto index = run.client().manifest_inspect(list, "", std::nullopt);
  if (!index) {
    return util::Unexpected(std::move(index).error());
  }
  if (!*index || (*index)->manifests.empty()) {
    return util::fail(ErrorClass::api, fmt::format("{}: the artifact added is not in the list", list));
  }
  request.digest = (*index)->manifests.back().digest; // the service appends
  auto id = run.client().manifest_annotate(list, request);
  return id ? Result<void>() : util::Unexpected(std::move(id).error());
}

// Adds `images` to `list` with the entry options (or, with --artifact, one
// artifact of these files); returns the list's ID.
Result<std::string>
add_images(VerbRun& run, const std::string& list, const std::vector<std::string>& images, const bool all)
{
  const auto& parsed = run.parsed();
  auto annotations = annotations_of(parsed);
  if (!annotations) {
    return util::Unexpected(std::move(annotations).error());
  }
  auto artifact = artifact_of(parsed, images);
  if (!artifact) {
    return util::Unexpected(std::move(artifact).error());
  }
  std::string id;
  for (const auto& image : *artifact ? std::vector<std::string>{""} : images) {
    api::ManifestAddRequest add;
    add.artifact = *artifact;
    add.image = image; // as podman sends it: no transport means docker://
    add.all = all;
    add.platform.os = string_of(parsed, "os");
    add.platform.architecture = string_of(parsed, "arch");
    add.platform.variant = string_of(parsed, "variant");
    add.os_version = string_of(parsed, "os-version");
    add.os_features = strings_of(parsed, "os-features");
    add.features = strings_of(parsed, "features");
    add.annotations = *annotations;
    add.auth_header = image.empty() ? std::string() : run.auth_header({image});
    add.tls_verify = run.tls_verify();
    auto added = run.client().manifest_add(list, add);
    if (!added) {
      return util::Unexpected(std::move(added).error());
    }
    id = std::move(*added);
  }
  if (*artifact) {
    if (auto ok = annotate_new_artifact(run, list, *annotations); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
  }
  return id;
}

Result<int>
run_create(VerbRun& run)
{
  const auto& args = run.args();
  const auto& parsed = run.parsed();
  auto& client = run.client();
  const bool amend = parsed.count("amend") != 0;
  bool existed = false;
  if (amend) {
    auto exists = client.manifest_exists(args[0]);
    existed = exists && *exists;
  }
  auto id = client.manifest_create(args[0], strings_of(parsed, "annotation"), amend);
  if (!id) {
    return util::Unexpected(std::move(id).error());
  }
  if (args.size() > 1) {
    auto added = add_images(run, args[0], {args.begin() + 1, args.end()}, parsed.count("all") != 0);
    if (!added) {
      // All or nothing: a list we created is not left behind half filled (podman leaves it).
      if (!existed) {
        (void)client.manifest_delete(args[0]);
      }
      return util::Unexpected(std::move(added).error());
    }
    id = std::move(added);
  }
  fmt::print("{}\n", *id);
  return 0;
}

Result<int>
run_annotate(VerbRun& run)
{
  const auto& args = run.args();
  const auto& parsed = run.parsed();
  api::ManifestAnnotateRequest request;
  request.index = parsed.count("index") != 0;
  if (request.index && args.size() > 1) {
    return util::Unexpected(
        Error(ErrorClass::usage,
              fmt::format("did not expect an entry ('{}') with --index, which annotates the list", args[1])));
  }
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
  auto annotations = annotations_of(parsed);
  if (!annotations) {
    return util::Unexpected(std::move(annotations).error());
  }
  request.os = string_of(parsed, "os");
  request.architecture = string_of(parsed, "arch");
  request.variant = string_of(parsed, "variant");
  request.os_version = string_of(parsed, "os-version");
  request.os_features = strings_of(parsed, "os-features");
  request.features = strings_of(parsed, "features");
  request.annotations = *annotations;
  auto id = run.client().manifest_annotate(args[0], request);
  if (!id) {
    return util::Unexpected(std::move(id).error());
  }
  fmt::print("{}\n", *id);
  return 0;
}

// podman reads a local list first, else the registry. A registry reference
// (docker://, or a name no local list has) is read here directly, with
// podman's credentials and certs.d trust; through the host only where this
// machine does not reach that registry.
Result<int>
run_inspect(VerbRun& run)
{
  const std::string& name = run.args()[0];
  const auto ref = api::TransportRef::parse(name);
  if (ref.transport.empty()) {
    auto exists = run.client().manifest_exists(name);
    if (exists && *exists) {
      auto index = run.client().manifest_inspect(name, "", std::nullopt);
      if (!index) {
        return util::Unexpected(std::move(index).error());
      }
      if (*index) {
        fmt::print("{}\n", podman_json((*index)->body));
        return 0;
      }
    }
  } else if (ref.transport != "docker") {
    return util::Unexpected(
        Error(ErrorClass::usage,
              fmt::format("manifest inspect reads local lists and registries, not {}: references", ref.transport)));
  }
  const auto image = ref.registry_image();
  if (!image) {
    return util::Unexpected(
        Error(ErrorClass::usage, fmt::format("{}: no such local list, nor a registry reference", name)));
  }
  registry::Reader reader(run.credentials(), {.tls_verify = run.tls_verify().value_or(true)});
  auto direct = reader.manifest(*image);
  if (direct) {
    fmt::print("{}\n", podman_json(direct->bytes));
    return 0;
  }
  if (!direct.error().connection_lost()) {
    Error error = std::move(direct).error();
    error.message = fmt::format("reading image \"docker://{}\": {}", image->to_string(), error.message);
    return util::Unexpected(std::move(error));
  }
  util::log::debug("reading {} from here failed ({}); asking the host", image->to_string(), direct.error().describe());
  // The service refuses what its version would ignore (--tls-verify before 4.4, credentials before 4.6).
  auto index =
      run.client().manifest_inspect(image->to_string(), run.auth_header({image->to_string()}), run.tls_verify());
  if (!index) {
    return util::Unexpected(std::move(index).error());
  }
  if (!*index) {
    return util::fail(ErrorClass::registry, fmt::format("{}: no such manifest list or image", name));
  }
  fmt::print("{}\n", podman_json((*index)->body));
  return 0;
}

Result<int>
run_push(VerbRun& run)
{
  const auto& args = run.args();
  const auto& parsed = run.parsed();
  auto& client = run.client();
  api::ManifestPushRequest push;
  push.destination = args.size() > 1 ? args[1] : args[0]; // podman: the list's own name, as typed
  push.all = parsed["all"].as<bool>();
  if (parsed.count("format") != 0) { // podman keeps the list's own type unless told
    push.format = parsed["format"].as<std::string>() == "docker" ? "docker" : "oci";
  }
  push.tls_verify = run.tls_verify();
  push.remove_signatures = parsed.count("remove-signatures") != 0;
  push.compression_format = string_of(parsed, "compression-format");
  if (parsed.count("compression-level") != 0) {
    push.compression_level = parsed["compression-level"].as<int>();
  }
  const auto add_compression =
      parsed.count("add-compression") != 0 ? strings_of(parsed, "add-compression") : run.configured_add_compression();
  for (const auto& item : add_compression) {
    for (const auto& format : util::split(item, ',')) {
      push.add_compression.push_back(format);
    }
  }
  if (parsed.count("force-compression") != 0) {
    push.force_compression = parsed["force-compression"].as<bool>();
  } else if (!push.compression_format.empty() && client.capabilities().push_add_compression) {
    push.force_compression = true; // podman's default when --compression-format is given
  }
  // --all copies the images from wherever they were added: registries we cannot know.
  push.auth_header = push.all ? run.credentials().header_for_all() : run.auth_header({push.destination});
  if (parsed.count("quiet") == 0) {
    push.on_progress = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  }
  if (parsed.count("allow-empty") == 0) {
    auto list = client.manifest_inspect(args[0], "", std::nullopt);
    if (list && *list && (*list)->is_list && (*list)->manifests.empty()) {
      return util::Unexpected(Error(
          ErrorClass::usage,
          fmt::format("{} has no images: pushing it would publish an empty list to {}", args[0], push.destination),
          "add images first (did an add fail?), or pass --allow-empty (podman pushes it without asking)"));
    }
  }
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
  if (parsed.count("rm") != 0 || parsed.count("purge") != 0) {
    if (auto ok = client.manifest_rm({args[0]}, false); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
  }
  return 0; // podman prints nothing on success: the digest goes to --digestfile
}

Result<int>
run_rm(VerbRun& run)
{
  auto removed = run.client().manifest_rm(run.args(), run.parsed().count("ignore") != 0);
  if (!removed) {
    return util::Unexpected(std::move(removed).error());
  }
  for (const auto& name : removed->untagged) {
    fmt::print("Untagged: {}\n", name);
  }
  for (const auto& id : removed->deleted) {
    fmt::print("Deleted: {}\n", id);
  }
  (void)std::fflush(stdout);
  for (const auto& error : removed->errors) {
    report(Error(ErrorClass::api, error).with_host(run.session().host().name));
  }
  return removed->errors.empty() ? 0 : 1;
}

Result<int>
run_verb(const std::string& verb, VerbRun& run)
{
  const auto& args = run.args();
  auto& client = run.client();
  const auto print_id = [](Result<std::string> id) -> Result<int> {
    if (!id) {
      return util::Unexpected(std::move(id).error());
    }
    fmt::print("{}\n", *id);
    return 0;
  };
  if (verb == "create") {
    return run_create(run);
  }
  if (verb == "add") {
    return print_id(add_images(run, args[0], {args.begin() + 1, args.end()}, run.parsed().count("all") != 0));
  }
  if (verb == "annotate") {
    return run_annotate(run);
  }
  if (verb == "remove") {
    return print_id(client.manifest_remove(args[0], args[1]));
  }
  if (verb == "exists") {
    auto exists = client.manifest_exists(args[0]);
    if (!exists) {
      return util::Unexpected(std::move(exists).error());
    }
    return *exists ? 0 : 1;
  }
  if (verb == "rm") {
    return run_rm(run);
  }
  if (verb == "inspect") {
    return run_inspect(run);
  }
  return run_push(run);
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
