// What decides a platform's image, as a digest and its parts (incremental builds).
#include <pma/job/fingerprint.hpp>
#include <pma/job/request.hpp>
#include <pma/util/sha256.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pma::job {

namespace {

// The version of this scheme: a change in what counts gives other digests.
constexpr std::string_view k_scheme = "podman-multiarch inputs 1";

// Options that steer caching, retries and resources only: the same image
// comes out whatever they say.
bool
changes_image(const libpod::BuildOption option)
{
  using libpod::BuildOption;
  switch (option) {
  case BuildOption::cache_from:
  case BuildOption::cache_to:
  case BuildOption::cache_ttl:
  case BuildOption::retry:
  case BuildOption::retry_delay:
  case BuildOption::cpu_period:
  case BuildOption::cpu_quota:
  case BuildOption::cpu_shares:
  case BuildOption::cpuset_cpus:
  case BuildOption::cpuset_mems:
  case BuildOption::memory:
  case BuildOption::memory_swap:
    return false;
  default:
    return true;
  }
}

// One value per line: a newline inside a value must not forge another line.
std::string
escaped(const std::string_view value)
{
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '\n') {
      out += c == '\\' ? "\\\\" : "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string
digest_of(const std::string_view text)
{
  return "sha256:" + util::sha256_hex(text);
}

} // namespace

std::string
abbreviated(const std::string& digest)
{
  return digest.starts_with("sha256:") && digest.size() > 19 ? digest.substr(0, 19) : digest;
}

std::string
options_text(const BuildOptions& options, const oci::Platform& platform)
{
  std::string out;
  const auto line = [&out](const std::string_view key, const std::string_view value) {
    out += fmt::format("{} {}\n", key, escaped(value));
  };
  line("format", options.format);
  line("squash-all", options.squash ? "true" : "false");
  const auto overrides = options.overrides.find(platform);
  std::string target = options.target;
  auto args = options.build_args;
  if (overrides != options.overrides.end()) {
    for (const auto& [key, value] : overrides->second.build_args) {
      args[key] = value;
    }
    target = overrides->second.target.value_or(target);
  }
  line("target", target);
  for (const auto& [key, value] : args) {
    line("build-arg", fmt::format("{}={}", key, value));
  }
  for (const auto& label : options.labels) {
    line("label", label);
  }
  for (const auto& annotation : options.annotations) {
    line("annotation", annotation);
  }
  for (const auto& secret : options.secrets) {
    line("secret", secret.id);
  }
  for (const auto& setting : options.settings) {
    if (!changes_image(setting.option)) {
      continue;
    }
    for (const auto& value : setting.values) {
      line(libpod::option_name(setting.option), value);
    }
  }
  for (const auto& local : options.local_contexts) {
    line("build-context", local.name); // its content is a base: context:NAME
  }
  return out;
}

void
seal(Fingerprint& parts, const oci::Platform& platform)
{
  std::string text = fmt::format("{}\nplatform {}\ncontext {}\ncontainerfile {}\noptions {}\n", k_scheme,
                                 platform.to_string(), parts.context, parts.containerfile, parts.options);
  for (const auto& [name, digest] : parts.bases) {
    text += fmt::format("base {} {}\n", escaped(name), digest);
  }
  parts.digest = digest_of(text);
}

std::map<std::string, std::string>
fingerprint_annotations(const Fingerprint& fingerprint)
{
  std::vector<std::string> bases;
  for (const auto& [name, digest] : fingerprint.bases) {
    bases.push_back(fmt::format("{}={}", name, digest));
  }
  std::map<std::string, std::string> out = {
      {std::string(k_inputs_annotation), fingerprint.digest},
      {std::string(k_inputs_context_annotation), fingerprint.context},
      {std::string(k_inputs_containerfile_annotation), fingerprint.containerfile},
      {std::string(k_inputs_options_annotation), fingerprint.options},
  };
  if (!bases.empty()) {
    out.emplace(k_inputs_bases_annotation, util::join(bases, ", "));
  }
  return out;
}

std::vector<std::string>
entry_annotations(const BuildOptions& options, const PlatformResult& image)
{
  std::vector<std::string> out = options.descriptor_annotations;
  if (image.inputs && image.inputs->unpinned.empty()) {
    for (const auto& [key, value] : fingerprint_annotations(*image.inputs)) {
      out.push_back(fmt::format("{}={}", key, value));
    }
  }
  return out;
}

std::optional<Fingerprint>
fingerprint_from(const std::map<std::string, std::string>& annotations)
{
  const auto value = [&annotations](const std::string_view key) {
    const auto it = annotations.find(std::string(key));
    return it == annotations.end() ? std::string() : it->second;
  };
  Fingerprint out;
  out.digest = value(k_inputs_annotation);
  if (!out.digest.starts_with("sha256:")) {
    return std::nullopt;
  }
  out.context = value(k_inputs_context_annotation);
  out.containerfile = value(k_inputs_containerfile_annotation);
  out.options = value(k_inputs_options_annotation);
  const std::string bases = value(k_inputs_bases_annotation);
  for (const auto& item : util::split(bases, ',')) {
    const std::string_view entry = util::trim(item);
    if (const size_t eq = entry.rfind('='); eq != std::string_view::npos && eq > 0) {
      out.bases.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
  }
  return out;
}

std::string
change_between(const Fingerprint* before, const Fingerprint& now)
{
  if (!now.unpinned.empty()) {
    return fmt::format("built: not pinned ({})", util::join(now.unpinned, "; "));
  }
  if (before == nullptr) {
    return "built";
  }
  if (before->digest == now.digest) {
    return "unchanged";
  }
  std::vector<std::string> why;
  for (const auto& [name, digest] : now.bases) {
    const auto old = before->bases.find(name);
    if (old == before->bases.end()) {
      why.push_back(fmt::format("base {} added", name));
    } else if (old->second != digest) {
      why.push_back(fmt::format("base {} {} → {}", name, abbreviated(old->second), abbreviated(digest)));
    }
  }
  for (const auto& [name, digest] : before->bases) {
    if (!now.bases.contains(name)) {
      why.push_back(fmt::format("base {} removed", name));
    }
  }
  if (before->context != now.context) {
    why.emplace_back("context changed");
  }
  if (before->containerfile != now.containerfile) {
    why.emplace_back("Containerfile changed");
  }
  if (before->options != now.options) {
    why.emplace_back("options changed");
  }
  if (why.empty()) {
    why.emplace_back("inputs changed");
  }
  return "rebuilt: " + util::join(why, "; ");
}

} // namespace pma::job
