#!/usr/bin/env bash
# Builds podman-multiarch with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer, and runs the unit tests and the integration scenarios (real
# lab) that do more than parse, with it. Any report fails the run.
# Usage: scripts/sanitize.sh [--build-only] [BUILD_DIR (default build-asan)]   (the lab must be up)
#   --build-only  build the tree and stop (scripts/test.sh does it early, beside other suites)
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=false
if [[ ${1:-} == --build-only ]]; then
  build_only=true
  shift
fi
dir=${1:-build-asan}
(
  flock 9 # one build of the tree at a time
  if [[ ! -f $dir/build.ninja ]]; then
    meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug >/dev/null
  fi
  meson compile -C "$dir" >/dev/null
) 9>"$dir.lock"
$build_only && exit 0
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PMA_SANITIZED=1 # for checks of the process's own size (tests/integration/hostile.sh)
# Every integration scenario but those that only read command lines and files
# (the parsers run under the sanitizers in the unit tests and the fuzz
# targets): the plain run of the test suite has them, and CI time is a budget.
parsing_only=" bad_config cli_usage install bake_files "
mapfile -t scenarios < <(meson test -C "$dir" --list --suite integration 2>/dev/null |
  sed -n 's|^podman-multiarch:integration / ||p')
tests=()
for scenario in "${scenarios[@]}"; do
  [[ $parsing_only == *" $scenario "* ]] || tests+=("$scenario")
done
meson test -C "$dir" --print-errorlogs --num-processes 1 unit "${tests[@]}"
