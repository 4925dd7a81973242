# shellcheck shell=bash disable=SC2034 # variables for the case files and run.sh
# podman's own `manifest` test cases, run through podman-multiarch: the machinery.
# Sourced by run.sh; the cases (cases-*.sh) are written in the small vocabulary below.
# See README.md for the design and every substitution.
#
# A case is a function registered with `defcase ID "FILE VERSION: TEST NAME" FN`. It runs
# once per lab host, in a subshell, with:
#   $HOST $HOST_VERSION        the lab host and its podman version (4.3.1 or 5.4.2)
#   $CASE_DIR                  a scratch directory (visible inside the podman 5 chroot)
#   the fixtures of run.sh     ($IMAGE_LIST, $BB, $ALPINE, ... see run.sh: setup_fixtures)
#
# The `podman` shell function is the shim: `podman manifest VERB ARGS...` runs
# podman-multiarch on $HOST, anything else the real podman CLI of the host's version as a
# remote client of the same host. Steps (each one command, like bats' run_podman):
#
#   pm ARGS...                 run `podman ARGS`; sets RC, OUT (stdout), ERR (stderr), ALL
#   ok ARGS...                 ... and it must exit 0            (e2e v4: Exit(0))
#   clean ARGS...              ... exit 0, stderr empty          (e2e v5: ExitCleanly())
#   bats_ok ARGS...            ... exit 0, no warning/error on stderr (bats: run_podman)
#   bats_rc CODE ARGS...       ... exit CODE, mapped              (bats: run_podman CODE)
#   xfail CODE MSG ARGS...     ... exit CODE (mapped) and MSG in stderr; MSG "" means stderr
#                              must be empty                     (e2e v5: ExitWithError)
#   anyfail ARGS...            ... any non-zero exit              (e2e v4: ExitWithError())
#   out_has STR / out_lacks STR / err_has STR / all_is STR / all_like BRE / err_re ERE
#   check_eq WHAT ACTUAL EXPECTED
#   fx ARGS...                 a fixture command (real podman), not a step: it must work
#   defer_rmi NAME...          remove these lists/images when the case ends (pass or fail)
#   defer_fn FN                run FN when the case ends
#   note TEXT                  a substitution or translation, reported with the outcome
#   na REASON                  the case does not apply on this host (ends it)
#   needs VERSION FEATURE      n/a unless the host runs podman >= VERSION
#   na_below VERSION REASON    the case ends n/a at `na_point` on hosts older than VERSION
#                              (the steps before it still run and must pass)
#
# Exit codes and messages, mapped in one place (rc_ok, the checks):
#   podman 125 -> podman-multiarch 1 (its failure code); CODE "125u" (an argument podman
#   rejects before doing anything) -> 1 or 2 (podman-multiarch's usage errors); 1 -> 1.
#   "Error: MSG" on stderr -> podman-multiarch's stderr contains MSG (it prints
#   "podman-multiarch: error: host H: ...MSG..."). "stderr empty on success" is kept.
# PMC_MODE=podman (run.sh --self-check) runs the same cases through the real podman-remote
# for every verb with podman's own codes: a check of the cases and their substitutions.

PMC_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PMC_SRC=$(cd "$PMC_HERE/../../.." && pwd)
# shellcheck source=../../lab/lab-lib.sh
source "$PMC_SRC/tests/lab/lab-lib.sh"
PMA_BIN=${PMA_BIN:-$PMC_SRC/build/podman-multiarch}
PMC_MODE=${PMC_MODE:-pma}
PMC_CLASS="podman manifest tests"

CASE_IDS=()
declare -A CASE_NAME=() CASE_FN=()
declare -A CASE_SHARD=()
# slow_case ID [SHARD]: run it beside the host's other cases, in worker SHARD (default
# "slow"; see run.sh)
slow_case() { CASE_SHARD[$1]=${2:-slow}; }
defcase() {
  CASE_IDS+=("$1")
  CASE_NAME[$1]=$2
  CASE_FN[$1]=$3
}

# ver_ge A B: version A >= B
ver_ge() { [[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1) == "$2" ]]; }

# N NAME: a name unique to this run and case (lists, tags): N foo -> pmcRUNID-CASEID-foo
N() { printf 'pmc%s-%s-%s' "$RUNID" "$CASE_ID" "$1"; }

# ---------------------------------------------------------------- the shim

# every command of a case is bounded: a hung client or service fails the step, not the run
PMC_STEP_TIMEOUT=${PMC_STEP_TIMEOUT:-120}

real_podman() {
  if [[ $HOST_MAJOR -ge 5 ]]; then
    # shellcheck disable=SC2016
    LAB_NO_ENV=1 timeout -k 5 "$PMC_STEP_TIMEOUT" bash -c 'source "$0"; lab_podman5 "$@"' "$PMC_SRC/tests/lab/lab-lib.sh" \
      --url "unix://$HOST_SOCK" "$@"
  else
    timeout -k 5 "$PMC_STEP_TIMEOUT" podman --url "unix://$HOST_SOCK" "$@"
  fi
}

# podman ARGS...: manifest verbs through podman-multiarch, the rest through real podman.
podman() {
  if [[ ${1:-} == manifest && $PMC_MODE == pma ]]; then
    local verb=${2:-}
    shift 2
    local extra=()
    if [[ $verb == push ]]; then
      # podman pushes an empty list without asking; podman-multiarch refuses unless
      # --allow-empty (man page, DIFFERENCES FROM PODMAN)
      extra+=(--allow-empty)
      note "shim: --allow-empty added to manifest push (podman pushes an empty list without asking)"
    fi
    timeout -k 5 "$PMC_STEP_TIMEOUT" "$PMA_BIN" manifest "$verb" --config "$LAB_CONFIG" --host "$HOST" "${extra[@]}" "$@"
  else
    real_podman "$@"
  fi
}

# ---------------------------------------------------------------- results of a case

mask() {
  local s=$*
  [[ -n ${LAB_PASS:-} ]] && s=${s//$LAB_PASS/***}
  printf '%s' "$s"
}

note() {
  grep -qxF -- "$*" "$CASE_DIR/notes" 2> /dev/null || printf '%s\n' "$*" >> "$CASE_DIR/notes"
}

# _finish OUTCOME DETAIL: record the case's result and end the case (subshell).
_finish() {
  printf '%s\n%s\n%s\n' "$1" "$EXPECTED" "$(mask "$2")" > "$CASE_DIR/result"
  exit 0
}

# differ TEXT: the last step did not do what upstream expects: the case fails.
differ() {
  local d="step $STEP \`$CMD\`: $1"
  [[ -z ${CMD:-} || $CMD == "podman manifest "* || $PMC_MODE != pma ]] || d+=" (a real podman step, not podman-multiarch)"
  if [[ -n ${CMD:-} ]]; then
    d+=$'\n'"  exit $RC"
    [[ -n $OUT ]] && d+=$'\n'"  stdout: $(head -c 600 <<< "$OUT" | sed '2,$s/^/          /')"
    [[ -n $ERR ]] && d+=$'\n'"  stderr: $(head -c 600 <<< "$ERR" | sed '2,$s/^/          /')"
  fi
  _finish fail "$d"
}

# check failures that are not about the last command's output
fail_check() {
  CMD="" RC="" OUT="" ERR=""
  _finish fail "after step $STEP: $1"
}

na() { EXPECTED=n/a; _finish n/a "$1"; }

needs() {
  ver_ge "$HOST_VERSION" "$1" || na "needs podman $1 or newer for $2 (host $HOST runs $HOST_VERSION)"
}

na_below() {
  if ! ver_ge "$HOST_VERSION" "$1"; then
    EXPECTED=n/a
    NA_AT_POINT="$2 (host $HOST runs $HOST_VERSION); the steps before that ran and passed"
  fi
}
na_point() { [[ -z ${NA_AT_POINT:-} ]] || _finish n/a "$NA_AT_POINT"; }

# ---------------------------------------------------------------- steps

pm() {
  STEP=$((STEP + 1))
  CMD=$(mask "podman $*")
  podman "$@" > "$CASE_DIR/out" 2> "$CASE_DIR/err" < "${PM_STDIN:-/dev/null}"
  RC=$?
  OUT=$(< "$CASE_DIR/out")
  ERR=$(< "$CASE_DIR/err")
  # bats' $output: stdout and stderr together
  ALL=$OUT
  [[ -n $ERR ]] && ALL+=${ALL:+$'\n'}$ERR
  {
    printf '$ %s -> %s\n' "$CMD" "$RC"
    sed 's/^/  out| /' "$CASE_DIR/out" | head -n 60
    sed 's/^/  err| /' "$CASE_DIR/err" | head -n 60
  } >> "$CASE_DIR/log.steps"
  ((RC != 124)) || differ "timed out after ${PMC_STEP_TIMEOUT}s"
}

# the exit codes podman-multiarch may use for podman's CODE
want_rc() {
  case $PMC_MODE:$1 in
    *:any) echo nonzero ;;
    pma:125) echo 1 ;;
    pma:125u) echo "1 2" ;;
    podman:125u) echo 125 ;;
    *) echo "$1" ;;
  esac
}
rc_ok() {
  local w c
  w=$(want_rc "$1")
  if [[ $w == nonzero ]]; then ((RC != 0)); return; fi
  for c in $w; do [[ $RC == "$c" ]] && return 0; done
  return 1
}
_rc_text() {
  local w
  w=$(want_rc "$1")
  [[ $w == nonzero ]] && { echo "a non-zero exit"; return; }
  if [[ $PMC_MODE == pma && $1 == 125* ]]; then echo "exit ${w// / or } (podman: 125)"; else echo "exit $w"; fi
}

ok() {
  pm "$@"
  ((RC == 0)) || differ "exit $RC, expected 0"
}
clean() {
  pm "$@"
  ((RC == 0)) || differ "exit $RC, expected 0 with empty stderr (ExitCleanly)"
  [[ -z $ERR ]] || differ "stderr not empty, expected exit 0 with empty stderr (ExitCleanly)"
}
bats_ok() {
  pm "$@"
  ((RC == 0)) || differ "exit $RC, expected 0"
  # run_podman: a successful command must not warn (level=w/e); podman-multiarch's own
  # diagnostics are "podman-multiarch: warning:" / "error:"
  if [[ $ERR =~ level=[we]|warning:|error: ]]; then
    differ "succeeded, but issued unexpected warnings or errors on stderr"
  fi
}
bats_rc() {
  local code=$1
  shift
  pm "$@"
  rc_ok "$code" || differ "exit $RC, expected $(_rc_text "$code")"
}
xfail() {
  local code=$1 msg=$2
  shift 2
  pm "$@"
  rc_ok "$code" || differ "exit $RC, expected $(_rc_text "$code")${msg:+ with \"$msg\" on stderr}"
  if [[ -z $msg ]]; then
    [[ -z $ERR ]] || differ "stderr not empty, expected $(_rc_text "$code") with empty stderr"
  else
    [[ $ERR == *"$msg"* ]] || differ "stderr lacks \"$msg\""
  fi
}
anyfail() {
  pm "$@"
  ((RC != 0)) || differ "exit 0, expected a failure"
}

out_has() { [[ $OUT == *"$1"* ]] || differ "stdout lacks \"$1\""; }
out_lacks() { [[ $OUT != *"$1"* ]] || differ "stdout has \"$1\", expected it not to"; }
err_has() { [[ $ERR == *"$1"* ]] || differ "stderr lacks \"$1\""; }
err_nonempty() { [[ -n $ERR ]] || differ "stderr is empty, expected an error message"; }
# all_is STR: bats `is "$output" STR` with a literal STR (no wildcard)
all_is() { [[ $ALL == "$1" ]] || differ "output is not \"$1\""; }
# all_like BRE: bats `is "$output" BRE` with wildcards: expr(1), anchored at the start
all_like() { expr "$ALL" : "$1" > /dev/null || differ "output does not match '$1'"; }
# err_re ERE: bats `assert "$output" =~ ERE`, after the "Error: " mapping, on stderr
err_re() { [[ $ERR =~ $1 ]] || differ "stderr does not match /$1/"; }
check_eq() { [[ $2 == "$3" ]] || fail_check "$1: got '$2', expected '$3'"; }

# fx ARGS...: fixture command through the real podman of the host; it must work.
fx() {
  local rc
  printf '$ (fixture) %s\n' "$(mask "podman $*")" >> "$CASE_DIR/log.steps"
  real_podman "$@" > "$CASE_DIR/fx.out" 2> "$CASE_DIR/fx.err" < "${PM_STDIN:-/dev/null}"
  rc=$?
  FX_OUT=$(< "$CASE_DIR/fx.out")
  if ((rc != 0)); then
    CMD="" RC="" OUT="" ERR=""
    _finish fail "fixture \`$(mask "podman $*")\` failed (exit $rc): $(head -c 400 "$CASE_DIR/fx.err")"
  fi
}

# fx_pull IMAGE: put an image in the host's storage (as upstream's caches and setup do)
fx_pull() { fx pull -q --authfile "$LAB_AUTHFILE" "$1"; }

# ---------------------------------------------------------------- cleanup

defer_rmi() { CLEANUP+=("$@"); }
defer_fn() { CLEANUP_FNS+=("$1"); }

# safe_remove NAME: remove a list (manifest rm: only lists, never the images they
# reference) or else a plain image's name. Never `rmi` a list: podman resolves a list name
# to the local image of its platform instance, and would remove or untag that image.
safe_remove() {
  local out
  out=$(real_podman manifest rm "$1" 2>&1) && { echo "$out"; return 0; }
  echo "$out"
  [[ $out == *"not a manifest list"* ]] || return 0
  # a plain image: remove it, or (used by a container, or another name's) just this name
  real_podman rmi -i "$1" 2>&1 || real_podman untag "$1" "$1" 2>&1
}
_cleanup() {
  local i
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do
    echo "cleanup: remove ${CLEANUP[i]}"
    safe_remove "${CLEANUP[i]}" || true
  done
  for ((i = ${#CLEANUP_FNS[@]} - 1; i >= 0; i--)); do "${CLEANUP_FNS[i]}" || true; done
}

# registry helpers (skopeo on this machine)
reg_raw() { skopeo inspect --raw --authfile "${2:-$LAB_AUTHFILE}" ${3:+--tls-verify=false} "docker://$1"; }

# host_login AUTHFILE REGISTRY: `podman login --tls-verify=false --password-stdin
# --authfile` as in upstream's setup (bats: run_podman login ...), with the real podman.
host_login() {
  printf '%s\n' "$LAB_PASS" > "$CASE_DIR/pass"
  PM_STDIN=$CASE_DIR/pass bats_ok login --tls-verify=false --username "$LAB_REGISTRY_USER" \
    --password-stdin --authfile="$1" "$2"
  rm -f "$CASE_DIR/pass"
  all_is "Login Succeeded!"
}

# ---------------------------------------------------------------- running a case on a host

# run_case ID: runs the case on $HOST; appends its JSON line and report line.
run_case() {
  local id=$1 t0 t1 secs outcome expected detail notes
  CASE_DIR=$HOST_DIR/$id CASE_ID=$id
  mkdir -p "$CASE_DIR"
  t0=$EPOCHREALTIME
  (
    set -u
    STEP=0 CMD="" RC="" OUT="" ERR="" ALL="" EXPECTED=pass NA_AT_POINT="" CLEANUP=() CLEANUP_FNS=()
    trap _cleanup EXIT
    cd "$CASE_DIR" || exit 1
    "${CASE_FN[$id]}"
    _finish pass ""
  ) > "$CASE_DIR/log" 2>&1
  find "$CASE_DIR" -type f -size +1M -delete 2> /dev/null # big fixture files (20 MB zeroes)
  t1=$EPOCHREALTIME
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  if [[ -r $CASE_DIR/result ]]; then
    { read -r outcome; read -r expected; detail=$(cat); } < "$CASE_DIR/result"
  else
    outcome=fail expected=pass
    detail="harness error: the case stopped without a result (see $CASE_DIR/log): $(tail -n 3 "$CASE_DIR/log" | tr '\n' ' ')"
  fi
  notes=""
  [[ -s $CASE_DIR/notes ]] && notes=$(sed 's/^/note: /' "$CASE_DIR/notes")
  if [[ -n $notes ]]; then detail=${detail:+$detail$'\n'}$notes; fi
  jq -nc --arg case "${CASE_NAME[$id]}" --arg class "$PMC_CLASS" --arg version "$HOST_VERSION" \
    --arg host "$HOST" --arg outcome "$outcome" --arg expected "$expected" --arg detail "$detail" \
    --argjson seconds "$secs" --arg id "$id" \
    '{case: $case, class: $class, version: $version, host: $host, reference: "podman-tests",
      outcome: $outcome, expected: $expected, detail: $detail, seconds: $seconds, id: $id}' \
    >> "$HOST_DIR/results.$SHARD.jsonl"
}

# run_host HOST SHARD CASE_ID...: these cases on one host, in order (a host runs two shards
# at once: the slow cases and the others).
run_host() {
  HOST=$1 SHARD=$2
  shift 2
  HOST_SOCK=$(lab_sock "$HOST")
  HOST_VERSION=$(lab_api_version "$HOST")
  HOST_MAJOR=${HOST_VERSION%%.*}
  HOST_DIR=$RUN_DIR/$HOST
  # registry repositories of this run and host (pushes)
  HREPO=$LAB_REGISTRY/pmc$RUNID-$HOST     # trusted TLS name, $LAB_AUTHFILE
  HREPOL=$REGL/pmc$RUNID-$HOST            # the same registry under an untrusted name
  HPREPO=$LAB_PLAIN_REGISTRY/pmc$RUNID-$HOST
  mkdir -p "$HOST_DIR"
  : > "$HOST_DIR/results.$SHARD.jsonl"
  cd "$HOST_DIR" || return 1
  local id
  for id in "$@"; do
    run_case "$id"
  done
}
