// --progress tty (tty_progress.hpp).
#include "tty_progress.hpp"

#include <pma/output/terminal.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace pma::output {

using job::Phase;

namespace {

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
  TtyProgress(const TtyProgress&) = delete;
  TtyProgress& operator=(const TtyProgress&) = delete;

  void
  phase(const std::string& target, const oci::Platform& platform, const std::string& host, const Phase phase,
        std::string_view detail) override
  {
    const std::lock_guard lock(m_mutex);
    Lane& lane = find(target, platform, host);
    lane.phase = phase;
    if (finished(phase)) {
      lane.finished = Clock::now();
    }
    lane.detail = std::string(detail);
    if (phase == Phase::failed) {
      above(
          fmt::format("{} {}: {}", output::lane(target, platform, host), paint("failed", Color::red, m_color), detail));
      for (const auto& line : lane.tail) {
        above("    " + line);
      }
    }
    redraw(false);
  }

  void
  log(const std::string& target, const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    const std::lock_guard lock(m_mutex);
    Lane& lane = find(target, platform, host);
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
    std::string target;
    oci::Platform platform;
    std::string host;
    Phase phase = Phase::queued;
    std::string detail;
    Clock::time_point started;
    std::optional<Clock::time_point> finished;
    std::deque<std::string> tail;
  };

  static bool
  finished(const Phase phase)
  {
    return phase == Phase::done || phase == Phase::failed || phase == Phase::skipped;
  }

  Lane&
  find(const std::string& target, const oci::Platform& platform, const std::string& host)
  {
    for (auto& lane : m_lanes) {
      if (lane.target == target && lane.platform == platform && lane.host == host) {
        return lane;
      }
    }
    m_lanes.push_back(Lane{target, platform, host, Phase::queued, {}, Clock::now(), std::nullopt, {}});
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

  std::string
  painted(const Phase phase) const
  {
    const std::string text = job::to_string(phase);
    return phase == Phase::done     ? paint(text, Color::green, m_color)
           : phase == Phase::failed ? paint(text, Color::red, m_color)
                                    : text;
  }

  // What a lane shows after its phase: the build's last line while building.
  static std::string
  detail_of(const Lane& lane)
  {
    std::string detail = lane.phase == Phase::build && !lane.tail.empty() ? lane.tail.back() : lane.detail;
    return detail.size() > 60 ? detail.substr(0, 57) + "..." : detail;
  }

  long long
  seconds(const Lane& lane, const Clock::time_point now) const
  {
    return std::chrono::duration_cast<std::chrono::seconds>(lane.finished.value_or(now) - lane.started).count();
  }

  // `build`: a lane per platform.
  void
  draw_platforms(const Clock::time_point now)
  {
    for (const auto& lane : m_lanes) {
      fmt::print(m_stream, "{:<34} {:<8} {:>4}s  {}\n", output::lane(lane.target, lane.platform, lane.host),
                 painted(lane.phase), seconds(lane, now), detail_of(lane));
      ++m_drawn;
    }
  }

  // A release: a lane per host with the job it runs (the latest started of
  // its running jobs, and how many others run there), then a line per target.
  void
  draw_release(const Clock::time_point now)
  {
    std::vector<std::string> hosts;
    std::map<std::string, std::vector<const Lane*>> running;
    for (const auto& lane : m_lanes) {
      if (std::find(hosts.begin(), hosts.end(), lane.host) == hosts.end()) {
        hosts.push_back(lane.host);
      }
      if (!finished(lane.phase)) {
        running[lane.host].push_back(&lane);
      }
    }
    for (const auto& host : hosts) {
      const auto& jobs = running[host];
      if (jobs.empty()) {
        fmt::print(m_stream, "{:<12} {}\n", host, paint("idle", Color::dim, m_color));
      } else {
        const Lane& lane = *jobs.back();
        fmt::print(m_stream, "{:<12} {:<28} {:<8} {:>4}s  {}{}\n", host,
                   fmt::format("{} {}", lane.target, lane.platform.to_string()), painted(lane.phase),
                   seconds(lane, now), detail_of(lane),
                   jobs.size() > 1 ? fmt::format(" (+{} more)", jobs.size() - 1) : "");
      }
      ++m_drawn;
    }
    std::vector<std::string> targets;
    std::map<std::string, std::map<Phase, int>> counts;
    for (const auto& lane : m_lanes) {
      if (std::find(targets.begin(), targets.end(), lane.target) == targets.end()) {
        targets.push_back(lane.target);
      }
      ++counts[lane.target][finished(lane.phase) ? lane.phase : Phase::build];
    }
    for (const auto& target : targets) {
      auto& count = counts[target];
      std::string text = fmt::format("{} done", count[Phase::done]);
      if (count[Phase::build] > 0) {
        text += fmt::format(", {} running", count[Phase::build]);
      }
      if (count[Phase::failed] > 0) {
        text += ", " + paint(fmt::format("{} failed", count[Phase::failed]), Color::red, m_color);
      }
      fmt::print(m_stream, "  {:<24} {}\n", target, text);
      ++m_drawn;
    }
  }

  void
  redraw(const bool force)
  {
    const auto now = Clock::now();
    if (!force && m_drawn > 0 && now - m_last_draw < std::chrono::milliseconds(100)) {
      return;
    }
    erase();
    const bool release =
        std::any_of(m_lanes.begin(), m_lanes.end(), [](const Lane& lane) { return !lane.target.empty(); });
    if (release) {
      draw_release(now);
    } else {
      draw_platforms(now);
    }
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

} // namespace

std::unique_ptr<job::Progress>
make_tty_progress(std::FILE* stream, const bool color)
{
  return std::make_unique<TtyProgress>(stream, color);
}

} // namespace pma::output
