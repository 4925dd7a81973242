#!/usr/bin/env bash
# Static checks: formatting (clang-format), clang-tidy (warnings are errors),
# the rule that podman-multiarch never starts programs, the layering of
# ARCHITECTURE.md and the size of source files (scripts/check-layers.py), and
# commit subjects of at most 72 characters (scripts/check-commits.sh).
# Usage: scripts/lint.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
status=0

mapfile -t files < <(git ls-files 'src/*.cpp' 'include/*.hpp' 'tests/unit/*.cpp' 'tests/unit/*.hpp' 'fuzz/*.cpp' 2>/dev/null ||
  find src include tests/unit -name '*.[ch]pp')
if ! clang-format-14 --dry-run --Werror "${files[@]}"; then
  echo "lint: run clang-format-14 -i on the files above"
  status=1
fi

if grep -rnE '\b(system|popen|execv|execvp|execl|execlp|posix_spawnp?|fork)\s*\(' src include; then
  echo "lint: podman-multiarch never starts programs"
  status=1
fi

scripts/check-layers.py || status=1
scripts/check-commits.sh || status=1

if ! run-clang-tidy-14 -p "$build" -quiet "$PWD/src/" >"$build/clang-tidy.log" 2>&1; then
  grep -E 'warning:|error:' "$build/clang-tidy.log" | sort -u
  echo "lint: clang-tidy found problems (full log: $build/clang-tidy.log)"
  status=1
fi
exit $status
