#pragma once

#include <pma/util/error.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Telling a build that failed because qemu-user crashed (a flaky failure worth
// one more try) from a build that failed by itself. What podman 4.3.1 and
// 5.4.2 report in each case is in docs/podman-quirks.md, "Emulator crashes in
// the build stream".
namespace pma::libpod {

// How many of a build's last log lines the classifier reads. qemu's line came
// 1–3 lines before the end of the failing step in every build observed; a
// compiler crashing inside make adds about five (the compiler's and make's
// messages), parallel jobs interleave more.
inline constexpr std::size_t k_emulator_crash_lines = 40;

// The last lines of a build's log, for classify_emulator_crash(): the build job
// adds every BuildEvent's text (STEP lines included, before any filtering).
// Bounded: at most `capacity` lines of at most k_max_line bytes each.
class LogTail {
public:
  static constexpr std::size_t k_max_line = 1024;

  explicit LogTail(std::size_t capacity = k_emulator_crash_lines);

  void add(std::string_view line);
  void clear();
  // Oldest first.
  std::span<const std::string> lines() const;

private:
  std::size_t m_capacity;
  std::vector<std::string> m_lines;
};

struct EmulatorCrash {
  std::string signal; // "SIGSEGV", "SIGILL", "SIGBUS", "SIGABRT" (qemu's own abort)
  // The crashed process was the RUN step's PID 1: qemu-user then waits
  // forever instead of exiting, and the build ended by the idle timeout.
  bool hung = false;
  std::string reason; // for the message: "RUN step killed by SIGSEGV under qemu emulation"
};

// The signal named by a line qemu-user prints when an emulated process dies
// of a crash — "qemu: uncaught target signal 11 (Segmentation fault) - core
// dumped" (SIGSEGV, SIGILL, SIGBUS only: SIGABRT is the program's own
// abort()), "qemu-aarch64: QEMU internal SIGSEGV {code=MAPERR, addr=0x20}"
// (qemu ≥ 8.1 crashing itself), "qemu: fatal: …" (qemu's own abort) — or
// empty for any other line.
std::string emulator_crash_signal(std::string_view line);

// Whether a failed build of a platform was an emulator crash. `error` is what
// the build call returned, `last_lines` the end of its log (LogTail), and
// `emulated` says the host built the platform under emulation (it differs from
// the host's native platform).
//
// Conservative: only an emulated build whose failing RUN step printed one of
// qemu's crash lines qualifies — the step then failed with a non-zero exit
// status (128 + signal when the crashed process was the step's last command),
// or, when the crashed process was the step's PID 1, the build went silent
// after qemu's line and timed out. `RUN false`, a compile error, `RUN exit
// 139` and any native crash never qualify. A program that crashes natively as
// well, or a step that survived a crash and then failed by itself, cannot be
// told apart: one retry then fails the same way.
std::optional<EmulatorCrash> classify_emulator_crash(const util::Error& error, std::span<const std::string> last_lines,
                                                     bool emulated);

} // namespace pma::libpod
