#!/usr/bin/env bash
# podman's own manifest tests (test/system/012-manifest.bats v4.4.0, v4.9.5, v5.4.2, its
# v4.3.1 predecessor in 010-images.bats, test/e2e/manifest_test.go v4.3.1 and v5.4.2),
# re-expressed in bash and run through podman-multiarch on every lab host. See README.md.
#
#   tests/conformance/podman-manifest/run.sh [--hosts "amd64 ppc64le"] [--self-check] [FILTER...]
#
# FILTER: substrings of case names or ids (all cases by default). --self-check runs the
# cases through the real podman-remote instead (checks the cases, not podman-multiarch;
# nothing is written to the results file).
# Environment: PMA_BIN (default build/podman-multiarch), PMA_CONFORMANCE_RESULTS (JSON lines,
# appended unless PMA_CONFORMANCE_TRUNCATE is set; default build/conformance/results.jsonl), PMC_KEEP=1 keeps the run directory
# ($PMA_LAB_DIR/conformance/podman-manifest/run.RUNID, with each case's log).
# Exit 0 only if no case failed; 77 if the lab is not running.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
for f in "$here"/cases-*.sh; do
  # shellcheck source=/dev/null
  source "$f"
done

hosts=${PMC_HOSTS:-amd64 arm64 ppc64le s390x}
filters=()
while (($#)); do
  case $1 in
    --hosts) hosts=$2; shift 2 ;;
    --hosts=*) hosts=${1#*=}; shift ;;
    --self-check) PMC_MODE=podman; shift ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) filters+=("$1"); shift ;;
  esac
done
export PMC_MODE

if [[ -z ${LAB_HOSTS:-} ]]; then echo "the lab is not running (tests/lab/lab.sh up)" >&2; exit 77; fi
for h in $hosts; do
  lab_ping "$h" > /dev/null || { echo "lab host $h does not answer (tests/lab/lab.sh up)" >&2; exit 77; }
done
if [[ $PMC_MODE == pma && ! -x $PMA_BIN ]]; then echo "no podman-multiarch binary at $PMA_BIN" >&2; exit 2; fi

selected=()
for id in "${CASE_IDS[@]}"; do
  if ((${#filters[@]} == 0)); then selected+=("$id"); continue; fi
  for f in "${filters[@]}"; do
    if [[ $id == *"$f"* || ${CASE_NAME[$id]} == *"$f"* ]]; then selected+=("$id"); break; fi
  done
done
((${#selected[@]})) || { echo "no case matches: ${filters[*]}" >&2; exit 2; }

RESULTS=${PMA_CONFORMANCE_RESULTS:-$PMC_SRC/build/conformance/results.jsonl}
RUNID=$(($(date +%s) % 100000))$$
RUN_DIR=$PMA_LAB_DIR/conformance/podman-manifest/run.$RUNID
mkdir -p "$RUN_DIR" "$(dirname "$RESULTS")"
[[ -z ${PMA_CONFORMANCE_TRUNCATE:-} ]] || : > "$RESULTS" # a fresh file per run (meson sets it)
# nobody's own configuration or credentials: HOME is the run's, and credentials come only
# from what a case names (--authfile, --creds, REGISTRY_AUTH_FILE)
export HOME=$RUN_DIR/home XDG_CONFIG_HOME=$RUN_DIR/home/.config XDG_RUNTIME_DIR=$RUN_DIR/home/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
unset CONTAINER_HOST CONTAINER_CONNECTION CONTAINER_SSHKEY PODMAN_MULTIARCH_CONFIG REGISTRY_AUTH_FILE \
  DOCKER_CONFIG PODMAN_CONNECTIONS_CONF http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
# the lab's containers.conf stays (the real podman clients read it); podman-multiarch gets
# its hosts from --config
LAB_PASS=$(< "$LAB_REGISTRY_PASSWORD_FILE")
REGL=localhost:$LAB_REGISTRY_PORT   # the TLS registry under a name nobody trusts (no certs.d)
export RUNID RUN_DIR LAB_PASS REGL PMA_BIN

t0=$EPOCHREALTIME
echo "podman manifest tests: ${#selected[@]} case(s) x hosts ($hosts); mode $PMC_MODE; binary $PMA_BIN; run $RUNID"

# ---------------------------------------------------------------- shared fixtures
# Upstream reads quay.io/libpod/... and k8s.gcr.io/pause; here they are copies of the lab's
# 4-platform busybox index in a repository of this run, converted to a Docker list of
# schema-2 images (what upstream's testimage:00000004, pause:3.1 and busybox are).
FIX=$LAB_REGISTRY/pmc$RUNID
setup_fixtures() {
  skopeo copy -q --all --format v2s2 --authfile "$LAB_AUTHFILE" \
    "docker://$LAB_BASE_IMAGE" "docker://$FIX/testimage:00000004" || return 1
  local t pids=()
  for t in busybox:latest alpine:latest testimage:20241011 pause:3.1; do
    skopeo copy -q --all --authfile "$LAB_AUTHFILE" "docker://$FIX/testimage:00000004" "docker://$FIX/$t" &
    pids+=($!)
  done
  for t in "${pids[@]}"; do wait "$t" || return 1; done
}
if ! setup_fixtures > "$RUN_DIR/fixtures.log" 2>&1; then
  echo "fixture setup failed (skopeo copy to $FIX):" >&2
  cat "$RUN_DIR/fixtures.log" >&2
  exit 1
fi
raw=$(skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$FIX/testimage:00000004")
digest_of() { jq -r --arg a "$1" '.manifests[] | select(.platform.architecture == $a) | .digest' <<< "$raw"; }
IL_AMD64=$(digest_of amd64) IL_ARM64=$(digest_of arm64) IL_PPC64LE=$(digest_of ppc64le) IL_S390X=$(digest_of s390x)
IL_ARM64_SIZE=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .size' <<< "$raw")
IL_ARM64_MEDIATYPE=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .mediaType' <<< "$raw")
IMAGE_LIST=docker://$FIX/testimage:00000004            # e2e v5.4.2 imageList
IMAGE_LIST_INSTANCE=docker://$FIX/testimage@$IL_ARM64  # e2e v5.4.2 imageListInstance
PAUSE_LIST=docker://$FIX/pause:3.1                     # e2e v4.3.1 imageList (k8s.gcr.io/pause:3.1)
PAUSE_INSTANCE=docker://$FIX/pause@$IL_ARM64           # e2e v4.3.1 imageListInstance
BB=$FIX/busybox:latest                                 # quay.io/libpod/busybox:latest
BB_REPO=$FIX/busybox                                   # quay.io/libpod/busybox
BB_SINGLE=$FIX/busybox@$IL_AMD64                       # quay.io/libpod/busybox@sha256:6655df04... (one v2s2 image)
ALPINE=$FIX/alpine:latest                              # quay.io/libpod/alpine:latest
CITEST_IMAGE=$FIX/testimage:20241011                   # quay.io/libpod/testimage:20241011
IMAGE=$CITEST_IMAGE                                    # bats $IMAGE
export FIX IL_AMD64 IL_ARM64 IL_PPC64LE IL_S390X IL_ARM64_SIZE IL_ARM64_MEDIATYPE IMAGE_LIST \
  IMAGE_LIST_INSTANCE PAUSE_LIST PAUSE_INSTANCE BB BB_REPO BB_SINGLE ALPINE CITEST_IMAGE IMAGE
t_fix=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')

# ---------------------------------------------------------------- the hosts, in parallel
# Each host runs its cases in a few workers at once: the slow cases (builds, compression
# variants, 20 MB artifacts) beside the others. Cases never share names, so they do not
# interfere.
declare -A shard_ids=()
for id in "${selected[@]}"; do
  shard=${CASE_SHARD[$id]:-main}
  shard_ids[$shard]+=" $id"
done
pids=()
for h in $hosts; do
  for shard in "${!shard_ids[@]}"; do
    # shellcheck disable=SC2086
    (run_host "$h" "$shard" ${shard_ids[$shard]}) > "$RUN_DIR/worker.$h.$shard.log" 2>&1 &
    pids+=($!)
  done
done
for p in "${pids[@]}"; do wait "$p"; done

# leftovers: any image name of this run still on a host is reported and removed
leftovers=""
for h in $hosts; do
  HOST=$h HOST_SOCK=$(lab_sock "$h") HOST_VERSION=$(lab_api_version "$h")
  HOST_MAJOR=${HOST_VERSION%%.*}
  names=$(real_podman images -a --format '{{range .Names}}{{.}} {{end}}' 2> /dev/null | tr ' ' '\n' | grep -F "pmc$RUNID" || true)
  if [[ -n $names ]]; then
    leftovers+="$h: ${names//$'\n'/ }"$'\n'
    for n in $names; do safe_remove "$n" > /dev/null 2>&1 || true; done
  fi
done

# ---------------------------------------------------------------- report
all=$RUN_DIR/results.jsonl
: > "$all"
for id in "${selected[@]}"; do
  for h in $hosts; do
    cat "$RUN_DIR/$h"/results.*.jsonl | jq -c --arg id "$id" 'select(.id == $id) | del(.id)' >> "$all"
  done
done
wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')

echo
jq -r '
  (if .outcome == "pass" then "PASS" elif .outcome == "fail" then "FAIL" else "n/a " end) as $o |
  "\($o)  \(.host | . + "        " | .[0:8]) \(.version)  \(.case)  (\(.seconds)s)" +
  (if .outcome == "pass" then ""
   else "\n" + (.detail | split("\n") | map(select(startswith("note: ") | not)) | map("        " + .) | join("\n")) end)
' "$all"
echo
for h in $hosts; do
  jq -rs --arg h "$h" '[.[] | select(.host == $h)] |
    "\($h): \([.[] | select(.outcome == "pass")] | length) pass, \([.[] | select(.outcome == "fail")] | length) fail, \([.[] | select(.outcome == "n/a")] | length) n/a" +
    (if ([.[] | select(.outcome != .expected and .outcome != "fail")] | length) > 0
     then " (\([.[] | select(.outcome != .expected and .outcome != "fail")] | length) not as expected)" else "" end)' "$all"
done
if [[ -n $leftovers ]]; then
  printf 'leftovers removed after the run (a case did not clean up):\n%s' "$leftovers"
fi
echo "wall time ${wall}s (fixtures ${t_fix}s)"

failed=$(jq -s '[.[] | select(.outcome == "fail")] | length' "$all")
if [[ $PMC_MODE == pma ]]; then
  cat "$all" >> "$RESULTS"
  echo "results appended to $RESULTS"
else
  echo "self-check (real podman-remote): nothing written to $RESULTS"
fi
if ((failed == 0)) && [[ -z ${PMC_KEEP:-} ]]; then
  rm -rf "$RUN_DIR"
else
  echo "each case's log: $RUN_DIR/HOST/CASE/log.steps"
fi
((failed == 0))
