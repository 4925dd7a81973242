#!/usr/bin/env bash
# Builds podman-multiarch (warnings are errors), starts the lab (real podman
# 4.3.1 and 5.4.2 services, sshd, TLS+auth registry) and runs every test.
# Usage: scripts/test.sh [meson test args, e.g. --suite unit]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --if-missing
if [[ ! -f build/build.ninja ]]; then
  meson setup build -Dwerror=true
fi
meson compile -C build
tests/lab/lab.sh up

status=0
meson test -C build --print-errorlogs --num-processes 2 "$@" || status=$?

# The conformance report, when those suites ran (docs/conformance.md is a copy of one).
results=(build/conformance/images.jsonl build/conformance/podman-manifest-tests.jsonl)
if [[ -s ${results[0]} || -s ${results[1]} ]]; then
  existing=()
  for f in "${results[@]}"; do [[ -s $f ]] && existing+=("$f"); done
  python3 tests/conformance/report.py "${existing[@]}" >build/conformance.md &&
    echo "conformance report: build/conformance.md"
fi

# One closing line any CI can read.
python3 - <<'PY'
import json
results = [json.loads(line) for line in open("build/meson-logs/testlog.json")]
count = lambda *names: sum(r["result"] in names for r in results)
print(f"{count('OK', 'EXPECTEDFAIL')} passed, {count('FAIL', 'TIMEOUT', 'ERROR', 'UNEXPECTEDPASS')} failed, "
      f"{count('SKIP')} skipped")
PY
exit $status
