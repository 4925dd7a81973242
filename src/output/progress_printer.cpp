// The --progress printers of a build run, and the table of modes that the
// command line offers (--help, choices, completion). JSON boundary.
#include <pma/output/progress_printer.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/redact.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <type_traits>

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

template <typename Printer>
std::unique_ptr<job::Progress>
printer(std::FILE* stream, const bool color)
{
  if constexpr (std::is_constructible_v<Printer, std::FILE*, bool>) {
    return std::make_unique<Printer>(stream, color);
  } else {
    return std::make_unique<Printer>(stream);
  }
}

// One row per --progress mode, in the order --help lists them.
struct Mode {
  std::string_view name;
  std::unique_ptr<job::Progress> (*make)(std::FILE* stream, bool color); // null: auto, resolved first
  bool summary;                                                          // the end-of-run table follows
};

// clang-format off
const std::array k_modes = {
  Mode{"auto", nullptr, true},                  // tty on a terminal whose TERM is not dumb, else plain
  Mode{"tty", printer<TtyProgress>, true},      // one lane per platform, redrawn in place; a failure's log
  Mode{"plain", printer<PlainProgress>, true},  // every line "[linux/arm64@power9] …"
  Mode{"json", printer<JsonProgress>, false},   // one event object per line
  Mode{"quiet", printer<QuietProgress>, false}, // warnings only
};
// clang-format on

// `name`'s row; an unknown mode prints plainly.
const Mode&
mode_of(const std::string_view name)
{
  const auto named = [](const std::string_view wanted) {
    return std::find_if(k_modes.begin(), k_modes.end(), [wanted](const Mode& m) { return m.name == wanted; });
  };
  const auto* mode = named(name);
  return mode != k_modes.end() ? *mode : *named("plain");
}

} // namespace

const std::vector<std::string>&
progress_modes()
{
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    out.reserve(k_modes.size());
    for (const auto& mode : k_modes) {
      out.emplace_back(mode.name);
    }
    return out;
  }();
  return names;
}

std::string
resolve_progress_mode(const std::string& mode, std::FILE* stream)
{
  if (mode_of(mode).make != nullptr) {
    return mode;
  }
  return ::isatty(::fileno(stream)) != 0 && util::env("TERM") != "dumb" ? "tty" : "plain";
}

std::unique_ptr<job::Progress>
make_progress(const std::string& mode, std::FILE* stream, const bool color)
{
  const Mode& chosen = mode_of(resolve_progress_mode(mode, stream));
  return std::make_unique<RedactingProgress>(chosen.make(stream, color));
}

bool
progress_shows_summary(const std::string& mode)
{
  return mode_of(mode).summary;
}

} // namespace pma::output
