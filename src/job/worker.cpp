// One platform's work (podman-multiarch-build(1), steps 3-5).
#include "worker.hpp"

#include <pma/job/request.hpp>
#include <pma/util/deadline.hpp>
#include <pma/util/interrupt.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pma::job {

std::string
arch_tag(const std::string& format, const std::string& tag, const oci::Platform& platform)
{
  std::string out = format;
  const auto replace = [&out](const std::string& key, const std::string& value) {
    for (size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size())) {
      out.replace(at, key.size(), value);
    }
  };
  replace("{tag}", tag.empty() ? "latest" : tag);
  replace("{os}", platform.os);
  replace("{arch}", platform.architecture);
  replace("{-variant}", platform.variant.empty() ? "" : "-" + platform.variant);
  replace("{variant}", platform.variant);
  return out;
}

} // namespace pma::job

namespace pma::job::detail {

using util::Error;
using util::ErrorClass;
using util::Result;

std::string
push_destination(const BuildOptions& options, const PlatformResult& result, const libpod::Capabilities& caps)
{
  const oci::ImageRef& repository = options.tags.front();
  return caps.push_digest
             ? libpod::by_digest(repository.name())
             : repository.with_tag(arch_tag(options.arch_tag_format, repository.tag, result.platform)).to_string();
}

Worker::Worker(const Run& run, const Inputs& inputs, Fleet& fleet, Names& names, PlatformResult& result,
               std::vector<std::string> image_contexts, std::function<void()> on_built,
               std::shared_ptr<BuildGroup> group)
  : m_run(run)
  , m_inputs(inputs)
  , m_fleet(fleet)
  , m_names(names)
  , m_result(result)
  , m_image_contexts(std::move(image_contexts))
  , m_on_built(std::move(on_built))
  , m_group(std::move(group))
  , m_start(std::chrono::steady_clock::now())
{
}

void
Worker::finish(const Phase state, std::optional<Error> error)
{
  m_result.state = state;
  m_result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m_start);
  if (error) {
    error->host = m_result.host;
    error->platform = m_result.platform.to_string();
    m_run.progress().phase(m_run.target, m_result.platform, m_result.host, state, error->message);
    m_result.error = std::move(error);
  } else {
    m_run.progress().phase(m_run.target, m_result.platform, m_result.host, state,
                           m_result.digest.empty() ? m_result.image_id : m_result.digest);
  }
}

namespace {

// podman 4 looks its layer cache up over every image in its storage: an image
// another build of the run removes meanwhile (each is removed once pushed)
// fails that lookup, and with it the build (seen on 4.3.1 in releases).
bool
cache_lookup_race(const Error& error)
{
  return error.message.find("checking if cached image exists") != std::string::npos &&
         (error.message.find("layer not known") != std::string::npos ||
          error.message.find("image not known") != std::string::npos);
}

constexpr int k_cache_race_retries = 2;

} // namespace

void
Worker::run()
{
  const BuildOptions& options = m_run.options;
  hosts::Session* host = nullptr;
  Result<std::string> image = util::fail(ErrorClass::internal, "not built");
  int cache_races = 0;
  bool reconnected = false; // built again on the same host after its connection was lost
  for (;;) {
    host = m_fleet.session(m_result.host);
    if (host == nullptr) {
      return finish(Phase::failed, Error(ErrorClass::internal, "no session for the planned host"));
    }
    libpod::LogTail tail;
    image = build(*host, tail);
    if (auto crash = image ? std::nullopt
                           : libpod::classify_emulator_crash(
                                 image.error(), tail.lines(),
                                 m_fleet.emulates(m_result.host, m_result.platform, m_result.reason));
        crash && m_result.emulator_crash_retries < options.emulator_crash_retries && !util::interrupt::requested()) {
      // A flaky emulator, not the build: the same host again.
      ++m_result.emulator_crash_retries;
      m_run.progress().warning(fmt::format("{}: {} on host {}; building it again ({}/{})",
                                           m_result.platform.to_string(), crash->reason, m_result.host,
                                           m_result.emulator_crash_retries, options.emulator_crash_retries));
      continue;
    }
    if (!image && cache_lookup_race(image.error()) && cache_races < k_cache_race_retries &&
        !util::interrupt::requested()) {
      ++cache_races;
      m_run.progress().warning(fmt::format("{}: podman on host {} lost an image while looking up its layer cache "
                                           "(another build removed it meanwhile); building it again ({}/{})",
                                           m_result.platform.to_string(), m_result.host, cache_races,
                                           k_cache_race_retries));
      continue;
    }
    const bool host_died = !image && image.error().connection_lost();
    if (host_died || (!image && image.error().cls == ErrorClass::interrupted)) {
      m_names.abandoned();
    }
    if (!host_died || util::interrupt::requested()) {
      break;
    }
    auto next = m_fleet.failover(m_result.platform, m_result.host, image.error(), options.emulation);
    if (!next && !reconnected && m_fleet.revive(m_result.host)) {
      // Nowhere else to go, and the host answers again (an SSH session a NAT
      // or a restart cut): building again is safe, nothing was pushed yet.
      reconnected = true;
      m_run.progress().warning(fmt::format("{}: the connection to host {} was lost ({}); it answers again: "
                                           "building it there again",
                                           m_result.platform.to_string(), m_result.host, image.error().message));
      continue;
    }
    if (!next) {
      break;
    }
    m_run.progress().warning(fmt::format("{}: host {} failed ({}); building it on {} ({}) instead",
                                         m_result.platform.to_string(), m_result.host, image.error().message,
                                         next->host, next->reason()));
    m_result.failed_over.push_back(m_result.host);
    m_result.host = next->host;
    m_result.reason = next->reason();
    if (m_run.publishes()) {
      m_result.pushed_to = push_destination(options, m_result, m_fleet.session(m_result.host)->capabilities());
    }
  }
  if (!image) {
    return finish(Phase::failed, std::move(image).error());
  }
  m_result.image_id = *image;
  if (auto ok = check_platform(*host); !ok) {
    return finish(Phase::failed, std::move(ok).error());
  }
  if (util::interrupt::requested()) {
    return finish(Phase::failed, Error(ErrorClass::interrupted, "interrupted before the push"));
  }
  m_result.build_duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m_start);
  if (m_on_built) {
    m_on_built();
  }
  if (!options.no_push) {
    auto pushed = m_run.with_retries(fmt::format("pushing {} from {}", m_result.platform.to_string(), m_result.host),
                                     m_result.retries, [&] { return push(*host); });
    if (!pushed) {
      return finish(Phase::failed, std::move(pushed).error());
    }
    if (options.cleanup && !m_run.keep_images) {
      remove_when_pushed(*host);
    }
  }
  finish(Phase::done);
}

// In the registry now: its name is removed from its host at once, while the
// others build and the list is pushed, rather than at the end.
void
Worker::remove_when_pushed(hosts::Session& host)
{
  const auto budget = m_run.env.timings.cleanup_budget;
  m_names.removing(m_result.host, m_result.image_name,
                   std::async(std::launch::async, [&host, budget, name = m_result.image_name] {
                     const util::deadline::Scope bounded(std::chrono::steady_clock::now() + budget);
                     return host.client().remove_image(name);
                   }));
}

Result<std::string>
Worker::build(hosts::Session& host, libpod::LogTail& tail)
{
  // Named for this run: what cleanup removes, by that name only.
  m_result.image_name = image_name_for(m_result.platform);
  m_names.own(m_result.host, m_result.image_name);
  if (m_group && m_group->host() == m_result.host) {
    auto share = m_group->take(m_result.platform, [&] { return lead_group(host); });
    m_group.reset(); // once: a retry or a failover builds it alone
    for (const auto& line : share.log) {
      tail.add(line);
    }
    if (share.kind != BuildGroup::Share::Kind::alone) {
      return std::move(share.image);
    }
    m_run.progress().info(
        fmt::format("{}: {}; building it alone on {}", m_result.platform.to_string(), share.why, m_result.host));
    tail.clear();
  }
  const context::ContextPlan& plan = m_inputs.context_for(m_run.options, m_result.platform);
  PMA_TRY_ASSIGN(auto request, prepare(host, m_image_contexts));
  request.tags = {m_result.image_name};
  m_run.progress().phase(m_run.target, m_result.platform, m_result.host, Phase::upload,
                         upload_note(plan, compression_for(m_run.options, host.host())));
  return send_build(host, request, plan, &tail);
}

std::string
Worker::image_name_for(const oci::Platform& platform) const
{
  return m_names.make(m_run.kind("build"), &platform);
}

std::string
upload_note(const context::ContextPlan& plan, const context::Compression& compression)
{
  return compression.kind == context::Compression::Kind::none
             ? fmt::format("{} bytes", plan.file_bytes)
             : fmt::format("{} bytes, {}-compressed", plan.file_bytes, compression.to_string());
}

void
Worker::show_event(const oci::Platform& platform, const libpod::BuildEvent& event, const std::string_view text,
                   libpod::LogTail* tail) const
{
  if (event.kind == libpod::BuildEvent::Kind::step) {
    m_run.progress().phase(m_run.target, platform, m_result.host, Phase::build,
                           fmt::format("step {}/{}", event.step, event.steps));
  }
  if (tail != nullptr) {
    tail->add(event.text);
  }
  if (auto line = shown_build_line(text)) {
    m_run.progress().log(m_run.target, platform, m_result.host, *line);
  }
}

Result<libpod::BuildRequest>
Worker::prepare(hosts::Session& host, const std::vector<std::string>& image_contexts)
{
  const context::ContextPlan& plan = m_inputs.context_for(m_run.options, m_result.platform);
  libpod::BuildRequest request = build_request(m_run.options, m_result.platform, host.capabilities());
  request.containerfile = plan.containerfile;
  request.excludes = plan.excludes;
  request.registry_config = m_inputs.registry_config;
  if (!m_inputs.secret_specs.empty()) {
    request.settings.push_back({libpod::BuildOption::secret, m_inputs.secret_specs});
  }
  PMA_TRY(add_contexts(host, request, image_contexts));
  return request;
}

Result<std::string>
Worker::send_build(hosts::Session& host, const libpod::BuildRequest& request, const context::ContextPlan& plan,
                   libpod::LogTail* tail)
{
  bool building = false;
  const auto body = m_inputs.tars->body(plan, compression_for(m_run.options, host.host()));
  auto image = host.client().build(request, body, [&](const libpod::BuildEvent& event) {
    if (!building) {
      building = true;
      m_run.progress().phase(m_run.target, m_result.platform, m_result.host, Phase::build, "");
    }
    show_event(m_result.platform, event, event.text, tail);
  });
  if (!image && image.error().connection_lost()) {
    Error error = std::move(image).error();
    error.message += building ? " during the build" : " during the context upload";
    return util::Unexpected(std::move(error));
  }
  return image;
}

// The image contexts this run built are named as they are; each --build-context
// NAME=DIRECTORY becomes an image on the host, built from that directory alone
// ("FROM scratch", "COPY . /"), for the same platform, and named for this run:
// the request then names it as an image context.
Result<void>
Worker::add_contexts(hosts::Session& host, libpod::BuildRequest& request,
                     const std::vector<std::string>& image_contexts)
{
  const auto& locals = m_run.options.local_contexts;
  if (locals.empty() && image_contexts.empty()) {
    return {};
  }
  std::vector<std::string> values;
  const auto name_of = [](const std::string& value) { return value.substr(0, value.find('=')); };
  auto given = std::find_if(request.settings.begin(), request.settings.end(), [](const libpod::BuildSetting& s) {
    return s.option == libpod::BuildOption::build_context;
  });
  if (given != request.settings.end()) {
    // An image context given on the command line is replaced by its pin.
    for (const auto& value : given->values) {
      if (std::none_of(image_contexts.begin(), image_contexts.end(),
                       [&](const std::string& mine) { return name_of(mine) == name_of(value); })) {
        values.push_back(value);
      }
    }
    request.settings.erase(given);
  }
  values.insert(values.end(), image_contexts.begin(), image_contexts.end());
  for (size_t i = 0; i < locals.size(); ++i) {
    const auto& local = locals[i];
    const context::ContextPlan& plan = m_inputs.local_context_plans.at(i);
    const std::string image = m_names.make(m_run.kind(fmt::format("context-{}", i)), &m_result.platform);
    libpod::BuildRequest helper;
    helper.platform = request.platform;
    helper.platform_text = request.platform_text;
    helper.containerfile = plan.containerfile;
    helper.excludes = plan.excludes;
    helper.tags = {image};
    helper.layers = false;
    helper.output_format = request.output_format;
    helper.idle_timeout = request.idle_timeout;
    m_names.own(m_result.host, image);
    m_run.progress().phase(m_run.target, m_result.platform, m_result.host, Phase::upload,
                           fmt::format("build context {} ({} bytes)", local.name, plan.file_bytes));
    auto built = send_build(host, helper, plan);
    if (!built) {
      Error error = std::move(built).error();
      error.message = fmt::format("build context {} ({}): {}", local.name, local.directory.string(), error.message);
      return util::Unexpected(std::move(error));
    }
    values.push_back(fmt::format("{}=image:{}", local.name, image));
  }
  request.settings.push_back({libpod::BuildOption::build_context, std::move(values)});
  return {};
}

namespace {

// podman 4 (seen on 4.3.1) fails to inspect an image without layers while a
// manifest list is in its storage: a nil dereference, or the list taken for it.
bool
layerless_inspect_bug(const Error& error, const libpod::Version& version)
{
  return version < libpod::Version{5, 0, 0} && (error.message.find("nil pointer dereference") != std::string::npos ||
                                                error.message.find("choosing image instance") != std::string::npos);
}

} // namespace

Result<void>
Worker::check_platform(hosts::Session& host)
{
  const auto& platform = m_result.platform;
  m_run.progress().phase(m_run.target, platform, m_result.host, Phase::verify, "platform");
  auto info = host.client().inspect_image(m_result.image_id);
  if (!info && layerless_inspect_bug(info.error(), host.capabilities().version)) {
    // Only an image without layers meets this podman 4 bug, and such an image has
    // nothing from a base image: its platform is the one its build was asked for.
    m_run.progress().info(fmt::format("{}: podman {} on {} cannot inspect an image without layers while it holds a "
                                      "manifest list (a podman bug); its platform is the one asked for",
                                      platform.to_string(), host.capabilities().version.to_string(), m_result.host));
    return {};
  }
  PMA_TRY(info);
  // podman does not report the variant (docs/api-experiments.md): compare it
  // only when the image states one; the list entry carries the planned one.
  const oci::Platform built = oci::Platform::normalized(info->os, info->architecture, info->variant);
  const bool same = built.os == platform.os && built.architecture == platform.architecture &&
                    (info->variant.empty() || built.variant == platform.variant);
  if (!same) {
    return util::Unexpected(Error(
        ErrorClass::api,
        fmt::format(
            "the image built for {} is {}/{}{} (its config's os/architecture): it would be mislabelled in the list",
            platform.to_string(), info->os, info->architecture, info->variant.empty() ? "" : "/" + info->variant),
        "check that the FROM image offers this platform, and the Containerfile's --platform flags"));
  }
  return {};
}

Result<void>
Worker::push(hosts::Session& host)
{
  m_run.progress().phase(m_run.target, m_result.platform, m_result.host, Phase::push, m_inputs.repository.name());
  libpod::PushRequest request;
  request.image = m_result.image_id;
  request.destination = push_destination(m_run.options, m_result, host.capabilities());
  request.auth_header = m_inputs.push_auth;
  request.tls_verify = m_run.options.tls_verify;
  request.format = m_run.options.format;
  auto digest = host.client().push_image(request, [&](std::string_view line) {
    m_run.progress().log(m_run.target, m_result.platform, m_result.host, line);
  });
  if (!digest) {
    Error error = std::move(digest).error();
    if (error.connection_lost()) {
      error.message += " during the push";
    }
    return util::Unexpected(std::move(error));
  }
  m_result.digest = *digest;
  m_result.pushed_to =
      host.capabilities().push_digest ? m_inputs.repository.with_digest(*digest).to_string() : request.destination;
  return {};
}

} // namespace pma::job::detail
