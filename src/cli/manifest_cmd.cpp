// podman-multiarch manifest create|add|annotate|remove|inspect|push|rm|exists
// — podman's manifest verbs, one table entry each: the options and operands
// of each, read into the request of its use case (app/manifest.hpp), whose
// result is printed as podman prints it.
#include <pma/app/manifest.hpp>
#include <pma/output/manifest_view.hpp>
#include <pma/util/redact.hpp>

#include <fmt/format.h>

#include <cstdio>

#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

// --tls-verify or --insecure, if given: like podman, nothing is sent otherwise
// and the host's registries.conf decides.
std::optional<bool>
tls_verify(const Invocation& call)
{
  if (call.given("insecure")) {
    return !call.get<bool>("insecure"); // --insecure=false asks for verification
  }
  return call.given("tls-verify") ? std::optional(call.get<bool>("tls-verify")) : std::nullopt;
}

// Runs `verb` in a session with the first selected host; its exit status.
template <typename Verb>
int
in_session(const Invocation& call, Verb&& verb)
{
  if (call.given("insecure") && call.given("tls-verify")) {
    return report(Error(ErrorClass::usage, "--insecure may not be used with --tls-verify"));
  }
  auto session = app::ManifestSession::open(host_choice(call), auth_options(call));
  if (!session) {
    return report(session.error());
  }
  Result<int> status = std::forward<Verb>(verb)(session->host());
  return status ? *status : report(status.error());
}

// The list's ID, as podman prints it.
Result<int>
print_id(Result<std::string> id)
{
  PMA_TRY_ASSIGN(const auto text, std::move(id));
  fmt::print("{}\n", text);
  return util::to_int(util::ExitStatus::success);
}

app::EntryFields
entry_fields(const Invocation& call)
{
  return {.os = call.text("os").value_or(""),
          .architecture = call.text("arch").value_or(""),
          .variant = call.text("variant").value_or(""),
          .os_version = call.text("os-version").value_or(""),
          .os_features = call.texts("os-features"),
          .features = call.texts("features"),
          .annotations = call.texts("annotation")};
}

std::vector<std::string>
images(const Invocation& call)
{
  return {call.operands().begin() + 1, call.operands().end()};
}

int
run_create(const Invocation& call)
{
  return in_session(call, [&](app::ManifestHost& host) {
    return print_id(app::create_list(host, {.list = call.operands()[0],
                                            .images = images(call),
                                            .amend = call.given("amend"),
                                            .all = call.given("all"),
                                            .annotations = call.texts("annotation"),
                                            .tls_verify = tls_verify(call)}));
  });
}

int
run_add(const Invocation& call)
{
  const app::ArtifactOptions artifact{.enabled = call.given("artifact"),
                                      .type = call.text("artifact-type"),
                                      .config_file = call.text("artifact-config"),
                                      .config_type = call.text("artifact-config-type"),
                                      .layer_type = call.text("artifact-layer-type"),
                                      .subject = call.text("artifact-subject"),
                                      .exclude_titles = call.given("artifact-exclude-titles")};
  return in_session(call, [&](app::ManifestHost& host) {
    return print_id(app::add_to_list(host, {.list = call.operands()[0],
                                            .images = images(call),
                                            .all = call.given("all"),
                                            .entry = entry_fields(call),
                                            .artifact = artifact,
                                            .tls_verify = tls_verify(call)}));
  });
}

int
run_annotate(const Invocation& call)
{
  const auto& args = call.operands();
  return in_session(call, [&](app::ManifestHost& host) {
    return print_id(app::annotate_list(host, {.list = args[0],
                                              .entry = args.size() > 1 ? std::optional(args[1]) : std::nullopt,
                                              .index = call.given("index"),
                                              .fields = entry_fields(call)}));
  });
}

int
run_remove(const Invocation& call)
{
  return in_session(call, [&](app::ManifestHost& host) {
    return print_id(app::remove_from_list(host, call.operands()[0], call.operands()[1]));
  });
}

int
run_inspect(const Invocation& call)
{
  return in_session(call, [&](app::ManifestHost& host) -> Result<int> {
    PMA_TRY_ASSIGN(const auto body, app::inspect_list(host, call.operands()[0], tls_verify(call)));
    fmt::print("{}\n", util::redact::apply(output::podman_json(body)));
    return util::to_int(util::ExitStatus::success);
  });
}

int
run_push(const Invocation& call)
{
  const auto& args = call.operands();
  app::PushRequest push{.list = args[0],
                        .destination = args.size() > 1 ? args[1] : std::string(),
                        .all = call.get<bool>("all"),
                        .format = call.text("format"),
                        .tls_verify = tls_verify(call),
                        .remove_signatures = call.given("remove-signatures"),
                        .compression_format = call.text("compression-format").value_or(""),
                        .allow_empty = call.given("allow-empty"),
                        .retries = call.get<int>("retry"),
                        .retry_delay = call.get<std::string>("retry-delay"),
                        .digest_file = call.text("digestfile"),
                        .remove_after = call.given("rm") || call.given("purge")};
  if (call.given("compression-level")) {
    push.compression_level = call.get<int>("compression-level");
  }
  if (call.given("add-compression")) {
    push.add_compression = call.texts("add-compression");
  }
  if (call.given("force-compression")) {
    push.force_compression = call.get<bool>("force-compression");
  }
  if (!call.given("quiet")) {
    push.on_progress = [](std::string_view line) { fmt::print(stderr, "{}\n", util::redact::apply(line)); };
  }
  auto signing = signing_request(call);
  if (!signing) {
    return report(signing.error());
  }
  push.signing = std::move(*signing);
  return in_session(call, [&](app::ManifestHost& host) -> Result<int> {
    PMA_TRY(app::push_list(host, push));
    return util::to_int(util::ExitStatus::success); // podman prints nothing on success: the digest goes to --digestfile
  });
}

int
run_rm(const Invocation& call)
{
  return in_session(call, [&](app::ManifestHost& host) -> Result<int> {
    PMA_TRY_ASSIGN(const auto removed, app::remove_lists(host, call.operands(), call.given("ignore")));
    fmt::print("{}", output::removal_text(removed));
    (void)std::fflush(stdout);
    for (const auto& error : removed.errors) {
      report(Error(ErrorClass::api, error).with_host(host.name));
    }
    return util::to_int(removed.errors.empty() ? util::ExitStatus::success : util::ExitStatus::failure);
  });
}

int
run_exists(const Invocation& call)
{
  return in_session(call, [&](app::ManifestHost& host) -> Result<int> {
    PMA_TRY_ASSIGN(const bool exists, app::list_exists(host, call.operands()[0]));
    return util::to_int(exists ? util::ExitStatus::success : util::ExitStatus::failure);
  });
}

Error
annotate_refusal(const Command& verb, const std::vector<std::string>& /*operands*/, const bool one_short)
{
  return {ErrorClass::usage, fmt::format("usage: podman-multiarch manifest {} {}", verb.name, verb.operands.synopsis),
          one_short ? "give the entry's digest, or --index to annotate the list itself" : ""};
}

// --os, --arch, … of an entry.
std::vector<Option>
entry_options()
{
  const std::string group = "Entry";
  return {
      {group, "arch", "Architecture of the entry", cxxopts::value<std::string>(), "ARCH"},
      {group, "os", "Operating system of the entry", cxxopts::value<std::string>(), "OS"},
      {group, "variant", "Architecture variant of the entry", cxxopts::value<std::string>(), "VARIANT"},
      {group, "os-version", "OS version of the entry", cxxopts::value<std::string>(), "VERSION"},
      {group, "os-features", "OS features of the entry (repeatable)", cxxopts::value<std::vector<std::string>>(),
       "FEATURE"},
      {group, "features", "Features of the entry (repeatable)", cxxopts::value<std::vector<std::string>>(), "FEATURE"},
      {group, "annotation", "Annotation KEY=VALUE (repeatable; commas are part of the value)",
       cxxopts::value<std::vector<std::string>>(), "KEY=VALUE"},
  };
}

// The registry options, and podman's --insecure: a hidden synonym of
// --tls-verify=false, here a documented one.
std::vector<Option>
manifest_registry_options()
{
  return joined(registry_options(),
                {{{"Registry", "insecure", "Same as --tls-verify=false (podman's older spelling)"}}});
}

// One verb: its options come after the host selection every verb has.
Command
verb(Command entry, const std::vector<std::vector<Option>>& options)
{
  entry.parent = "manifest";
  entry.usage = entry.operands.synopsis + " [OPTIONS]";
  entry.operands.holder = "args";
  entry.operands.non_empty = true;
  entry.options = joined(joined(host_selection_options(), {{operands_holder("", "args")}}), options);
  return entry;
}

std::vector<Command>
verbs()
{
  using Options = std::vector<Option>;
  const auto value = [] { return cxxopts::value<std::string>(); };
  const auto values = [] { return cxxopts::value<std::vector<std::string>>(); };
  return {
      verb(
          {.name = "create",
           .summary = "Create a list, optionally with images; prints its ID",
           .examples = "  podman-multiarch manifest create --host x86 localhost/app:1.4\n"
                       "  podman-multiarch manifest create --host x86 --all localhost/app:1.4 quay.io/acme/base:1\n",
           .operands = {.synopsis = "LIST [IMAGE...]", .min = 1, .max = k_unbounded},
           .run = run_create},

          {Options{{"Create", "all", "Add every instance of each image that is a list"},
                   {"Create", "a,amend", "Reuse a list of that name if it exists"},
                   {"Create", "annotation", "Annotation KEY=VALUE on the list itself (podman 5.0 or newer; repeatable)",
                    values(), "KEY=VALUE"}},
           manifest_registry_options()}),
      verb(
          {.name = "add",
           .summary = "Add images to a list; prints its ID",
           .examples =
               "  podman-multiarch manifest add --host x86 localhost/app:1.4 docker://quay.io/acme/app@sha256:60b2...\n"
               "  podman-multiarch manifest add --host x86 --arch arm64 --variant v8 --annotation "
               "org.example.note=hi \\\n"
               "      localhost/app:1.4 quay.io/acme/app@sha256:9a0e...\n"
               "  podman-multiarch manifest add --host x86 localhost/app:1.4 containers-storage:localhost/app-s390x\n",
           .operands = {.synopsis = "LIST IMAGE...", .min = 2, .max = k_unbounded},
           .run = run_add},

          {Options{{"Add", "all", "Add every instance of an image that is a list"},
                   {"Add", "artifact", "Add the arguments as files of one OCI artifact (podman 5.0 or newer)"},
                   {"Add", "artifact-type", "With --artifact: its artifactType (empty: none)", value(), "TYPE"},
                   {"Add", "artifact-config", "With --artifact: a file with its configuration", value(), "FILE"},
                   {"Add", "artifact-config-type", "With --artifact: the configuration's media type", value(), "TYPE"},
                   {"Add", "artifact-layer-type", "With --artifact: the files' media type", value(), "TYPE"},
                   {"Add", "artifact-exclude-titles", "With --artifact: no org.opencontainers.image.title annotations"},
                   {"Add", "artifact-subject", "With --artifact: the artifact's subject (an image reference)", value(),
                    "IMAGE"}},
           entry_options(), manifest_registry_options()}),
      verb({.name = "annotate",
            .summary = "Set an entry's platform fields and annotations, or the list's (--index)",
            .examples =
                "  podman-multiarch manifest annotate --host x86 localhost/app:1.4 sha256:9a0e... --variant v8\n"
                "  podman-multiarch manifest annotate --host p5 --index --annotation "
                "org.opencontainers.image.source=URL localhost/app:1.4\n",
            .operands = {.synopsis = "LIST [DIGEST]", .min = 2, .max = 2, .enough_with = "index"},
            .refusal = annotate_refusal,
            .run = run_annotate},
           {Options{{"Annotate", "index", "Annotate the list itself (podman 5.4 or newer)"}}, entry_options()}),
      verb({.name = "remove",
            .summary = "Remove an entry from a list; prints the list's ID",
            .examples = "  podman-multiarch manifest remove --host x86 localhost/app:1.4 sha256:fd1e...\n",
            .operands = {.synopsis = "LIST DIGEST", .min = 2, .max = 2},
            .run = run_remove},
           {}),
      verb({.name = "inspect",
            .summary = "Show a local list, or what a registry serves, as JSON",
            .examples = "  podman-multiarch manifest inspect --host x86 localhost/app:1.4\n"
                        "  podman-multiarch manifest inspect docker://quay.io/acme/app:1.4 | jq "
                        "'.manifests[].platform'\n",
            .operands = {.synopsis = "LIST|IMAGE", .min = 1, .max = 1},
            .run = run_inspect},

           {Options{{"Inspect", "v,verbose", "Accepted for podman compatibility; no effect"}},
            manifest_registry_options()}),
      verb(
          {.name = "push",
           .summary = "Push a list (and, with --all, its images) to a registry",
           .examples =
               "  podman-multiarch manifest push --host x86 --digestfile digest localhost/app:1.4 "
               "quay.io/acme/app:1.4\n"
               "  podman-multiarch manifest push --host x86 --retry 5 --retry-delay 10s --rm quay.io/acme/app:1.4\n",
           .operands = {.synopsis = "LIST [DESTINATION]", .min = 1, .max = 2},
           .run = run_push},

          {Options{
               {"Push", "all", "Also push the images the list references",
                cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL"},
               {"Push",
                "format",
                "List format: oci or docker (default: the list's own)",
                value(),
                "FORMAT",
                {"oci", "docker"}},
               {"Push", "digestfile", "Write the pushed list's digest to FILE", value(), "FILE"},
               {"Push", "rm", "Remove the local list after a successful push"},
               {"Push", "purge", "Same as --rm"},
               {"Push", "q,quiet", "Print no progress"},
               {"Push", "remove-signatures", "Do not copy the images' signatures"},
               {"Push", "compression-format", "Compress layers with gzip, zstd or zstd:chunked", value(), "FORMAT"},
               {"Push", "compression-level", "Compression level (podman 4.6 or newer)", cxxopts::value<int>(), "LEVEL"},
               {"Push", "add-compression",
                "Also push instances compressed with these formats (podman 4.7 or newer; repeatable)", values(),
                "FORMAT"},
               {"Push", "force-compression", "Recompress layers already compressed otherwise (podman 4.7 or newer)",
                cxxopts::value<bool>()->implicit_value("true"), "BOOL"},
               {"Push", "allow-empty", "Push a list that has no images (podman does without asking)"}},
           signing_options(), retry_options(), manifest_registry_options()}),
      verb({.name = "rm",
            .summary = "Remove lists from the host (not their images)",
            .examples = "  podman-multiarch manifest rm --host x86 localhost/app:1.4\n"
                        "  podman-multiarch manifest rm --host x86 --ignore localhost/maybe:1\n",
            .operands = {.synopsis = "LIST...", .min = 1, .max = k_unbounded},
            .run = run_rm},
           {Options{{"Remove", "i,ignore", "A list that does not exist is no error"}}}),
      verb({.name = "exists",
            .summary = "Exit 0 if the list exists on the host, 1 if not",
            .examples = "  podman-multiarch manifest exists --host x86 localhost/app:1.4 || podman-multiarch manifest "
                        "create --host x86 localhost/app:1.4\n",
            .operands = {.synopsis = "LIST", .min = 1, .max = 1},
            .run = run_exists},
           {}),
  };
}

} // namespace

Command
manifest_command()
{
  return {.name = "manifest",
          .summary = "podman's manifest verbs (create, add, annotate, remove, inspect, push, rm, exists) on a host",
          .usage = " [OPTIONS]",
          .options = joined(host_selection_options(), {{operands_holder("", "args")}}),
          .verbs = verbs()};
}

} // namespace pma::cli
