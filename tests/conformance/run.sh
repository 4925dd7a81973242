#!/usr/bin/env bash
# Conformance suite: builds the same contexts with podman and with podman-multiarch on
# the same lab host and compares the images, on podman 4.3.1 (host amd64) and 5.4.2
# (host ppc64le). See tests/conformance/README.md.
#
#   tests/conformance/run.sh [CASE|CLASS ...]      all cases, or the named ones / classes
#
# Environment: PMA_BIN (default build/podman-multiarch), PMA_CONFORMANCE_RESULTS (JSON
# lines, default build/conformance/results.jsonl), CONFORMANCE_VERSIONS ("431 542"),
# CONFORMANCE_KEEP=1 keeps each case's directory (contexts, logs, archives) under
# $PMA_LAB_DIR/conformance/run.PID/. Exit 0 only if every case met its expectation.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
for f in context ignore options forwarded platform; do
  # shellcheck source=/dev/null
  source "$here/cases-$f.sh"
done

if [[ -z ${LAB_HOSTS:-} ]] || ! lab_ping amd64 > /dev/null || ! lab_ping ppc64le > /dev/null; then
  echo "the lab is not running (tests/lab/lab.sh up)" >&2
  exit 77
fi
[[ -x $PMA_BIN ]] || { echo "no podman-multiarch binary at $PMA_BIN" >&2; exit 2; }

# which cases: names, or class names (a case's class is known only when it runs, so
# classes are matched by the name prefixes the case files use)
declare -A PREFIX_OF_CLASS=([context]=ctx_ [ignore]=ign_ [options]=opt_ [forwarded]=fwd_ [per-platform]=plat_)
selected=()
if (($#)); then
  for want in "$@"; do
    found=0
    for c in "${CASES[@]}"; do
      if [[ $c == "$want" || $c == "${PREFIX_OF_CLASS[$want]:-//}"* ]]; then selected+=("$c") found=1; fi
    done
    ((found)) || { echo "no case or class '$want' (cases: ${CASES[*]})" >&2; exit 2; }
  done
else
  selected=("${CASES[@]}")
fi

RESULTS=${PMA_CONFORMANCE_RESULTS:-$CONF_SRC/build/conformance/results.jsonl}
mkdir -p "$(dirname "$RESULTS")" "$CW"
RUN_DIR=$CW/run.$$
mkdir -p "$RUN_DIR"
export RUN_DIR
# the binary may be rebuilt while the suite runs: test one copy of it throughout
cp "$PMA_BIN" "$RUN_DIR/podman-multiarch"
echo "binary: $PMA_BIN ($(date -r "$PMA_BIN" '+%F %T'))"
PMA_BIN=$RUN_DIR/podman-multiarch
: > "$RESULTS"
export HOME=$RUN_DIR/home XDG_CONFIG_HOME=$RUN_DIR/home/.config
mkdir -p "$HOME"
unset CONTAINER_HOST CONTAINER_CONNECTION CONTAINER_SSHKEY PODMAN_MULTIARCH_CONFIG REGISTRY_AUTH_FILE \
  SOURCE_DATE_EPOCH http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY

t0=$(date +%s.%N)
echo "conformance: ${#selected[@]} case(s) on podman ${CONFORMANCE_VERSIONS:-431 542}"
conformance_setup || exit 2

run_version() {
  conf_version "$1"
  RESULTS_PART=$RUN_DIR/results.$1.jsonl
  export RESULTS_PART
  : > "$RESULTS_PART"
  local c
  for c in "${selected[@]}"; do
    (run_case "$c")
  done
}

pids=()
for v in ${CONFORMANCE_VERSIONS:-431 542}; do
  run_version "$v" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
conformance_teardown

# results in case order, 4.3.1 first
for v in ${CONFORMANCE_VERSIONS:-431 542}; do cat "$RUN_DIR/results.$v.jsonl"; done > "$RESULTS"
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
echo
jq -rs '
  group_by(.version)[] |
  "podman \(.[0].version): \(length) results: " +
  "\([.[] | select(.met and .outcome == "same")] | length) same, " +
  "\([.[] | select(.met and .outcome == "different")] | length) different as expected, " +
  "\([.[] | select(.met and .outcome == "refused")] | length) refused as expected, " +
  "\([.[] | select(.met | not)] | length) NOT as expected"' "$RESULTS"
failed=$(jq -s '[.[] | select(.met | not)] | length' "$RESULTS")
echo "wall time ${wall}s; results in $RESULTS"
if ((failed)); then
  echo "not as expected:"
  jq -r 'select(.met | not) | "  \(.class)/\(.case) \(.version) \(.reference): \(.outcome) (expected \(.expected))"' "$RESULTS"
fi
[[ -n ${CONFORMANCE_KEEP:-} ]] || rm -rf "$RUN_DIR"
((failed == 0))
