// Incremental builds (podman-multiarch-build(1), INCREMENTAL BUILDS): every
// platform of a publishing run fingerprinted, its base images resolved for
// its platform and pinned to those digests, and compared with what the tags'
// lists record; an unchanged platform keeps the image the list has.
#include <pma/context/containerfile.hpp>
#include <pma/job/fingerprint.hpp>
#include <pma/job/request.hpp>
#include <pma/libpod/build_settings.hpp>
#include <pma/oci/index.hpp>
#include <pma/util/sha256.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "job.hpp"

namespace pma::job::detail {

using util::ErrorClass;
using util::Result;

namespace {

// Stands for the build host's platform where it is not the target's (an
// emulating host): a FROM --platform that uses it cannot be resolved here.
constexpr std::string_view k_build_host = "\x01";

// The arguments buildah declares itself, as FROM --platform=$… reads them.
std::map<std::string, std::string>
platform_args(const oci::Platform& platform, const bool native)
{
  std::map<std::string, std::string> out = {{"TARGETPLATFORM", platform.to_string()},
                                            {"TARGETOS", platform.os},
                                            {"TARGETARCH", platform.architecture},
                                            {"TARGETVARIANT", platform.variant}};
  for (const auto& [key, value] : std::map<std::string, std::string>(out)) {
    out["BUILD" + key.substr(6)] = native ? value : std::string(k_build_host);
  }
  return out;
}

// A base image for one platform: the digest of that platform's manifest, and
// the reference that pins it ("" when the build names it by digest already);
// `list_pinned` pins the list it was read from (the same for every platform,
// as a build of several platforms in one request needs), else as `pinned`.
struct Resolved {
  std::string digest;
  std::string pinned;
  std::string list_pinned;
};

// Base images read from their registries, each once per run (one thread: the
// registry reader is not shared).
class BaseResolver {
public:
  explicit BaseResolver(TagReader& registry)
    : m_registry(registry)
  {
  }

  // `text`: an image as the build names it. An error says why it cannot be pinned.
  Result<Resolved>
  resolve(const std::string& text, const oci::Platform& platform)
  {
    auto ref = oci::ImageRef::parse(oci::without_docker_transport(text));
    if (!ref) {
      return util::fail(ErrorClass::usage, "a short name, which podman resolves on each host: name its registry "
                                           "(docker.io/library/…) to pin it");
    }
    if (!ref->digest.empty()) {
      return Resolved{ref->digest, "", ""};
    }
    if (ref->tag.empty()) {
      ref->tag = "latest";
    }
    PMA_TRY_ASSIGN(const auto* read, read_once(*ref));
    if (!read->is_list) {
      const std::string pinned = ref->with_digest(read->digest).to_string();
      return Resolved{read->digest, pinned, pinned};
    }
    for (const auto& entry : read->index.manifests) {
      if (entry.platform == platform) { // parse_index normalises platforms
        return Resolved{entry.digest, ref->with_digest(entry.digest).to_string(),
                        ref->with_digest(read->digest).to_string()};
      }
    }
    return util::fail(ErrorClass::registry, fmt::format("its list has no {} image", platform.to_string()));
  }

private:
  struct Read {
    std::string digest;
    bool is_list = false;
    oci::Index index;
  };

  Result<const Read*>
  read_once(const oci::ImageRef& ref)
  {
    const std::string key = ref.to_string();
    if (const auto it = m_reads.find(key); it != m_reads.end()) {
      if (!it->second) {
        return util::Unexpected(it->second.error());
      }
      return &*it->second;
    }
    const auto made = [&]() -> Result<Read> {
      PMA_TRY_ASSIGN(auto manifest, m_registry.read(ref));
      if (!manifest) {
        return util::fail(ErrorClass::registry, "not found in its registry");
      }
      PMA_TRY_ASSIGN(auto index, oci::parse_index(manifest->bytes));
      return Read{manifest->digest, index.is_list, std::move(index)};
    };
    const auto& stored = m_reads.emplace(key, made()).first->second;
    if (!stored) {
      return util::Unexpected(stored.error());
    }
    return &*stored;
  }

  TagReader& m_registry;
  std::map<std::string, Result<Read>> m_reads;
};

// The build contexts a target's options give: every name (they are not
// registry images when a FROM names them), and the images among them.
struct GivenContexts {
  std::set<std::string> names;
  std::map<std::string, std::string> images; // NAME → REF
};

GivenContexts
given_contexts(const BuildOptions& options, const ReleaseTarget& spec)
{
  GivenContexts out;
  for (const auto& setting : options.settings) {
    if (setting.option != libpod::BuildOption::build_context) {
      continue;
    }
    for (const auto& value : setting.values) {
      const size_t eq = value.find('=');
      const std::string name = value.substr(0, eq);
      out.names.insert(name);
      if (eq != std::string::npos && value.compare(eq + 1, 6, "image:") == 0) {
        out.images[name] = value.substr(eq + 7);
      }
    }
  }
  for (const auto& local : options.local_contexts) {
    out.names.insert(local.name);
  }
  for (const auto& context : spec.target_contexts) {
    out.names.insert(context.name);
  }
  return out;
}

// --from IMAGE: the first stage's base instead of its FROM.
std::string
from_option(const BuildOptions& options)
{
  std::string out;
  for (const auto& setting : options.settings) {
    if (setting.option == libpod::BuildOption::from && !setting.values.empty()) {
      out = setting.values.back();
    }
  }
  return out;
}

const oci::IndexEntry*
entry_for(const oci::Index& list, const oci::Platform& platform)
{
  for (const auto& entry : list.manifests) {
    if (entry.platform == platform) {
      return &entry;
    }
  }
  return nullptr;
}

// The fingerprints of one target's platforms: what they share is computed
// once (the context of each Containerfile, the directory build contexts).
class TargetFingerprints {
public:
  TargetFingerprints(const Target& target, BaseResolver& resolver)
    : m_options(target.options)
    , m_inputs(target.inputs)
    , m_given(given_contexts(target.options, target.spec))
    , m_from(from_option(target.options))
    , m_resolver(resolver)
  {
  }

  // Every part but the release targets it builds FROM; `pins` gets the
  // build contexts that pin its bases, `list_pins` the same through the lists
  // they were read from where they follow the build's platform.
  Result<Fingerprint>
  of(const PlatformResult& result, std::vector<std::string>& pins, std::vector<std::string>& list_pins)
  {
    const Pins into{pins, list_pins};
    Fingerprint out;
    const std::string containerfile = containerfile_for(m_options, result.platform);
    const context::ContextPlan& plan = m_inputs.contexts.at(containerfile);
    if (auto& digest = m_contexts[containerfile]; digest.empty()) {
      PMA_TRY_ASSIGN(digest, context::fingerprint(plan));
    }
    out.context = m_contexts[containerfile];
    out.containerfile = "sha256:" + util::sha256_hex(plan.containerfile_text);
    out.options = "sha256:" + util::sha256_hex(options_text(m_options, result.platform));
    auto args = m_options.build_args;
    if (const auto it = m_options.overrides.find(result.platform); it != m_options.overrides.end()) {
      for (const auto& [key, value] : it->second.build_args) {
        args[key] = value;
      }
    }
    const bool native = !result.reason.starts_with("emulated");
    for (const auto& base :
         context::base_references(plan.containerfile_text, args, platform_args(result.platform, native))) {
      if (m_given.names.contains(base.text) || m_given.names.contains(base.written)) {
        continue; // a build context, counted below
      }
      if (base.platform.find(k_build_host) != std::string::npos) {
        out.unpinned.push_back(fmt::format("{}: FROM --platform names the build host's platform, and host {} emulates",
                                           base.text, result.host));
        continue;
      }
      auto platform =
          base.platform.empty() ? Result<oci::Platform>(result.platform) : oci::Platform::parse(base.platform);
      if (!platform) {
        out.unpinned.push_back(fmt::format("{}: FROM --platform={}", base.text, base.platform));
        continue;
      }
      pin(out, into, base.text, base.text, *platform, base.written, base.platform.empty());
    }
    if (!m_from.empty()) {
      pin(out, into, m_from, m_from, result.platform, m_from, true);
    }
    for (const auto& [name, image] : m_given.images) {
      pin(out, into, "context:" + name, image, result.platform, name, true);
    }
    for (size_t k = 0; k < m_options.local_contexts.size(); ++k) {
      auto& digest = m_locals[k];
      if (digest.empty()) {
        PMA_TRY_ASSIGN(digest, context::fingerprint(m_inputs.local_context_plans.at(k)));
      }
      out.bases["context:" + m_options.local_contexts[k].name] = digest;
    }
    return out;
  }

private:
  // Base `name` (`image`) resolved for `platform` and pinned through the build
  // context `context_name`: a tag that moves while the run builds changes nothing.
  struct Pins {
    std::vector<std::string>& pins;
    std::vector<std::string>& list_pins;
  };

  // A base is pinned by its platform's digest; and, for a request that builds
  // several platforms (group.hpp), through the list it was read from where it
  // follows the build's platform: that names every platform's digest and is
  // the same pin for all. (Separate requests on one host must not share that
  // name: podman 5.4.2 then loses one platform's pull, "image not known".)
  void
  pin(Fingerprint& out, const Pins& into, const std::string& name, const std::string& image,
      const oci::Platform& platform, const std::string& context_name, const bool follows_build)
  {
    auto resolved = m_resolver.resolve(image, platform);
    if (!resolved) {
      out.unpinned.push_back(fmt::format("{}: {}", name, resolved.error().message));
      return;
    }
    out.bases[name] = resolved->digest;
    if (!resolved->pinned.empty()) {
      into.pins.push_back(fmt::format("{}=image:{}", context_name, resolved->pinned));
      into.list_pins.push_back(
          fmt::format("{}=image:{}", context_name, follows_build ? resolved->list_pinned : resolved->pinned));
    }
  }

  const BuildOptions& m_options;
  const Inputs& m_inputs;
  const GivenContexts m_given;
  const std::string m_from;
  BaseResolver& m_resolver;
  std::map<std::string, std::string> m_contexts; // per Containerfile
  std::map<size_t, std::string> m_locals;        // per directory build context
};

} // namespace

Result<void>
Job::fingerprint_all()
{
  BaseResolver resolver(m_env.registry);
  for (auto& target_ptr : m_targets) {
    Target& target = *target_ptr;
    TargetFingerprints fingerprints(target, resolver);
    target.pins.assign(target.outcome.platforms.size(), {});
    target.list_pins.assign(target.outcome.platforms.size(), {});
    for (size_t i = 0; i < target.outcome.platforms.size(); ++i) {
      PlatformResult& result = target.outcome.platforms[i];
      if (result.state != Phase::queued) {
        continue;
      }
      PMA_TRY_ASSIGN(auto fingerprint, fingerprints.of(result, target.pins[i], target.list_pins[i]));
      // The targets it builds FROM, by their fingerprints: a change travels down the graph.
      for (const size_t d : target.depends_on) {
        const Target& base = *m_targets[d];
        for (const auto& built : base.outcome.platforms) {
          if (built.platform != result.platform) {
            continue;
          }
          const std::string name = "target:" + base.spec.name;
          if (built.inputs && built.inputs->unpinned.empty()) {
            fingerprint.bases[name] = built.inputs->digest;
          } else {
            fingerprint.unpinned.push_back(name + ": not pinned itself");
          }
        }
      }
      seal(fingerprint, result.platform);
      result.inputs = std::move(fingerprint);
    }
    if (target.run.publishes()) {
      keep_unchanged(target);
      target.current = tags_current(target);
    }
  }
  return {};
}

// Each platform compared with the entry for it in the tags' lists (the first
// tag that records a fingerprint for it): unchanged, and its image still in
// the registry, it is done without building.
void
Job::keep_unchanged(Target& target)
{
  std::vector<oci::Index> lists;
  for (size_t i = 0; i < target.options.tags.size(); ++i) {
    if (const auto* served = target.tags.served_before(i)) {
      if (auto list = oci::parse_index(served->bytes); list && list->is_list) {
        lists.push_back(std::move(*list));
      }
    }
  }
  for (auto& result : target.outcome.platforms) {
    if (result.state != Phase::queued || !result.inputs) {
      continue;
    }
    const oci::IndexEntry* previous = nullptr;
    std::optional<Fingerprint> recorded;
    for (const auto& list : lists) {
      previous = entry_for(list, result.platform);
      if (previous != nullptr && (recorded = fingerprint_from(previous->annotations))) {
        break;
      }
      previous = nullptr;
    }
    result.change = change_between(recorded ? &*recorded : nullptr, *result.inputs);
    if (previous != nullptr && result.change == "unchanged" && target.options.rebuild) {
      result.change = "rebuilt: --rebuild";
    } else if (previous != nullptr && result.change == "unchanged") {
      const oci::ImageRef image = target.inputs.repository.with_digest(previous->digest);
      auto platform = m_env.registry.image_platform(image);
      if (!platform) {
        result.change = fmt::format("rebuilt: its image {} cannot be read ({})", abbreviated(previous->digest),
                                    platform.error().message);
      } else if (!*platform) {
        result.change =
            fmt::format("rebuilt: its image {} is gone from {}", abbreviated(previous->digest), image.name());
      } else if ((*platform)->os != result.platform.os || (*platform)->architecture != result.platform.architecture) {
        result.change =
            fmt::format("rebuilt: its image {} is {}", abbreviated(previous->digest), (*platform)->to_string());
      } else {
        result.state = Phase::done;
        result.digest = previous->digest;
        result.pushed_to = image.to_string();
        result.host.clear();
        result.reason = "unchanged";
        m_env.progress.phase(target.spec.name, result.platform, "-", Phase::done,
                             "unchanged: " + abbreviated(result.digest));
        continue;
      }
    }
    m_env.progress.info(fmt::format("{}: {}", target.job_name(result.platform), result.change));
  }
}

// Whether every tag serves, already, the list this run would push: each
// platform unchanged, with its annotations, and nothing more.
bool
Job::tags_current(const Target& target) const
{
  std::vector<const PlatformResult*> images;
  for (const auto& result : target.outcome.platforms) {
    if (result.state != Phase::done || result.change != "unchanged") {
      return false;
    }
    images.push_back(&result);
  }
  return target.run.lists() && target.tags.served_list_of(images);
}

// --check: what a run would build, and why; nothing is built or pushed.
ReleaseOutcome
Job::check_only()
{
  if (auto ok = prepare_all_inputs(); !ok) {
    return fail(std::move(ok).error());
  }
  if (auto ok = fingerprint_all(); !ok) {
    return fail(std::move(ok).error());
  }
  const bool builds = std::any_of(m_targets.begin(), m_targets.end(), [](const auto& target) {
    const auto& platforms = target->outcome.platforms;
    return target->run.publishes() && std::any_of(platforms.begin(), platforms.end(),
                                                  [](const PlatformResult& r) { return r.state == Phase::queued; });
  });
  m_outcome.exit_status = builds ? util::ExitStatus::would_build : util::ExitStatus::success;
  return finish();
}

} // namespace pma::job::detail
