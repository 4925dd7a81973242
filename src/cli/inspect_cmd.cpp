// podman-multiarch inspect IMAGE — what a registry serves for a reference
// (app/inspect.hpp reads it; output/inspect_view.hpp shows it).
#include <pma/app/inspect.hpp>
#include <pma/oci/reference.hpp>
#include <pma/output/inspect_view.hpp>
#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <cstdio>

#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

using util::Error;
using util::ErrorClass;

namespace {

constexpr const char* k_examples = R"(  podman-multiarch inspect quay.io/acme/app:1.4
  podman-multiarch inspect --raw quay.io/acme/app:1.4 | sha256sum
  podman-multiarch inspect --format json quay.io/acme/app@sha256:3f1c... | jq '.manifests[].platform'
  podman-multiarch inspect --host power9 registry.internal:5000/acme/app:1.4
  podman-multiarch inspect --verify-key release.pub quay.io/acme/app:1.4
)";

Error
refusal(const Command& /*command*/, const std::vector<std::string>& /*operands*/, bool /*one_short*/)
{
  return {ErrorClass::usage, "usage: podman-multiarch inspect IMAGE [OPTIONS]",
          "IMAGE is a registry reference such as quay.io/acme/app:1.4"};
}

int
run_inspect(const Invocation& call)
{
  const auto format = call.get<std::string>("format");
  const bool raw = call.given("raw");
  if (raw && call.given("format")) {
    return report(Error(ErrorClass::usage, "--raw and --format cannot be combined"));
  }
  auto ref = oci::ImageRef::parse(std::string(oci::without_docker_transport(call.operands().front())));
  if (!ref) {
    return report(ref.error());
  }
  const bool via_host = hosts_named(call);
  const auto inspection = app::inspect({.ref = std::move(*ref),
                                        .auth_options = auth_options(call),
                                        .tls_verify = call.get<bool>("tls-verify"),
                                        .raw = raw,
                                        .host = via_host ? std::optional(host_choice(call)) : std::nullopt,
                                        .verify_key = call.text("verify-key")});
  if (!inspection) {
    return report(inspection.error());
  }
  if (raw) {
    fmt::print("{}", util::redact::apply(inspection->raw)); // unchanged unless a registry echoed a secret
    return util::to_int(util::ExitStatus::success);
  }
  fmt::print("{}", util::redact::apply(format == "json" ? output::inspect_json(*inspection)
                                                        : output::inspect_table(*inspection)));
  if (const auto missing = app::unknown_fields(*inspection); via_host && format == "table" && !missing.empty()) {
    (void)std::fflush(stdout); // the note goes below the table
    util::log::warn("read through {}, whose API does not report the {} (n/a); without --host podman-multiarch reads "
                    "the registry itself",
                    inspection->source, util::join(missing, ", "));
  }
  if (inspection->signatures && !inspection->signatures->all()) {
    (void)std::fflush(stdout);
    return report(Error(ErrorClass::api,
                        fmt::format("not every manifest has a valid signature by {}", inspection->signatures->key)));
  }
  return util::to_int(util::ExitStatus::success);
}

} // namespace

Command
inspect_command()
{
  return {.name = "inspect",
          .summary = "Show what a registry serves for an image: digest, media type, one row per platform",
          .description = "Show what a registry serves for an image: digest, media type, platforms",
          .usage = "IMAGE [OPTIONS]",
          .operand_help = "",
          .examples = k_examples,
          .options =
              joined(registry_options(), {host_selection_options(),
                                          {{"Output", "raw", "Print the manifest exactly as the registry serves it"},
                                           {"Output",
                                            "format",
                                            "Output format: table or json",
                                            cxxopts::value<std::string>()->default_value("table"),
                                            "FORMAT",
                                            {"table", "json"}},
                                           {"Signatures", "verify-key",
                                            "Show which manifests have a valid sigstore signature by this public key "
                                            "(exit 1 unless all do)",
                                            cxxopts::value<std::string>(), "PUBLIC-KEY"},
                                           operands_holder("Output", "image")}}),
          .operands = {.holder = "image", .synopsis = "IMAGE", .min = 1, .max = 1},
          .refusal = refusal,
          .run = run_inspect};
}

} // namespace pma::cli
