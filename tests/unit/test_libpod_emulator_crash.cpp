// The lines below are what podman 4.3.1 and 5.4.2 streamed for these steps
// (docs/podman-quirks.md, "Emulator crashes in the build stream").
#include <pma/libpod/emulator_crash.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using pma::libpod::classify_emulator_crash;
using pma::libpod::emulator_crash_signal;
using pma::libpod::LogTail;
using pma::util::Error;
using pma::util::ErrorClass;

TEST_SUITE_BEGIN("api");

namespace {

// The build call's error for a failed RUN step ("build failed: " + the
// stream's errorDetail message).
Error
step_failed(const std::string& step, const int status)
{
  return {ErrorClass::api, "build failed: building at STEP \"" + step + "\": while running runtime: exit status " +
                               std::to_string(status)};
}

const std::string k_segv_step = "RUN echo before; sh -c 'kill -SEGV $$'; st=$?; echo \"status $st\"; exit $st";

const std::vector<std::string> k_segv_emulated = {
    "STEP 1/2: FROM 127.0.0.1:45443/lab/busybox:latest",
    "Storing signatures",
    "STEP 2/2: " + k_segv_step,
    "before",
    "qemu: uncaught target signal 11 (Segmentation fault) - core dumped",
    "Segmentation fault",
    "status 139",
};

// The same step built natively on podman 4.3.1: stdout and stderr interleave
// differently, and qemu says nothing.
const std::vector<std::string> k_segv_native = {
    "STEP 2/2: " + k_segv_step,
    "Segmentation fault",
    "before",
    "status 139",
};

} // namespace

TEST_CASE("libpod::emulator_crash_signal")
{
  CHECK(emulator_crash_signal("qemu: uncaught target signal 11 (Segmentation fault) - core dumped") == "SIGSEGV");
  CHECK(emulator_crash_signal("qemu: uncaught target signal 4 (Illegal instruction) - core dumped") == "SIGILL");
  // The guest's number differs between architectures (SIGBUS is 10 on MIPS);
  // the host's description decides.
  CHECK(emulator_crash_signal("qemu: uncaught target signal 10 (Bus error) - core dumped") == "SIGBUS");
  CHECK(emulator_crash_signal("before without a newlineqemu: uncaught target signal 11 (Segmentation fault)") ==
        "SIGSEGV");
  CHECK(emulator_crash_signal("qemu-aarch64-static: QEMU internal SIGSEGV {code=MAPERR, addr=0x20}") == "SIGSEGV");
  CHECK(emulator_crash_signal("qemu-x86_64: QEMU internal SIGILL {code=ILLOPC, addr=0x7f0c}") == "SIGILL");
  CHECK(emulator_crash_signal("qemu: fatal: Lockup: can't escalate 3 to HardFault") == "SIGABRT");

  SUBCASE("the program's own signals and other lines are not emulator crashes")
  {
    CHECK(emulator_crash_signal("qemu: uncaught target signal 6 (Aborted) - core dumped").empty());
    CHECK(emulator_crash_signal("qemu: uncaught target signal 8 (Floating point exception) - core dumped").empty());
    CHECK(emulator_crash_signal("Segmentation fault").empty());
    CHECK(emulator_crash_signal("container exited on segmentation fault").empty());
    CHECK(emulator_crash_signal("qemu: uncaught target signal 11").empty());
    CHECK(emulator_crash_signal("").empty());
  }
}

TEST_CASE("libpod::classify_emulator_crash: a RUN step killed by SIGSEGV or SIGILL under qemu")
{
  const auto crash = classify_emulator_crash(step_failed(k_segv_step, 139), k_segv_emulated, true);
  REQUIRE(crash);
  CHECK(crash->signal == "SIGSEGV");
  CHECK_FALSE(crash->hung);
  CHECK(crash->reason == "RUN step killed by SIGSEGV under qemu emulation");

  SUBCASE("SIGILL, podman 5.4.2")
  {
    const std::string step = "RUN echo before; sh -c 'kill -ILL $$'; st=$?; echo \"status $st\"; exit $st";
    const std::vector<std::string> lines = {"STEP 2/2: " + step, "before",
                                            "qemu: uncaught target signal 4 (Illegal instruction) - core dumped",
                                            "Illegal instruction", "status 132"};
    const auto ill = classify_emulator_crash(step_failed(step, 132), lines, true);
    REQUIRE(ill);
    CHECK(ill->reason == "RUN step killed by SIGILL under qemu emulation");
  }

  SUBCASE("a compiler crashing inside make: make's own exit status")
  {
    const std::vector<std::string> lines = {
        "STEP 3/4: RUN make",
        "cc -O2 -c big.c",
        "qemu: uncaught target signal 11 (Segmentation fault) - core dumped",
        "cc: internal compiler error: Segmentation fault signal terminated program cc1",
        "Please submit a full bug report, with preprocessed source (by using -freport-bug).",
        "make: *** [Makefile:2: big.o] Error 4",
    };
    const auto make = classify_emulator_crash(step_failed("RUN make", 2), lines, true);
    REQUIRE(make);
    CHECK(make->signal == "SIGSEGV");
    CHECK(make->reason == "RUN step failed (exit status 2) after a process crashed with SIGSEGV under qemu emulation");
  }

  SUBCASE("the step's PID 1 killed after hanging: the stream goes on after qemu's line")
  {
    const std::vector<std::string> lines = {"STEP 2/2: RUN echo pid1-marker-segv; kill -SEGV $$", "pid1-marker-segv",
                                            "qemu: uncaught target signal 11 (Segmentation fault) - core dumped",
                                            "container exited on killed"};
    CHECK(classify_emulator_crash(step_failed("RUN echo pid1-marker-segv; kill -SEGV $$", 1), lines, true));
  }

  SUBCASE("only the tail: the STEP line already left the window")
  {
    const std::vector<std::string> lines(k_segv_emulated.begin() + 3, k_segv_emulated.end());
    CHECK(classify_emulator_crash(step_failed(k_segv_step, 139), lines, true));
  }
}

TEST_CASE("libpod::classify_emulator_crash: a build that failed by itself is never a crash")
{
  SUBCASE("RUN false, emulated")
  {
    const std::vector<std::string> lines = {"STEP 2/2: RUN false"};
    CHECK_FALSE(classify_emulator_crash(step_failed("RUN false", 1), lines, true));
  }
  SUBCASE("RUN exit 139, emulated: the same error as a crash, but qemu said nothing")
  {
    const std::vector<std::string> lines = {"STEP 2/2: RUN exit 139"};
    CHECK_FALSE(classify_emulator_crash(step_failed("RUN exit 139", 139), lines, true));
  }
  SUBCASE("a compile error")
  {
    const std::vector<std::string> lines = {"STEP 3/4: RUN make", "cc -O2 -c main.c",
                                            "main.c:3:1: error: expected ';' before '}' token",
                                            "make: *** [Makefile:2: main.o] Error 1"};
    CHECK_FALSE(classify_emulator_crash(step_failed("RUN make", 2), lines, true));
  }
  SUBCASE("a crash in an earlier step that the step survived")
  {
    const std::vector<std::string> lines = {"STEP 2/3: RUN ./configure || true",
                                            "qemu: uncaught target signal 11 (Segmentation fault) - core dumped",
                                            "COMMIT", "--> 3ce48193d44", "STEP 3/3: RUN false"};
    CHECK_FALSE(classify_emulator_crash(step_failed("RUN false", 1), lines, true));
  }
  SUBCASE("the program's own abort() under qemu")
  {
    const std::vector<std::string> lines = {"STEP 2/2: RUN ./selftest",
                                            "selftest: main.c:9: main: Assertion `ok' failed.",
                                            "qemu: uncaught target signal 6 (Aborted) - core dumped"};
    CHECK_FALSE(classify_emulator_crash(step_failed("RUN ./selftest", 134), lines, true));
  }
  SUBCASE("a native SIGSEGV is not an emulator crash")
  {
    CHECK_FALSE(classify_emulator_crash(step_failed(k_segv_step, 139), k_segv_native, false));
    CHECK_FALSE(classify_emulator_crash(step_failed(k_segv_step, 139), k_segv_emulated, false));
    // A platform the plan calls emulated but whose crash qemu did not report.
    CHECK_FALSE(classify_emulator_crash(step_failed(k_segv_step, 139), k_segv_native, true));
  }
  SUBCASE("a native PID 1 crash: buildah's own line, exit status 1")
  {
    const std::vector<std::string> lines = {"STEP 2/2: RUN echo before; sh -c 'f() { f; }; f'", "before",
                                            "container exited on segmentation fault"};
    CHECK_FALSE(classify_emulator_crash(step_failed("RUN echo before; sh -c 'f() { f; }; f'", 1), lines, false));
    CHECK_FALSE(classify_emulator_crash(step_failed("RUN echo before; sh -c 'f() { f; }; f'", 1), lines, true));
  }
}

TEST_CASE("libpod::classify_emulator_crash: only a RUN step's failure")
{
  SUBCASE("a step whose text mentions an exit status, failing otherwise")
  {
    const Error error(ErrorClass::api, "build failed: building at STEP \"COPY while running runtime: exit status 139 "
                                       "/x\": checking on sources under \"/tmp\": no such file or directory");
    CHECK_FALSE(classify_emulator_crash(error, k_segv_emulated, true));
  }
  SUBCASE("other error classes")
  {
    for (const ErrorClass cls :
         {ErrorClass::connect, ErrorClass::auth, ErrorClass::protocol, ErrorClass::interrupted}) {
      CAPTURE(pma::util::to_string(cls));
      Error error = step_failed(k_segv_step, 139);
      error.cls = cls;
      CHECK_FALSE(classify_emulator_crash(error, k_segv_emulated, true));
    }
  }
  SUBCASE("no log at all")
  {
    CHECK_FALSE(classify_emulator_crash(step_failed(k_segv_step, 139), {}, true));
  }
}

TEST_CASE("libpod::classify_emulator_crash: qemu as the step's PID 1 hangs after its line")
{
  const Error idle(ErrorClass::timeout, "no data from unix:///run/podman/podman.sock for 1800 s");
  const std::vector<std::string> lines = {"STEP 2/2: RUN echo pid1-marker-segv; kill -SEGV $$", "pid1-marker-segv",
                                          "qemu: uncaught target signal 11 (Segmentation fault) - core dumped"};
  const auto crash = classify_emulator_crash(idle, lines, true);
  REQUIRE(crash);
  CHECK(crash->hung);
  CHECK(crash->signal == "SIGSEGV");
  CHECK(crash->reason.starts_with("RUN step hung after qemu reported SIGSEGV"));

  CHECK_FALSE(classify_emulator_crash(idle, lines, false));
  std::vector<std::string> went_on = lines;
  went_on.emplace_back("still compiling");
  CHECK_FALSE(classify_emulator_crash(idle, went_on, true));
  CHECK_FALSE(classify_emulator_crash(idle, {lines.begin(), lines.begin() + 2}, true));
}

TEST_CASE("libpod::LogTail keeps the last lines, bounded")
{
  LogTail tail(3);
  for (const char* line : {"a", "b", "c", "d"}) {
    tail.add(line);
  }
  REQUIRE(tail.lines().size() == 3);
  CHECK(tail.lines()[0] == "b");
  CHECK(tail.lines()[2] == "d");

  tail.add(std::string(LogTail::k_max_line + 10, 'x'));
  CHECK(tail.lines().back().size() == LogTail::k_max_line);

  tail.clear();
  CHECK(tail.lines().empty());

  LogTail fed;
  for (const auto& line : k_segv_emulated) {
    fed.add(line);
  }
  CHECK(classify_emulator_crash(step_failed(k_segv_step, 139), fed.lines(), true));
}

TEST_SUITE_END();
