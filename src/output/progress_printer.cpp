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
#include <mutex>
#include <type_traits>

#include "ci_progress.hpp"
#include "tty_progress.hpp"

namespace pma::output {

using job::Phase;
using nlohmann::ordered_json;

std::string
lane(const std::string& target, const oci::Platform& platform, const std::string& host)
{
  return fmt::format("[{}{}@{}]", target.empty() ? "" : target + " ", platform.to_string(), host);
}

namespace {

class PlainProgress : public job::Progress {
public:
  PlainProgress(std::FILE* stream, const bool color)
    : m_stream(stream)
    , m_color(color)
  {
  }

  void
  phase(const std::string& target, const oci::Platform& platform, const std::string& host, const Phase phase,
        std::string_view detail) override
  {
    const std::lock_guard lock(m_mutex);
    std::string text = job::to_string(phase);
    if (phase == Phase::failed) {
      text = paint(text, Color::red, m_color);
    } else if (phase == Phase::done) {
      text = paint(text, Color::green, m_color);
    }
    fmt::print(m_stream, "{} {}{}{}\n", lane(target, platform, host), text, detail.empty() ? "" : ": ", detail);
  }

  void
  log(const std::string& target, const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    const std::lock_guard lock(m_mutex);
    fmt::print(m_stream, "{} {}\n", lane(target, platform, host), line);
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
  phase(const std::string& target, const oci::Platform& platform, const std::string& host, const Phase phase,
        std::string_view detail) override
  {
    ordered_json event = job_event("phase", target, platform, host);
    event["phase"] = job::to_string(phase);
    event["detail"] = std::string(detail);
    emit(std::move(event));
  }

  void
  log(const std::string& target, const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    ordered_json event = job_event("log", target, platform, host);
    event["line"] = std::string(line);
    emit(std::move(event));
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
  // An event about a job: its target (a release's only), platform and host.
  static ordered_json
  job_event(const char* kind, const std::string& target, const oci::Platform& platform, const std::string& host)
  {
    ordered_json event = {{"event", kind}};
    if (!target.empty()) {
      event["target"] = target;
    }
    event["platform"] = platform.to_string();
    event["host"] = host;
    return event;
  }

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
  phase(const std::string& /*target*/, const oci::Platform& /*platform*/, const std::string& /*host*/, Phase /*phase*/,
        std::string_view /*detail*/) override
  {
  }
  void
  log(const std::string& /*target*/, const oci::Platform& /*platform*/, const std::string& /*host*/,
      std::string_view /*line*/) override
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

// Every printer sees text with the secrets already replaced, before it
// shortens or escapes anything (a cut secret would no longer match).
class RedactingProgress : public job::Progress {
public:
  explicit RedactingProgress(std::unique_ptr<job::Progress> inner)
    : m_inner(std::move(inner))
  {
  }

  void
  phase(const std::string& target, const oci::Platform& platform, const std::string& host, const Phase phase,
        std::string_view detail) override
  {
    m_inner->phase(target, platform, host, phase, util::redact::apply(detail));
  }

  void
  log(const std::string& target, const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    m_inner->log(target, platform, host, util::redact::apply(line));
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
  Mode{"tty", make_tty_progress, true},         // lanes redrawn in place (tty_progress.cpp); a failure's log
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
  const std::string resolved = resolve_progress_mode(mode, stream);
  if (const CiService service = ci_service(); resolved == "plain" && service != CiService::none) {
    return std::make_unique<RedactingProgress>(make_ci_progress(service, stream, color));
  }
  return std::make_unique<RedactingProgress>(mode_of(resolved).make(stream, color));
}

bool
progress_shows_summary(const std::string& mode)
{
  return mode_of(mode).summary;
}

} // namespace pma::output
