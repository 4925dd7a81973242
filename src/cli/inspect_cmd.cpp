// podman-multiarch inspect IMAGE — what a registry serves for a reference.
//
// By default the registry is read directly (read-only GETs): podman's API
// cannot return a registry's bytes or an index's digest
// (docs/api-experiments-inspect.md). With --host/--connection/--farm the
// selected host's podman reads it instead, for registries only the build
// hosts can reach; what that host cannot report is shown as n/a.
#include <pma/cli/command.hpp>
#include <pma/oci/reference.hpp>
#include <pma/output/inspect_view.hpp>
#include <pma/registry/reader.hpp>
#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace pma::cli {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

constexpr const char* k_examples = R"(  podman-multiarch inspect quay.io/acme/app:1.4
  podman-multiarch inspect --raw quay.io/acme/app:1.4 | sha256sum
  podman-multiarch inspect --format json quay.io/acme/app@sha256:3f1c... | jq '.manifests[].platform'
  podman-multiarch inspect --host power9 registry.internal:5000/acme/app:1.4
)";

output::InspectRow
row_of(const oci::IndexEntry& entry, const bool annotations_known)
{
  return {entry.platform, entry.digest, entry.media_type, entry.size,
          annotations_known ? std::optional(entry.annotations) : std::nullopt};
}

// Straight from the registry: everything is known.
Result<output::InspectView>
inspect_registry(const oci::ImageRef& ref, const auth::CredentialStore& credentials, const bool tls_verify,
                 std::string* raw)
{
  registry::Reader reader(credentials, {.tls_verify = tls_verify});
  auto manifest = reader.manifest(ref);
  if (!manifest) {
    return util::Unexpected(std::move(manifest).error());
  }
  if (raw != nullptr) {
    *raw = manifest->bytes;
    return output::InspectView{};
  }
  auto index = oci::parse_index(manifest->bytes);
  if (!index) {
    return util::Unexpected(std::move(index).error());
  }
  output::InspectView view{.reference = ref.to_string(),
                           .source = "registry " + ref.registry,
                           .digest = manifest->digest,
                           .media_type = manifest->media_type,
                           .size = static_cast<int64_t>(manifest->bytes.size()),
                           .is_list = index->is_list,
                           .annotations = index->annotations};
  if (index->is_list) {
    for (const auto& entry : index->manifests) {
      view.rows.push_back(row_of(entry, true));
    }
    return view;
  }
  auto platform = reader.platform_of(ref, *manifest);
  if (!platform) {
    return util::Unexpected(std::move(platform).error());
  }
  view.rows.push_back({*platform, manifest->digest, manifest->media_type, *view.size, index->annotations});
  return view;
}

// podman < 4.6 ignores credentials when inspecting a registry reference, and
// 5.x refuses single images: a temporary local list, filled from the
// reference, reads the entries (digest, size, platform) with credentials.
Result<oci::Index>
read_via_temporary_list(libpod::LibpodClient& client, const std::string& reference, const std::string& auth_header,
                        const bool tls_verify)
{
  std::random_device random;
  const std::string list = fmt::format("localhost/podman-multiarch-inspect-{:08x}", random());
  if (auto created = client.manifest_create(list); !created) {
    return util::Unexpected(std::move(created).error());
  }
  libpod::ManifestAddRequest add{.image = oci::with_docker_transport(reference), .all = true};
  add.auth_header = auth_header;
  add.tls_verify = tls_verify;
  auto added = client.manifest_add(list, add);
  auto index = added ? client.manifest_inspect(list, "", std::nullopt) : util::Unexpected(added.error());
  if (auto removed = client.manifest_delete(list); !removed) {
    util::log::warn("could not remove the temporary list {}: {}", list, removed.error().describe());
  }
  if (!index) {
    return util::Unexpected(std::move(index).error());
  }
  if (!*index) {
    return util::fail(ErrorClass::api, fmt::format("the temporary list {} vanished", list));
  }
  return std::move(**index);
}

// Through a host's podman: what its version can report.
Result<output::InspectView>
inspect_host(hosts::Session& session, const oci::ImageRef& ref, const auth::CredentialStore& credentials,
             const bool tls_verify)
{
  auto& client = session.client();
  const auto& caps = session.capabilities();
  const std::string reference = ref.to_string();
  output::InspectView view{.reference = reference,
                           .source = fmt::format("host {} (podman {})", session.host().name, caps.version.to_string())};

  if (caps.manifest_inspect_auth) {
    auto index = client.manifest_inspect(reference, credentials.header_for({ref.name()}), tls_verify);
    if (index && !*index) {
      return util::fail(ErrorClass::registry, fmt::format("{}: no such image in the registry (as read by host {})",
                                                          reference, session.host().name));
    }
    const bool single_oci =
        !index && index.error().message.find("single images as manifest lists") != std::string::npos;
    if (!index && !single_oci) {
      return util::Unexpected(std::move(index).error());
    }
    if (index && (*index)->is_list) {
      view.is_list = true;
      view.media_type = caps.oci_inspect_media_type ? std::optional((*index)->media_type) : std::nullopt;
      view.annotations = caps.index_annotations_create ? std::optional((*index)->annotations) : std::nullopt;
      for (const auto& entry : (*index)->manifests) {
        view.rows.push_back(row_of(entry, caps.instance_annotation_map));
      }
      return view;
    }
    view.is_list = false; // a single image: its digest and platform come from a temporary list
  }
  auto index = read_via_temporary_list(client, reference, credentials.header_for({ref.name()}), tls_verify);
  if (!index && index.error().message.find("manifest unknown") != std::string::npos) {
    return util::fail(ErrorClass::registry, fmt::format("{}: no such image in the registry (as read by host {})",
                                                        reference, session.host().name));
  }
  if (!index) {
    return util::Unexpected(std::move(index).error());
  }
  for (const auto& entry : index->manifests) {
    view.rows.push_back(row_of(entry, false));
  }
  if (view.is_list && !*view.is_list && view.rows.size() == 1) {
    view.digest = view.rows.front().digest; // the single image's manifest is the entry
    view.media_type = view.rows.front().media_type;
    view.size = view.rows.front().size;
  }
  return view;
}

// What `view` shows as n/a, for the note under the table.
std::vector<std::string>
unknown_fields(const output::InspectView& view)
{
  std::vector<std::string> missing;
  if (!view.digest) {
    missing.emplace_back("digest");
  }
  if (!view.media_type) {
    missing.emplace_back("media type");
  }
  const bool rows_known =
      std::all_of(view.rows.begin(), view.rows.end(), [](const auto& row) { return row.annotations.has_value(); });
  if ((view.is_list.value_or(true) && !view.annotations) || !rows_known) {
    missing.emplace_back("annotations");
  }
  if (!view.is_list) {
    missing.emplace_back("whether it is a list or a single image");
  }
  return missing;
}

} // namespace

cxxopts::Options
inspect_command_options(const std::string& /*verb*/)
{
  auto options = make_options("inspect", "Show what a registry serves for an image: digest, media type, platforms");
  options.custom_help("IMAGE [OPTIONS]");
  options.positional_help("");
  add_registry_options(options);
  add_host_selection_options(options);
  // clang-format off
  options.add_options("Output")
    ("raw", "Print the manifest exactly as the registry serves it")
    ("format", "Output format: table or json", cxxopts::value<std::string>()->default_value("table"), "FORMAT")
    ("image", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  options.parse_positional({"image"});
  return options;
}

int
run_inspect(const std::vector<std::string>& args, const GlobalOptions& globals)
{
  auto options = inspect_command_options("");
  int done = 0;
  auto parsed = parse_command_line(options, args, globals, k_examples, done);
  if (!parsed) {
    return done;
  }
  const auto images =
      parsed->count("image") != 0 ? (*parsed)["image"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (images.size() != 1) {
    return report(Error(ErrorClass::usage, "usage: podman-multiarch inspect IMAGE [OPTIONS]",
                        "IMAGE is a registry reference such as quay.io/acme/app:1.4"));
  }
  auto format = checked_choice(*parsed, "inspect", "format");
  if (!format) {
    return report(format.error());
  }
  const bool raw = parsed->count("raw") != 0;
  if (raw && parsed->count("format") != 0) {
    return report(Error(ErrorClass::usage, "--raw and --format cannot be combined"));
  }
  const std::string image(oci::without_docker_transport(images.front()));
  auto ref = oci::ImageRef::parse(image);
  if (!ref) {
    return report(ref.error());
  }
  auto credentials = load_credentials(*parsed);
  if (!credentials) {
    return report(credentials.error());
  }
  const bool tls_verify = (*parsed)["tls-verify"].as<bool>();
  const bool via_host = parsed->count("host") != 0 || parsed->count("connection") != 0 || parsed->count("farm") != 0;

  std::string bytes;
  const auto read = [&]() -> Result<output::InspectView> {
    if (!via_host) {
      return inspect_registry(*ref, *credentials, tls_verify, raw ? &bytes : nullptr);
    }
    if (raw) {
      return util::Unexpected(Error(ErrorClass::usage,
                                    "--raw needs the registry's bytes, which podman's API does not return (it "
                                    "re-encodes manifests)",
                                    "drop --host to read the registry directly"));
    }
    auto selection = host_selection(*parsed, globals);
    if (!selection) {
      return util::Unexpected(std::move(selection).error());
    }
    auto session = hosts::open_session(selection->hosts.front(), selection->connect);
    if (!session) {
      return util::Unexpected(std::move(session).error());
    }
    return inspect_host(**session, *ref, *credentials, tls_verify);
  };
  const auto view = read();
  if (!view) {
    return report(view.error());
  }
  if (raw) {
    fmt::print("{}", util::redact::apply(bytes)); // unchanged unless a registry echoed a secret
    return 0;
  }
  fmt::print("{}", util::redact::apply(*format == "json" ? output::inspect_json(*view) : output::inspect_table(*view)));
  if (const auto missing = unknown_fields(*view); via_host && *format == "table" && !missing.empty()) {
    (void)std::fflush(stdout); // the note goes below the table
    util::log::warn("read through {}, whose API does not report the {} (n/a); without --host podman-multiarch reads "
                    "the registry itself",
                    view->source, util::join(missing, ", "));
  }
  return 0;
}

} // namespace pma::cli
