// Emulator crashes in podman's build stream (docs/podman-quirks.md, "Emulator
// crashes in the build stream").
#include <pma/libpod/emulator_crash.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <utility>

namespace pma::libpod {

namespace {

struct SignalName {
  int number; // Linux's (x86-64's) number: the host kills the step with it
  std::string_view name;
  std::string_view description; // strsignal(), as qemu prints it
};

constexpr std::array<SignalName, 7> k_signals{{
    {4, "SIGILL", "Illegal instruction"},
    {5, "SIGTRAP", "Trace/breakpoint trap"},
    {6, "SIGABRT", "Aborted"},
    {7, "SIGBUS", "Bus error"},
    {8, "SIGFPE", "Floating point exception"},
    {11, "SIGSEGV", "Segmentation fault"},
    {31, "SIGSYS", "Bad system call"},
}};

// Signals an emulated program dies of when the emulator mistranslates it. A
// guest's SIGABRT, SIGFPE or SIGTRAP is the program's own doing (abort(), a
// division by zero, a trap instruction) and fails natively too.
bool
emulator_fault(const std::string_view name)
{
  return name == "SIGSEGV" || name == "SIGILL" || name == "SIGBUS";
}

const SignalName*
signal_by_name(const std::string_view name)
{
  for (const auto& signal : k_signals) {
    if (signal.name == name) {
      return &signal;
    }
  }
  return nullptr;
}

// "qemu: uncaught target signal 11 (Segmentation fault) - core dumped": the
// number is the guest's (it differs between architectures), the text is the
// host's strsignal() of the signal qemu then dies of.
std::string
uncaught_target_signal(const std::string_view line)
{
  static constexpr std::string_view k_prefix = "qemu: uncaught target signal ";
  const size_t at = line.find(k_prefix);
  if (at == std::string_view::npos) {
    return {};
  }
  std::string_view rest = line.substr(at + k_prefix.size());
  const size_t open = rest.find(" (");
  const size_t close = rest.find(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return {};
  }
  const std::string_view description = rest.substr(open + 2, close - open - 2);
  for (const auto& signal : k_signals) {
    if (signal.description == description && emulator_fault(signal.name)) {
      return std::string(signal.name);
    }
  }
  return {};
}

// "qemu-s390x-static: QEMU internal SIGSEGV {code=MAPERR, addr=0x20}" (qemu ≥
// 8.1 when qemu itself faults) and "qemu: fatal: …" (qemu's cpu_abort(),
// which then dies of SIGABRT): the emulator failed, whatever the signal.
std::string
emulator_internal_failure(const std::string_view line)
{
  static constexpr std::string_view k_internal = "QEMU internal SIG";
  if (const size_t at = line.find(k_internal); at != std::string_view::npos) {
    std::string_view name = line.substr(at + k_internal.size());
    name = name.substr(0, name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
    if (!name.empty()) {
      return "SIG" + std::string(name);
    }
  }
  if (line.find("qemu: fatal: ") != std::string_view::npos) {
    return "SIGABRT";
  }
  return {};
}

// "STEP 2/5: RUN make", possibly after a "[linux/arm64] " prefix.
bool
is_step_line(std::string_view line)
{
  if (line.starts_with('[')) {
    if (const size_t close = line.find("] "); close != std::string_view::npos) {
      line.remove_prefix(close + 2);
    }
  }
  if (!line.starts_with("STEP ")) {
    return false;
  }
  line.remove_prefix(5);
  const size_t colon = line.find(": ");
  const size_t slash = line.find('/');
  if (colon == std::string_view::npos || slash == std::string_view::npos || slash == 0 || slash + 1 >= colon) {
    return false;
  }
  const std::string_view numbers = line.substr(0, colon);
  return numbers.find_first_not_of("0123456789/") == std::string_view::npos;
}

// A RUN step that failed: "… while running runtime: exit status 139" at the
// end of the message (podman 4.3.1 and 5.4.2). The step's text comes before
// it and may contain anything, hence the end only.
std::optional<int>
run_step_exit_status(const std::string_view message)
{
  static constexpr std::string_view k_marker = "while running runtime: exit status ";
  const std::string_view text = util::trim(message);
  const size_t at = text.rfind(k_marker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view digits = text.substr(at + k_marker.size());
  int status = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), status);
  if (ec != std::errc() || end != digits.data() + digits.size() || status == 0) {
    return std::nullopt;
  }
  return status;
}

} // namespace

LogTail::LogTail(const std::size_t capacity)
  : m_capacity(capacity == 0 ? 1 : capacity)
{
  m_lines.reserve(m_capacity);
}

void
LogTail::add(const std::string_view line)
{
  if (m_lines.size() == m_capacity) {
    m_lines.erase(m_lines.begin());
  }
  m_lines.emplace_back(line.substr(0, k_max_line));
}

void
LogTail::clear()
{
  m_lines.clear();
}

std::span<const std::string>
LogTail::lines() const
{
  return m_lines;
}

std::string
emulator_crash_signal(const std::string_view line)
{
  if (std::string signal = uncaught_target_signal(line); !signal.empty()) {
    return signal;
  }
  return emulator_internal_failure(line);
}

std::optional<EmulatorCrash>
classify_emulator_crash(const util::Error& error, const std::span<const std::string> last_lines, const bool emulated)
{
  if (!emulated) {
    return std::nullopt;
  }
  const bool timed_out = error.cls == util::ErrorClass::timeout;
  const std::optional<int> status =
      error.cls == util::ErrorClass::api ? run_step_exit_status(error.message) : std::nullopt;
  if (!status && !timed_out) {
    return std::nullopt;
  }
  // Only the failing step's own lines: an earlier step may have survived a
  // crash (a configure probe) and succeeded.
  size_t first = 0;
  for (size_t i = last_lines.size(); i > 0; --i) {
    if (is_step_line(last_lines[i - 1])) {
      first = i;
      break;
    }
  }
  std::string signal;
  size_t crash_line = 0;
  for (size_t i = last_lines.size(); i > first && signal.empty(); --i) {
    signal = emulator_crash_signal(last_lines[i - 1]);
    crash_line = i - 1;
  }
  if (signal.empty()) {
    return std::nullopt;
  }
  EmulatorCrash crash{.signal = signal, .hung = false, .reason = {}};
  if (timed_out) {
    // qemu as PID 1 prints its line, then waits forever for a signal the
    // kernel never delivers to a namespace's init: nothing may follow.
    for (size_t i = crash_line + 1; i < last_lines.size(); ++i) {
      if (!util::trim(last_lines[i]).empty()) {
        return std::nullopt;
      }
    }
    crash.hung = true;
    crash.reason = fmt::format("RUN step hung after qemu reported {} (the crashed process was the step's PID 1, "
                               "which qemu-user never lets exit)",
                               signal);
    return crash;
  }
  const SignalName* known = signal_by_name(signal);
  if (known != nullptr && *status == 128 + known->number) {
    crash.reason = fmt::format("RUN step killed by {} under qemu emulation", signal);
  } else {
    crash.reason = fmt::format("RUN step failed (exit status {}) after a process crashed with {} under qemu emulation",
                               *status, signal);
  }
  return crash;
}

} // namespace pma::libpod
