// Plain progress folded for CI logs (ci_progress.hpp): GitHub Actions'
// workflow commands (::group::, ::error::, ::warning::) and GitLab CI's
// collapsible sections.
#include "ci_progress.hpp"

#include <pma/output/progress_printer.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/fs.hpp>

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tty_progress.hpp"

namespace pma::output {

using job::Phase;

namespace {

// A job's lines kept at most: a build that prints more keeps its last ones.
constexpr size_t k_max_kept_lines = 20000;

struct Group {
  std::string lane; // "[target platform@host]", as last printed
  std::vector<std::string> lines;
  size_t left_out = 0;
};

class CiProgress : public job::Progress {
public:
  CiProgress(const CiService service, std::FILE* stream, const bool color)
    : m_service(service)
    , m_stream(stream)
    , m_color(color)
  {
  }
  CiProgress(const CiProgress&) = delete;
  CiProgress& operator=(const CiProgress&) = delete;

  ~CiProgress() override
  {
    // A run cut short (Ctrl-C, --timeout): what each unfinished job printed.
    const std::lock_guard lock(m_mutex);
    for (auto& [key, group] : m_groups) {
      print_group(group.lane + " unfinished", group, false);
    }
  }

  void
  phase(const std::string& target, const oci::Platform& platform, const std::string& host, const Phase phase,
        std::string_view detail) override
  {
    const std::lock_guard lock(m_mutex);
    const std::string where = lane(target, platform, host);
    const std::string title =
        fmt::format("{} {}{}{}", where, job::to_string(phase), detail.empty() ? "" : ": ", detail);
    const std::string key = job_key(target, platform);
    if (phase != Phase::done && phase != Phase::failed && phase != Phase::skipped) {
      keep(m_groups[key], where, title);
      return;
    }
    Group group = std::move(m_groups[key]);
    m_groups.erase(key);
    print_group(title, group, phase == Phase::failed);
    if (phase == Phase::failed) {
      annotate_error(fmt::format("{}{}", target.empty() ? "" : target + " ", platform.to_string()), detail);
    }
  }

  void
  log(const std::string& target, const oci::Platform& platform, const std::string& host, std::string_view line) override
  {
    const std::lock_guard lock(m_mutex);
    const std::string where = lane(target, platform, host);
    keep(m_groups[job_key(target, platform)], where, fmt::format("{} {}", where, line));
  }

  void
  info(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    fmt::print(m_stream, "podman-multiarch: {}\n", message);
    (void)std::fflush(m_stream);
  }

  void
  warning(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    if (m_service == CiService::github) {
      fmt::print(m_stream, "::warning title=podman-multiarch::{}\n", github_escape(message, false));
    } else {
      fmt::print(m_stream, "podman-multiarch: {} {}\n", paint("warning:", Color::yellow, m_color), message);
    }
    (void)std::fflush(m_stream);
  }

private:
  static std::string
  job_key(const std::string& target, const oci::Platform& platform)
  {
    return target + " " + platform.to_string();
  }

  static void
  keep(Group& group, const std::string& where, std::string line)
  {
    group.lane = where;
    if (group.lines.size() == k_max_kept_lines) {
      group.lines.erase(group.lines.begin());
      ++group.left_out;
    }
    group.lines.push_back(std::move(line));
  }

  void
  print_group(const std::string& title, const Group& group, const bool failed)
  {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string id = fmt::format("podman_multiarch_{}", ++m_sections);
    if (m_service == CiService::github) {
      fmt::print(m_stream, "::group::{}\n", title);
    } else {
      // Collapsed unless it failed: the failure's log is what the reader wants.
      fmt::print(m_stream, "\x1b[0Ksection_start:{}:{}[collapsed={}]\r\x1b[0K{}\n", now, id, failed ? "false" : "true",
                 title);
    }
    if (group.left_out > 0) {
      fmt::print(m_stream, "… {} earlier lines left out (--progress json keeps every line)\n", group.left_out);
    }
    for (const auto& line : group.lines) {
      fmt::print(m_stream, "{}\n", line);
    }
    if (m_service == CiService::github) {
      fmt::print(m_stream, "::endgroup::\n");
    } else {
      fmt::print(m_stream, "\x1b[0Ksection_end:{}:{}\r\x1b[0K\n", now, id);
    }
    (void)std::fflush(m_stream);
  }

  void
  annotate_error(const std::string& job, std::string_view detail)
  {
    if (m_service == CiService::github) {
      fmt::print(m_stream, "::error title={}::{}\n", github_escape("podman-multiarch: " + job, true),
                 github_escape(detail, false));
    } else {
      fmt::print(m_stream, "{} {}: {}\n", paint("ERROR:", Color::red, true), job, detail);
    }
  }

  const CiService m_service;
  std::FILE* m_stream;
  const bool m_color;
  std::mutex m_mutex;
  std::map<std::string, Group> m_groups; // jobs still running, by target and platform
  int m_sections = 0;
};

} // namespace

CiService
ci_service()
{
  if (util::env("GITHUB_ACTIONS") == "true") {
    return CiService::github;
  }
  if (util::env("GITLAB_CI") == "true") {
    return CiService::gitlab;
  }
  return CiService::none;
}

std::unique_ptr<job::Progress>
make_ci_progress(const CiService service, std::FILE* stream, const bool color)
{
  return std::make_unique<CiProgress>(service, stream, color);
}

std::string
ci_error_annotation(const std::string_view message)
{
  if (ci_service() != CiService::github) {
    return {};
  }
  return fmt::format("::error title=podman-multiarch::{}\n", github_escape(message, false));
}

std::string
github_escape(const std::string_view text, const bool property)
{
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
    case '%':
      out += "%25";
      break;
    case '\r':
      out += "%0D";
      break;
    case '\n':
      out += "%0A";
      break;
    case ':':
      out += property ? "%3A" : ":";
      break;
    case ',':
      out += property ? "%2C" : ",";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace pma::output
