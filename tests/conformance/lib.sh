# shellcheck shell=bash
# The conformance suite's machinery: builders, export, cleanup, the case runner.
# Sourced by run.sh; the cases (cases-*.sh) use the small vocabulary below.
#
# A case is a function `c_NAME`, registered with `conf_case NAME`. It runs in a
# subshell, once per podman version ($V = 431 or 542, $VERSION = 4.3.1 or 5.4.2,
# $HOST = amd64 or ppc64le, $SOCK its socket), in its own directory: it writes
# its build context under $CTX (and files that must stay outside the context
# under $AUX), then declares:
#
#   class NAME                 context | ignore | options | forwarded | per-platform
#   desc TEXT                  one line for the report
#   cf [FILE] <<EOF            write $CTX/FILE (default Containerfile)
#   flags ARG...               build flags for every builder
#   ref_flags ARG...           flags for the reference builders instead (when podman
#                              spells the option differently or lacks it)
#   pma_flags ARG...           flags for podman-multiarch instead
#   refs remote|local ...      reference builders (default: remote)
#   expect 431|542|all [REF] OUTCOME
#        OUTCOME: same | refused:SUBSTRING | differs:REASON
#   expect_diff [REF] SUBSTR   with differs: compare.py's output must contain SUBSTR
#   auth                       pass --authfile $LAB_AUTHFILE to every builder
#   stdin FILE                 the builders' standard input (for -f -)
#   context DIR                the context argument (default $CTX)
#   pass_env NAME...           variables the local builders (env -i) must see
#   check FN                   after the builds: FN prints problems, returns 1 on any
#   cmp_opts ARG...            extra compare.py options (--compare-created, ...)
#   flow FN                    run FN instead of the standard flow (see std_flow)
#   around BEFORE AFTER        functions run before and after every build (e.g. remove an image)
#   cleanup FN                 run FN when the case is over (e.g. delete registry tags)
#   platform P                 --platform given to every builder (default linux/amd64; empty: none)
#
# Mtimes: every file the case creates gets mtime $OLD_MTIME (2022) after the case
# function returns, except those it set to a time before the case started
# (touch -d @1700000000.6): so any mtime at or after the start was set by a build.
# Set a directory's own mtime after creating its entries.

CONF_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF_SRC=$(cd "$CONF_HERE/../.." && pwd)
# shellcheck source=../lab/lab-lib.sh
source "$CONF_SRC/tests/lab/lab-lib.sh"
PMA_BIN=${PMA_BIN:-$CONF_SRC/build/podman-multiarch}
CW=$PMA_LAB_DIR/conformance
OLD_MTIME=1650000000
LAB_CLEAN_PATH=${LAB_CLEAN_PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
CASES=()

conf_case() { CASES+=("$1"); }

conf_version() {
  V=$1
  case $V in
    431) VERSION=4.3.1 HOST=amd64 ;;
    542) VERSION=5.4.2 HOST=ppc64le ;;
    *) echo "unknown version $V" >&2; return 1 ;;
  esac
  SOCK=$(lab_sock "$HOST")
  export V VERSION HOST SOCK
}

# ---------------------------------------------------------------- the case vocabulary

case_reset() {
  CASE_CLASS=misc CASE_DESC="" STDIN=/dev/null CONTEXT_ARG="" CHECK_FN="" FLOW_FN=""
  FLAGS=() REF_FLAGS=() PMA_FLAGS=() REFS=() CMP_OPTS=() PASS_ENV=()
  REF_FLAGS_SET=0 PMA_FLAGS_SET=0 AUTH=0 BEFORE_FN=: AFTER_FN=: CLEANUP_FN=:
  declare -gA EXPECT=() DIFF_EXPECT=()
}

class() { CASE_CLASS=$1; }
desc() { CASE_DESC=$*; }
flags() { FLAGS+=("$@"); }
ref_flags() { REF_FLAGS_SET=1; REF_FLAGS+=("$@"); }
pma_flags() { PMA_FLAGS_SET=1; PMA_FLAGS+=("$@"); }
refs() { REFS=("$@"); }
# expect_diff [REF] SUBSTRING
expect_diff() {
  if (($# == 2)); then DIFF_EXPECT["$1"]=$2; else DIFF_EXPECT['*']=$1; fi
}
auth() { AUTH=1; }
stdin() { STDIN=$1; }
context() { CONTEXT_ARG=$1; }
pass_env() { PASS_ENV+=("$@"); }
check() { CHECK_FN=$1; }
cmp_opts() { CMP_OPTS+=("$@"); }
flow() { FLOW_FN=$1; }
around() { BEFORE_FN=$1 AFTER_FN=$2; }
cleanup() { CLEANUP_FN=$1; }
platform() { PLATFORM=$1; }
platform_args() { [[ -z $PLATFORM ]] || printf '%s\0' --platform "$PLATFORM"; }
# scratch_cf [LINE...]: FROM scratch, COPY f /f (an image with a layer: see ctx_no_layers),
# then the lines given
scratch_cf() {
  { printf 'FROM scratch\nCOPY f /f\n'; printf '%s\n' "$@"; } | cf
  echo f > "$CTX/f"
}
# shellcheck disable=SC2120 # the case files pass the name
cf() {
  local f=$CTX/${1:-Containerfile}
  mkdir -p "$(dirname "$f")"
  cat > "$f"
}
# expect 431|542|all [REF] OUTCOME
expect() {
  local which=$1 ref='*' outcome
  if (($# == 3)); then ref=$2 outcome=$3; else outcome=$2; fi
  if [[ $which == all || $which == "$V" ]]; then
    EXPECT["$ref"]=$outcome
  fi
}
expectation_for() { # REF
  if [[ -n ${EXPECT[$1]:-} ]]; then echo "${EXPECT[$1]}"; else echo "${EXPECT['*']:-same}"; fi
}

# ---------------------------------------------------------------- builders

# The reference builders run the build with the arguments given (the context last),
# stdin from $STDIN, in $CTX, writing the image ID to IIDFILE.
# ref_build REF IIDFILE LOG ARG...
ref_build() {
  local ref=$1 iid=$2 log=$3
  shift 3
  # Named, as users build (podman build -t) and as podman-multiarch's builds are:
  # a name changes what podman commits (--layer-label reaches only unnamed results).
  local a=(-t "localhost/conformance-ref:$ref-$V-$$")
  ((AUTH)) && a+=(--authfile "$LAB_AUTHFILE")
  case $ref:$V in
    remote:431)
      (cd "$CTX" && podman --url "unix://$SOCK" build --iidfile "$iid" "${a[@]}" "$@") < "$STDIN" > "$log" 2>&1 ;;
    remote:542)
      (cd "$CTX" && lab_podman5 --url "unix://$SOCK" build --iidfile "$iid" "${a[@]}" "$@") < "$STDIN" > "$log" 2>&1 ;;
    local:431)
      (cd "$CTX" && local431 build --iidfile "$iid" "${a[@]}" "$@") < "$STDIN" > "$log" 2>&1 ;;
    local:542)
      (cd "$CTX" && local542 build --iidfile "$iid" "${a[@]}" "$@") < "$STDIN" > "$log" 2>&1 ;;
    *) echo "unknown builder $ref" > "$log"; return 1 ;;
  esac
}

local_env() {
  local n vars=()
  for n in "${PASS_ENV[@]}"; do [[ -v $n ]] && vars+=("$n=${!n}"); done
  ((${#vars[@]} == 0)) || printf '%s\0' "${vars[@]}"
}

# bookworm's podman 4.3.1 without a service, with its own storage, configured like the hosts
local431() {
  local d=$CW/local431 envs=()
  mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/home"
  mapfile -d '' envs < <(local_env)
  env -i PATH="$LAB_CLEAN_PATH" HOME="$d/home" CONTAINERS_CONF="$PMA_LAB_DIR/containers.conf" "${envs[@]}" \
    podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" "$@"
}

# trixie's podman 5.4.2 without a service, in the chroot (chroot-run.sh mounts $PMA_LAB_DIR
# at /lab): paths under $PMA_LAB_DIR are rewritten to /lab/..., the working directory too.
local542() {
  local d=$CW/local542 envs=() args=() a cwd
  mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/home"
  mapfile -d '' envs < <(local_env)
  for a in "$@"; do args+=("${a//"$PMA_LAB_DIR"\//\/lab\/}"); done
  cwd=$PWD
  [[ $cwd == "$PMA_LAB_DIR"/* ]] && cwd=/lab/${cwd#"$PMA_LAB_DIR"/} || cwd=/
  CHROOT_CONTAINERS_CONF='' "$CONF_SRC/tests/lab/chroot-run.sh" "$LAB_PODMAN5_ROOT" "$PMA_LAB_DIR" /root \
    env "${envs[@]}" sh -c 'cd "$0" && exec "$@"' "$cwd" \
    podman --root /lab/conformance/local542/root --runroot /lab/conformance/local542/runroot \
    --tmpdir /lab/conformance/local542/tmp "${args[@]}"
}

local_podman() { # 431|542 ARGS...
  local v=$1
  shift
  if [[ $v == 431 ]]; then local431 "$@"; else local542 "$@"; fi
}

# pma_build OUTPREFIX ARG... (the context last): stdout, stderr and rc in OUTPREFIX.{out,err,rc}
pma_build() {
  local out=$1
  shift
  local a=()
  ((AUTH)) && a+=(--authfile "$LAB_AUTHFILE")
  (cd "$CTX" && "$PMA_BIN" build --config "$LAB_CONFIG" --host "$HOST" --no-push --progress plain "${a[@]}" "$@") \
    < "$STDIN" > "$out.out" 2> "$out.err"
  local rc=$?
  echo "$rc" > "$out.rc"
  return $rc
}

# pma_id OUTPREFIX [PLATFORM]: the image ID podman-multiarch printed for the platform
pma_id() {
  local p=${2:-}
  grep -aE '^[^ ]+ [^ ]+ (sha256:)?[0-9a-f]{64}$' "$1.out" |
    awk -v p="$p" 'p == "" || $1 == p || index($1, p "/") == 1 {print $3; exit}'
}

# IDs of the images a build committed ("--> 0123456789a" lines), for the cleanup
built_ids() { grep -aoE -- '--> ([Uu]sing cache )?[0-9a-f]{11,64}' "$@" 2> /dev/null | awk '{print $NF}' | sort -u; }

# ---------------------------------------------------------------- export and cleanup

host_export() { # ID FILE
  local code
  code=$(curl -sS --max-time 120 --unix-socket "$SOCK" -o "$2" -w '%{http_code}' \
    "http://d/v4.0.0/libpod/images/${1#sha256:}/get?format=oci-archive") || return 1
  [[ $code == 200 ]] || { echo "export of $1: HTTP $code: $(head -c 300 "$2")"; return 1; }
}

host_delete() { # ID... (missing ones are fine; never an image that has a name of someone else's)
  local id foreign
  for id in "$@"; do
    [[ -n $id ]] || continue
    # A build with nothing to commit gives back its base image (the lab's busybox, named): its
    # names are not ours to take (podman 5.4.2 removing it by ID left the lab without a base).
    foreign=$(curl -s --max-time 10 --unix-socket "$SOCK" "http://d/v4.0.0/libpod/images/${id#sha256:}/json" |
      jq -r '[(.RepoTags // [])[] | select(startswith("localhost/podman-multiarch-") or startswith("localhost/conformance-ref:") | not)] | length' 2> /dev/null)
    [[ ${foreign:-0} == 0 ]] || continue
    curl -sS --max-time 60 -X DELETE --unix-socket "$SOCK" "http://d/v4.0.0/libpod/images/${id#sha256:}" > /dev/null 2>&1 || true
  done
}

# host_cleanup LOG...: the images the builds logged, then their final image
host_cleanup_logs() {
  local ids
  mapfile -t ids < <(built_ids "$@")
  # newest first: a child goes before its parent
  local i
  for ((i = ${#ids[@]} - 1; i >= 0; i--)); do host_delete "${ids[i]}"; done
}

local_export() { # V ID FILE
  local f=$3
  [[ $1 == 542 ]] && f=/lab/${3#"$PMA_LAB_DIR"/}
  local_podman "$1" save --format oci-archive -o "$f" "$2" > /dev/null 2>&1
}

local_wipe() { local_podman "$1" rmi -a -f > /dev/null 2>&1 || true; }

# ---------------------------------------------------------------- the standard flow

# build_ref REF TAG: build with reference builder REF, export to $OUT/TAG.tar, clean up.
# Sets REF_RC; the log is $OUT/TAG.log.
build_ref() {
  local ref=$1 tag=$2 args
  if ((REF_FLAGS_SET)); then args=("${REF_FLAGS[@]}"); else args=("${FLAGS[@]}"); fi
  rm -f "$OUT/$tag.iid" "$OUT/$tag.tar"
  local p=()
  mapfile -d '' p < <(platform_args)
  "$BEFORE_FN" "$ref"
  ref_build "$ref" "$OUT/$tag.iid" "$OUT/$tag.log" "${p[@]}" "${args[@]}" "${CONTEXT_ARG:-$CTX}"
  REF_RC=$?
  local id=""
  [[ -s $OUT/$tag.iid ]] && id=$(< "$OUT/$tag.iid")
  if ((REF_RC == 0)) && [[ -n $id ]]; then
    if [[ $ref == local ]]; then
      local_export "$V" "$id" "$OUT/$tag.tar" || REF_RC=90
    else
      host_export "$id" "$OUT/$tag.tar" >> "$OUT/$tag.log" || REF_RC=90
    fi
  fi
  if [[ $ref == local ]]; then
    local_wipe "$V"
  else
    host_delete "$id"
    host_cleanup_logs "$OUT/$tag.log"
  fi
  "$AFTER_FN" "$ref"
}

# build_pma TAG: podman-multiarch, export to $OUT/TAG.tar, clean up. Sets PMA_RC.
build_pma() {
  local tag=$1 args
  if ((PMA_FLAGS_SET)); then args=("${PMA_FLAGS[@]}"); else args=("${FLAGS[@]}"); fi
  rm -f "$OUT/$tag.tar"
  local p=()
  mapfile -d '' p < <(platform_args)
  "$BEFORE_FN" pma
  pma_build "$OUT/$tag" "${p[@]}" "${args[@]}" "${CONTEXT_ARG:-$CTX}"
  PMA_RC=$?
  leftovers "$OUT/$tag.err" > "$OUT/$tag.leftovers"
  local id
  id=$(pma_id "$OUT/$tag")
  if ((PMA_RC == 0)); then
    if [[ -z $id ]]; then
      PMA_RC=91
    else
      host_export "$id" "$OUT/$tag.tar" >> "$OUT/$tag.err" || PMA_RC=90
    fi
  fi
  host_delete "$id"
  host_cleanup_logs "$OUT/$tag.err"
  local name
  while read -r name; do host_delete "$name"; done < "$OUT/$tag.leftovers"
  "$AFTER_FN" pma
}

# Did podman-multiarch refuse before building? (exit 2, nothing uploaded)
pma_refused() { # TAG
  [[ $(< "$OUT/$1.rc") == 2 ]] && ! grep -qE 'upload:|STEP [0-9]' "$OUT/$1.err"
}

first_error() { # FILE: the most telling line of a failed command's output
  local line
  line=$(grep -aE '^(Error|error|podman-multiarch: error)|\] failed: |[Ee]rror:' "$1" | tail -1)
  [[ -n $line ]] || line=$(grep -av '^\s*$' "$1" | tail -1)
  printf "%s" "${line:0:600}"
}

# intermediates LOG: images the main build committed (podman-multiarch's log may start
# with helper builds, e.g. an image made of a --build-context directory)
intermediates() {
  local from
  from=$(grep -anE '\] upload: [0-9]+ bytes' "$1" | tail -1 | cut -d: -f1)
  tail -n +"${from:-1}" "$1" | grep -aoE -- '--> ([Uu]sing cache )?[0-9a-f]{11,64}' | awk '{print $NF}' | sort -u | wc -l
}

# leftovers ERR: names podman-multiarch tagged during its run (helper images) that are still
# on the host after it exited; the result of a --no-push build keeps its run's name
# (localhost/podman-multiarch-build:…): that image is the result, removed by the case
leftovers() {
  local name
  while read -r name; do
    [[ -n $name ]] || continue
    if curl -sf --max-time 10 --unix-socket "$SOCK" -o /dev/null "http://d/v4.0.0/libpod/images/$name/exists"; then
      echo "$name"
    fi
  done < <(grep -aoE 'Successfully tagged [^ ]+' "$1" | awk '{print $3}' | grep -v '^localhost/podman-multiarch-build:' | sort -u)
}

# compare_images A B NAMES: runs compare.py; sets CMP_RC and CMP_OUT
compare_images() {
  local extra=()
  # podman 4.3.1 writes an intermediate image's digest there; a local build's base image was
  # pulled into its own storage, while the host's copy may have been re-stored by other users
  # of the lab (recompressed: another manifest digest)
  [[ $V == 431 || $3 == podman-local,* ]] && extra+=(--ignore-base-digest)
  CMP_OUT=$(python3 "$CONF_HERE/compare.py" --since "$CASE_START" --names "$3" "${extra[@]}" "${CMP_OPTS[@]}" "$1" "$2" 2>&1)
  CMP_RC=$?
}

# judge REF REFTAG PMATAG: compare $OUT/REFTAG.tar with $OUT/PMATAG.tar, given REF_RC and
# PMA_RC of the builds whose output is in $OUT/REFTAG.log and $OUT/PMATAG.err; sets OUTCOME
# (same, different, error) and DETAIL. Runs $CHECK_FN (with REF set) when both built.
judge() {
  local ref=$1 rt=$2 pt=$3
  OUTCOME="" DETAIL=""
  if ((REF_RC != 0 && PMA_RC != 0)); then
    # the same failure: podman's reason (the last part of its Error: line) must be in
    # podman-multiarch's output too
    local why
    why=$(grep -a '^Error: ' "$OUT/$rt.log" | tail -1 | sed 's/.*: //')
    DETAIL="both failed: podman: $(first_error "$OUT/$rt.log") | podman-multiarch (exit $PMA_RC): $(first_error "$OUT/$pt.err")"
    if [[ -n $why ]] && ! grep -qF -- "$why" "$OUT/$pt.err"; then
      OUTCOME=different DETAIL="podman-multiarch fails without podman's reason '$why': $DETAIL"
    else
      OUTCOME=same
    fi
    return
  elif ((REF_RC != 0)); then
    OUTCOME=error DETAIL="podman ($ref) failed (exit $REF_RC) but podman-multiarch built: $(first_error "$OUT/$rt.log")"
    return
  elif ((PMA_RC != 0)); then
    OUTCOME=error DETAIL="podman-multiarch failed (exit $PMA_RC): $(first_error "$OUT/$pt.err")"
    return
  fi
  compare_images "$OUT/$rt.tar" "$OUT/$pt.tar" "podman-$ref,pma"
  if ((CMP_RC == 2)); then
    OUTCOME=error DETAIL=$CMP_OUT
    return
  fi
  local diffs
  diffs=$(grep -v '^info:' <<< "$CMP_OUT")
  if [[ $ref == remote ]]; then
    local ni np
    ni=$(intermediates "$OUT/$rt.log") np=$(intermediates "$OUT/$pt.err")
    if [[ $ni != "$np" ]]; then
      diffs+=${diffs:+$'\n'}"intermediate images committed: podman-$ref $ni != pma $np"
    fi
  fi
  if [[ -s $OUT/$pt.leftovers ]]; then
    diffs+=${diffs:+$'\n'}"podman-multiarch left helper images on the host: $(paste -sd ' ' "$OUT/$pt.leftovers")"
  fi
  if [[ -n $CHECK_FN ]]; then
    local problems
    problems=$(REF=$ref REF_TAG=$rt PMA_TAG=$pt "$CHECK_FN" 2>&1) || diffs+=${diffs:+$'\n'}"check: ${problems:-failed}"
  fi
  if [[ -n $diffs ]]; then
    OUTCOME=different DETAIL=$diffs
  else
    OUTCOME=same DETAIL=$(grep '^info:' <<< "$CMP_OUT" | sed 's/^info: //' | paste -sd ';' -)
  fi
}

# The standard flow: podman-multiarch builds (export, clean up); if it refused before
# building, that is the outcome for every reference; else each reference builder builds
# the same (export, clean up) and the images are compared.
std_flow() {
  local ref
  build_pma pma
  local refused=0
  if ((PMA_RC == 2)) && pma_refused pma; then refused=1; fi
  for ref in "${REFS[@]}"; do
    if ((refused)); then
      record "$ref" refused "$(first_error "$OUT/pma.err")"
      continue
    fi
    build_ref "$ref" "$ref"
    judge "$ref" "$ref" pma
    record "$ref" "$OUTCOME" "$DETAIL"
  done
}

# ---------------------------------------------------------------- results

# record REF OUTCOME DETAIL: judge against the expectation, print the line, append JSON
record() {
  local ref=$1 outcome=$2 detail=$3 exp met=false
  exp=$(expectation_for "$ref")
  case $exp in
    same) [[ $outcome == same ]] && met=true ;;
    refused:*)
      if [[ $outcome == refused ]] && grep -qF -- "${exp#refused:}" "$OUT/pma.err" 2> /dev/null; then met=true; fi ;;
    differs:*)
      local want=${DIFF_EXPECT[$ref]:-${DIFF_EXPECT['*']:-}}
      if [[ $outcome == different ]] && { [[ -z $want ]] || grep -qF -- "$want" <<< "$detail"; }; then
        met=true
      fi ;;
  esac
  local secs
  secs=$(awk -v a="$CASE_T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  # the most telling line: a COPY's content digest in the history only says "the files differ"
  local first
  first=$(grep -avE 'created_by.*(COPY|ADD) [a-z]+:[0-9a-f]{64}' <<< "$detail" | head -1)
  [[ -n $first ]] || first=${detail%%$'\n'*}
  local word=$outcome
  [[ $outcome == different || $outcome == error ]] && word="$outcome: ${first:0:160}"
  [[ $outcome == refused ]] && word="refused: ${first:0:120}"
  printf '%-4s %-38s %s %-6s %s%s\n' "$([[ $met == true ]] && echo ok || echo FAIL)" "$CASE_CLASS/$CASE_NAME" \
    "$VERSION" "$ref" "$word" "$([[ $met == true ]] || echo "   [expected ${exp%%:*}${exp#"${exp%%:*}"}]")"
  jq -cn --arg case "$CASE_NAME" --arg class "$CASE_CLASS" --arg version "$VERSION" --arg reference "$ref" \
    --arg outcome "$outcome" --arg expected "$exp" --arg detail "$detail" --argjson met "$met" \
    --arg desc "$CASE_DESC" --argjson seconds "$secs" \
    '{case: $case, class: $class, version: $version, reference: $reference, outcome: $outcome,
      expected: $expected, met: $met, detail: $detail, seconds: $seconds, description: $desc}' >> "$RESULTS_PART"
}

# run_case NAME: in a subshell; $RUN_DIR, $V, $RESULTS_PART set by the caller
run_case() {
  CASE_NAME=$1
  CASE_T0=$(date +%s.%N)
  CASE_START=${CASE_T0%.*}
  CASE_DIR=$RUN_DIR/$V/$CASE_NAME
  CTX=$CASE_DIR/ctx AUX=$CASE_DIR/aux OUT=$CASE_DIR/out
  rm -rf "$CASE_DIR"
  mkdir -p "$CTX" "$AUX" "$OUT"
  touch -d "@$((CASE_START - 1))" "$CASE_DIR/.start"
  PLATFORM=linux/amd64
  case_reset
  umask 022
  "c_$CASE_NAME" || { record "${REFS[0]:-remote}" error "the case function failed"; return; }
  ((${#REFS[@]})) || REFS=(remote)
  # every file the case made gets an old mtime, unless the case set one before the start
  find "$CTX" "$AUX" -newer "$CASE_DIR/.start" -exec touch -h -d "@$OLD_MTIME" {} + 2> /dev/null
  "${FLOW_FN:-std_flow}"
  "$CLEANUP_FN"
  if [[ -z ${CONFORMANCE_KEEP:-} ]]; then
    rm -rf "$CASE_DIR"
  fi
}

# ---------------------------------------------------------------- once per run

# The base images of the cases, private to this run: the lab's busybox plus a label, so
# each has an image ID of its own. (Other users of the lab tag the shared busybox image with
# names of their own, and podman records one of the base image's names in the history
# comment and the base.name annotation: with a shared image ID those would change under us.)
#   CONF_BASE_IMAGE  the FROM of the cases with RUN steps
#   ABSENT_IMAGE     an image the cases remove from the host before each build (forget_absent)
CONF_BASE_IMAGE=${LAB_REGISTRY:-127.0.0.1:45443}/conformance/base:run-$$
ABSENT_IMAGE=${LAB_REGISTRY:-127.0.0.1:45443}/conformance/absent:run-$$
export CONF_BASE_IMAGE ABSENT_IMAGE

conformance_setup() {
  mkdir -p "$CW/local431" "$CW/local542"
  local d=$RUN_DIR/setup ref name
  mkdir -p "$d"
  for name in base absent; do
    ref=$CONF_BASE_IMAGE
    [[ $name == absent ]] && ref=$ABSENT_IMAGE
    printf 'FROM %s\nLABEL conformance.image=%s-%s\n' "$LAB_BASE_IMAGE" "$name" "$$" > "$d/Containerfile"
    if ! local431 build -q --authfile "$LAB_AUTHFILE" --platform linux/amd64 -t "$ref" "$d" > "$d/$name.log" 2>&1 ||
      ! local431 push -q --authfile "$LAB_AUTHFILE" "$ref" >> "$d/$name.log" 2>&1; then
      echo "setup: could not make $ref:" >&2
      cat "$d/$name.log" >&2
      return 1
    fi
  done
  local_wipe 431
}
conformance_teardown() {
  local ref v
  for ref in "$CONF_BASE_IMAGE" "$ABSENT_IMAGE"; do
    skopeo delete --authfile "$LAB_AUTHFILE" "docker://$ref" > /dev/null 2>&1 || true
    for v in 431 542; do
      (conf_version "$v" && host_delete "$ref")
    done
  done
  # podman 4.3.1's overlay driver leaves its storage bind-mounted onto itself
  local m
  while read -r m; do umount "$m" 2> /dev/null || true; done < <(awk -v d="$CW/local431/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r)
}
