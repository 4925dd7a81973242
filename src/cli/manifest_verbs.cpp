// The `manifest` verbs, run on one host through its API: what each sends, and
// what it prints (podman's output).
#include "manifest_verbs.hpp"

#include <pma/oci/digest.hpp>
#include <pma/oci/reference.hpp>
#include <pma/output/manifest_view.hpp>
#include <pma/registry/reader.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/retry.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <fstream>

namespace pma::cli {

using util::Error;
using util::ErrorClass;
using util::Result;

Result<void>
VerbRun::connect(const GlobalOptions& globals)
{
  auto selection = host_selection(m_parsed, globals);
  if (!selection) {
    return util::Unexpected(std::move(selection).error());
  }
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

namespace {

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

// --artifact and its options, as podman checks them: FILES are what it uploads.
Result<std::optional<libpod::ArtifactRequest>>
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
    return std::optional<libpod::ArtifactRequest>();
  }
  libpod::ArtifactRequest artifact;
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
  libpod::ManifestAnnotateRequest request;
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
    libpod::ManifestAddRequest add;
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
  libpod::ManifestAnnotateRequest request;
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
    if (!oci::is_sha256_digest(digest)) {
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
  const auto ref = oci::TransportRef::parse(name);
  if (ref.transport.empty()) {
    auto exists = run.client().manifest_exists(name);
    if (exists && *exists) {
      auto index = run.client().manifest_inspect(name, "", std::nullopt);
      if (!index) {
        return util::Unexpected(std::move(index).error());
      }
      if (*index) {
        fmt::print("{}\n", util::redact::apply(output::podman_json((*index)->body)));
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
    fmt::print("{}\n", util::redact::apply(output::podman_json(direct->bytes)));
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
  fmt::print("{}\n", util::redact::apply(output::podman_json((*index)->body)));
  return 0;
}

Result<int>
run_push(VerbRun& run)
{
  const auto& args = run.args();
  const auto& parsed = run.parsed();
  auto& client = run.client();
  libpod::ManifestPushRequest push;
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
    push.on_progress = [](std::string_view line) { fmt::print(stderr, "{}\n", util::redact::apply(line)); };
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
  fmt::print("{}", output::removal_text(*removed));
  (void)std::fflush(stdout);
  for (const auto& error : removed->errors) {
    report(Error(ErrorClass::api, error).with_host(run.session().host().name));
  }
  return removed->errors.empty() ? 0 : 1;
}

} // namespace

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

} // namespace pma::cli
