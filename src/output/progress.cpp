// Progress printers for build runs, and the result views. JSON boundary.
#include <pma/libpod/client.hpp>
#include <pma/output/progress.hpp>
#include <pma/output/table.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/redact.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace pma::output {

using job::Phase;
using nlohmann::ordered_json;

namespace {

std::string
lane(const oci::Platform& platform, const std::string& host)
{
  return fmt::format("[{}@{}]", platform.to_string(), host);
}

class PlainProgress : public job::Progress {
public:
  PlainProgress(std::FILE* stream, const bool color)
    : m_stream(stream)
    , m_color(color)
  {
  }

  void
  phase(const oci::Platform& platform, const std::string& host, const Phase phase, std::string_view detail) override
  {
    const std::lock_guard lock(m_mutex);
    std::string text = job::to_string(phase);
    if (phase == Phase::failed) {
      text = paint(text, Color::red, m_color);
    } else if (phase == Phase::done) {
      text = paint(text, Color::green, m_color);
    }
    fmt::print(m_stream, "{} {}{}{}\n", lane(platform, host), text, detail.empty() ? "" : ": ", detail);
  }

  void
  log(const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    const std::lock_guard lock(m_mutex);
    fmt::print(m_stream, "{} {}\n", lane(platform, host), line);
  }

  void
  info(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    fmt::print(m_stream, "podman-multiarch: {}\n", message);
  }

  void
  warning(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    fmt::print(m_stream, "podman-multiarch: {} {}\n", paint("warning:", Color::yellow, m_color), message);
  }

private:
  std::FILE* m_stream;
  const bool m_color;
  std::mutex m_mutex;
};

class JsonProgress : public job::Progress {
public:
  explicit JsonProgress(std::FILE* stream)
    : m_stream(stream)
  {
  }

  void
  phase(const oci::Platform& platform, const std::string& host, const Phase phase, std::string_view detail) override
  {
    emit({{"event", "phase"},
          {"platform", platform.to_string()},
          {"host", host},
          {"phase", job::to_string(phase)},
          {"detail", std::string(detail)}});
  }

  void
  log(const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    emit({{"event", "log"}, {"platform", platform.to_string()}, {"host", host}, {"line", std::string(line)}});
  }

  void
  info(std::string_view message) override
  {
    emit({{"event", "info"}, {"message", std::string(message)}});
  }

  void
  warning(std::string_view message) override
  {
    emit({{"event", "warning"}, {"message", std::string(message)}});
  }

private:
  void
  emit(ordered_json event)
  {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    event["time"] = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) / 1000.0;
    const std::lock_guard lock(m_mutex);
    fmt::print(m_stream, "{}\n", event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    (void)std::fflush(m_stream);
  }

  std::FILE* m_stream;
  std::mutex m_mutex;
};

class QuietProgress : public job::Progress {
public:
  explicit QuietProgress(std::FILE* stream)
    : m_stream(stream)
  {
  }
  void
  phase(const oci::Platform& /*platform*/, const std::string& /*host*/, Phase /*phase*/,
        std::string_view /*detail*/) override
  {
  }
  void
  log(const oci::Platform& /*platform*/, const std::string& /*host*/, std::string_view /*line*/) override
  {
  }
  void
  info(std::string_view /*message*/) override
  {
  }
  void
  warning(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    fmt::print(m_stream, "podman-multiarch: warning: {}\n", message);
  }

private:
  std::FILE* m_stream;
  std::mutex m_mutex;
};

// One lane per platform, redrawn in place; a failed platform's last log lines
// are printed above the lanes.
class TtyProgress : public job::Progress {
public:
  TtyProgress(std::FILE* stream, const bool color)
    : m_stream(stream)
    , m_color(color)
  {
  }

  ~TtyProgress() override
  {
    const std::lock_guard lock(m_mutex);
    redraw(true);
  }

  void
  phase(const oci::Platform& platform, const std::string& host, const Phase phase, std::string_view detail) override
  {
    const std::lock_guard lock(m_mutex);
    Lane& lane = find(platform, host);
    lane.phase = phase;
    if (phase == Phase::done || phase == Phase::failed || phase == Phase::skipped) {
      lane.finished = Clock::now();
    }
    lane.detail = std::string(detail);
    if (phase == Phase::failed) {
      above(fmt::format("{} {}: {}", output::lane(platform, host), paint("failed", Color::red, m_color), detail));
      for (const auto& line : lane.tail) {
        above("    " + line);
      }
    }
    redraw(false);
  }

  void
  log(const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    const std::lock_guard lock(m_mutex);
    Lane& lane = find(platform, host);
    lane.tail.emplace_back(line);
    if (lane.tail.size() > 25) {
      lane.tail.pop_front();
    }
    redraw(false);
  }

  void
  info(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    above(fmt::format("podman-multiarch: {}", message));
    redraw(false);
  }

  void
  warning(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    above(fmt::format("podman-multiarch: {} {}", paint("warning:", Color::yellow, m_color), message));
    redraw(false);
  }

private:
  using Clock = std::chrono::steady_clock;

  struct Lane {
    oci::Platform platform;
    std::string host;
    Phase phase = Phase::queued;
    std::string detail;
    Clock::time_point started;
    std::optional<Clock::time_point> finished;
    std::deque<std::string> tail;
  };

  Lane&
  find(const oci::Platform& platform, const std::string& host)
  {
    for (auto& lane : m_lanes) {
      if (lane.platform == platform && lane.host == host) {
        return lane;
      }
    }
    m_lanes.push_back(Lane{platform, host, Phase::queued, {}, Clock::now(), std::nullopt, {}});
    return m_lanes.back();
  }

  // Prints `line` above the lanes.
  void
  above(const std::string& line)
  {
    erase();
    fmt::print(m_stream, "{}\n", line);
  }

  void
  erase()
  {
    for (size_t i = 0; i < m_drawn; ++i) {
      fmt::print(m_stream, "\033[1A\033[2K");
    }
    m_drawn = 0;
  }

  void
  redraw(const bool force)
  {
    const auto now = Clock::now();
    if (!force && m_drawn > 0 && now - m_last_draw < std::chrono::milliseconds(100)) {
      return;
    }
    erase();
    for (const auto& lane : m_lanes) {
      const auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(lane.finished.value_or(now) - lane.started).count();
      std::string phase = job::to_string(lane.phase);
      if (lane.phase == Phase::done) {
        phase = paint(phase, Color::green, m_color);
      } else if (lane.phase == Phase::failed) {
        phase = paint(phase, Color::red, m_color);
      }
      std::string detail = lane.phase == Phase::build && !lane.tail.empty() ? lane.tail.back() : lane.detail;
      if (detail.size() > 60) {
        detail = detail.substr(0, 57) + "...";
      }
      fmt::print(m_stream, "{:<34} {:<8} {:>4}s  {}\n", output::lane(lane.platform, lane.host), phase, seconds, detail);
    }
    m_drawn = m_lanes.size();
    m_last_draw = now;
    (void)std::fflush(m_stream);
  }

  std::FILE* m_stream;
  const bool m_color;

  std::vector<Lane> m_lanes;
  size_t m_drawn = 0;
  Clock::time_point m_last_draw;
  std::mutex m_mutex;
};

std::string
seconds(const std::chrono::milliseconds value)
{
  return fmt::format("{:.1f}s", static_cast<double>(value.count()) / 1000.0);
}

std::string
short_digest(const std::string& digest)
{
  return digest.size() > 19 ? digest.substr(0, 19) + "…" : (digest.empty() ? "-" : digest);
}

// Every printer sees text with the secrets already replaced, before it
// shortens or escapes anything (a cut secret would no longer match).
class RedactingProgress : public job::Progress {
public:
  explicit RedactingProgress(std::unique_ptr<job::Progress> inner)
    : m_inner(std::move(inner))
  {
  }

  void
  phase(const oci::Platform& platform, const std::string& host, const Phase phase, std::string_view detail) override
  {
    m_inner->phase(platform, host, phase, util::redact::apply(detail));
  }

  void
  log(const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    m_inner->log(platform, host, util::redact::apply(line));
  }

  void
  info(std::string_view message) override
  {
    m_inner->info(util::redact::apply(message));
  }

  void
  warning(std::string_view message) override
  {
    m_inner->warning(util::redact::apply(message));
  }

private:
  std::unique_ptr<job::Progress> m_inner;
};

std::unique_ptr<job::Progress>
printer_for(const std::string& mode, std::FILE* stream, const bool color)
{
  if (mode == "json") {
    return std::make_unique<JsonProgress>(stream);
  }
  if (mode == "quiet") {
    return std::make_unique<QuietProgress>(stream);
  }
  if (mode == "tty") {
    return std::make_unique<TtyProgress>(stream, color);
  }
  return std::make_unique<PlainProgress>(stream, color);
}

} // namespace

std::unique_ptr<job::Progress>
make_progress(const std::string& mode, std::FILE* stream, const bool color)
{
  return std::make_unique<RedactingProgress>(printer_for(mode, stream, color));
}

std::string
summary_table(const job::BuildOutcome& outcome, const bool color)
{
  Table table({"PLATFORM", "HOST", "DIGEST", "DURATION", "RESULT"});
  for (const auto& result : outcome.platforms) {
    std::string state = job::to_string(result.state);
    if (result.state == Phase::done) {
      state = paint("ok", Color::green, color);
    } else if (result.state == Phase::failed) {
      state = paint("failed", Color::red, color);
    }
    table.add_row({result.platform.to_string(), result.host.empty() ? "-" : result.host,
                   short_digest(result.digest.empty() ? result.image_id : result.digest), seconds(result.duration),
                   state});
  }
  return table.render();
}

std::string
metadata_json(const job::BuildOutcome& outcome)
{
  ordered_json platforms = ordered_json::array();
  ordered_json skipped = ordered_json::array();
  for (const auto& result : outcome.platforms) {
    if (result.state == Phase::done) {
      platforms.push_back({{"platform", result.platform.to_string()},
                           {"host", result.host},
                           {"reason", result.reason},
                           {"imageId", result.image_id},
                           {"imageName", result.image_name},
                           {"digest", result.digest},
                           {"pushedTo", result.pushed_to},
                           {"durationSeconds", static_cast<double>(result.duration.count()) / 1000.0},
                           {"retries", result.retries},
                           {"retriedAfterEmulatorCrash", result.emulator_crash_retries},
                           {"failedOverFrom", result.failed_over}});
    } else {
      skipped.push_back({{"platform", result.platform.to_string()},
                         {"host", result.host},
                         {"reason", result.error ? result.error->describe() : job::to_string(result.state)}});
    }
  }
  ordered_json out = {{"indexDigest", outcome.index_digest},
                      {"mediaType", outcome.media_type},
                      {"tags", outcome.tags},
                      {"tagsNotPushed", outcome.tags_not_pushed},
                      {"verified", outcome.verified},
                      {"coordinator", outcome.coordinator},
                      {"listPushRetries", outcome.list_push_retries},
                      {"platforms", platforms},
                      {"skipped", skipped},
                      {"exitCode", util::to_int(outcome.exit_status)}};
  if (!outcome.left_behind.empty()) {
    ordered_json left = ordered_json::array();
    for (const auto& [host, names] : outcome.left_behind) {
      left.push_back({{"host", host}, {"names", names}});
    }
    out["leftBehind"] = left;
  }
  if (outcome.error) {
    out["error"] = outcome.error->describe();
  }
  // Registry answers and host logs end up in reasons and errors.
  return util::redact::apply(out.dump(2) + "\n");
}

std::string
plan_table(const job::BuildOutcome& outcome, const job::BuildOptions& options)
{
  Table table({"PLATFORM", "HOST", "WHY", "PUSH TO"});
  for (const auto& result : outcome.platforms) {
    if (result.state == Phase::failed) {
      table.add_row({result.platform.to_string(), "-", "no host", result.error ? result.error->message : ""});
      continue;
    }
    std::string destination = result.pushed_to;
    if (const auto repository = libpod::by_digest_repository(destination)) {
      destination = *repository + " (by digest)";
    }
    table.add_row(
        {result.platform.to_string(), result.host, result.reason, options.no_push ? "(not pushed)" : destination});
  }
  std::string out = table.render();
  if (!options.no_push && !options.tags.empty()) {
    std::vector<std::string> tags;
    for (const auto& tag : options.tags) {
      tags.push_back(tag.to_string());
    }
    out += "list: " + fmt::format("{}", fmt::join(tags, ", ")) + "\n";
  }
  return out;
}

std::string
plan_json(const job::BuildOutcome& outcome, const job::BuildOptions& options)
{
  ordered_json platforms = ordered_json::array();
  for (const auto& result : outcome.platforms) {
    ordered_json entry = {{"platform", result.platform.to_string()},
                          {"host", result.host.empty() ? ordered_json(nullptr) : ordered_json(result.host)},
                          {"reason", result.reason},
                          {"pushTo", result.pushed_to}};
    if (result.error) {
      entry["error"] = result.error->message;
    }
    platforms.push_back(std::move(entry));
  }
  ordered_json tags = ordered_json::array();
  for (const auto& tag : options.tags) {
    tags.push_back(tag.to_string());
  }
  return ordered_json{{"platforms", platforms}, {"tags", tags}, {"push", !options.no_push}}.dump(2) + "\n";
}

} // namespace pma::output
