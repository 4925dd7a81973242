#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang-14, ASan and UBSan, and runs
# each for a bounded time from its checked-in seeds (fuzz/corpus/TARGET).
# A crash fails the run and leaves the input in BUILD_DIR/artifacts/; turn it
# into a regression test (copy it into the corpus) once fixed.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 20; 0: build only)] [BUILD_DIR (default build-fuzz)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
dir=${2:-build-fuzz}
targets=(fuzz_config fuzz_podman_conf fuzz_streams fuzz_ignore fuzz_reference fuzz_auth fuzz_ssh_config fuzz_sign)

(
  flock 9 # one build of the tree at a time
  if [[ ! -f $dir/build.ninja ]]; then
    CC=clang-14 CXX=clang++-14 meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
      -Dman=disabled --buildtype=debugoptimized >/dev/null
  fi
  meson compile -C "$dir" "${targets[@]}" >/dev/null
) 9>"$dir.lock"
((seconds > 0)) || exit 0
mkdir -p "$dir/artifacts"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

status=0
printf '%-18s %10s %8s %8s %s\n' TARGET EXECUTIONS COVERAGE FEATURES RESULT
for target in "${targets[@]}"; do
  work=$dir/corpus/$target
  mkdir -p "$work"
  log=$dir/$target.log
  if "$dir/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/$target-" "$work" "fuzz/corpus/$target" >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log)"
    status=1
  fi
  execs=$(grep -aoP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -aoP '#[0-9]+\s+DONE\s+cov: \K[0-9]+' "$log" | tail -1 || true)
  ft=$(grep -aoP '#[0-9]+\s+DONE\s+cov: [0-9]+ ft: \K[0-9]+' "$log" | tail -1 || true)
  printf '%-18s %10s %8s %8s %s\n' "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit $status
