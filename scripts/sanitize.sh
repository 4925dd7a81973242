#!/usr/bin/env bash
# Builds podman-multiarch with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer, and runs the unit tests and the integration scenarios (real
# lab) with it. Any report fails the run.
# Usage: scripts/sanitize.sh [BUILD_DIR (default build-asan)]   (the lab must be up)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
if [[ ! -f $dir/build.ninja ]]; then
  meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug >/dev/null
fi
meson compile -C "$dir" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PMA_SANITIZED=1 # for checks of the process's own size (tests/integration/hostile.sh)
meson test -C "$dir" --suite unit --suite integration --print-errorlogs --num-processes 1
