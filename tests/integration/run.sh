#!/usr/bin/env bash
# Runs one integration scenario: the real binary against the real lab
# (tests/lab/lab.sh up). meson passes the scenario file; exit 77 = skipped.
set -uo pipefail
scenario=$1
: "${PMA_SOURCE_ROOT:?}" "${PMA_BIN:?}"
export PMA_LAB_DIR=${PMA_LAB_DIR:-/var/tmp/pma-lab}
if [[ -f $PMA_LAB_DIR/lab.env ]]; then
  # shellcheck source=/dev/null
  source "$PMA_LAB_DIR/lab.env"
fi
export PMA_SCENARIO=$scenario
if [[ -n ${PMA_TRANSCRIPTS:-} ]]; then
  mkdir -p "$PMA_TRANSCRIPTS"
  : >"$PMA_TRANSCRIPTS/$(basename "$scenario" .sh).log"
fi
# shellcheck source=lib.sh
source "$PMA_SOURCE_ROOT/tests/integration/lib.sh"
# shellcheck source=/dev/null
source "$scenario"
finish
