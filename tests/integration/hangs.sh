# Hosts that hang: a podman service or sshd frozen with SIGSTOP in the middle
# of a build (the socket still accepts, nothing answers). Every wait must be
# bounded — by --idle-timeout, --timeout, Ctrl-C, and cleanup's own budget —
# the platform must fail over (also when the frozen host coordinates the
# list), and once the host resumes nothing of the run may be left there that
# the run did not report. Rows go to $PMA_BUILD_ROOT/reliability/hangs.md.
require_lab
repo=$LAB_REGISTRY/it-hangs-$$-$RANDOM
slow=$T/slow
mkdir -p "$slow"
printf 'FROM %s\nRUN sleep 3 && echo slow-%s > /slow\n' "$LAB_BASE_IMAGE" "$$" >"$slow/Containerfile"
reliability_section hangs "Hosts that hang" "Each row freezes a real lab service with SIGSTOP once the build is \
under way, lets \`podman-multiarch build\` run against it, then resumes it (SIGCONT) and waits 6 s for whatever the \
frozen service still had to do. \"left\" counts the names the run gave that are still on the hosts then; the run \
must have reported each of them (\`leftBehind\`). Hosts: k1 is the lab's s390x service (podman 4.3.1) declaring \
linux/amd64, a1 the amd64 one (podman 4.3.1); k1 comes first, so it also assembles the list."
frozen=()
# freeze PID… / thaw — SIGSTOP a process and its descendants; SIGCONT them all.
freeze() {
  local pid child
  for pid in "$@"; do
    kill -STOP "$pid" 2>/dev/null && frozen+=("$pid")
    for child in $(ps -o pid= --ppid "$pid"); do freeze "$child"; done
  done
}
thaw() {
  local pid
  for pid in "${frozen[@]}"; do kill -CONT "$pid" 2>/dev/null; done
  frozen=()
}
trap 'thaw; rm -rf "$T"' EXIT
# hang TITLE EXPECTED BOUND_S VICTIM_PID SIGNAL(none|INT) ARGS… — runs the build in the
# background, freezes VICTIM_PID once step 2 runs, optionally sends SIGNAL 1 s later,
# waits for the exit; then thaws and checks the bound and what is left.
hang() {
  local title=$1 expected=$2 bound=$3 victim=$4 signal=$5
  shift 5
  TEST "$title"
  local row_start started pid
  row_start=$(date +%s)
  started=$(date +%s%N)
  # Emptied here, not by the background job's redirection: the wait below must not
  # find the previous scenario's "STEP 2/2" before the new run has truncated the file.
  : >"$T/err"
  # --rebuild: the scenarios build the same inputs again (incremental runs would skip them).
  "$PMA_BIN" build --authfile "$LAB_AUTHFILE" --progress plain --allow-shrink --rebuild --metadata-file "$T/meta.json" "$@" \
    >"$T/out" 2>"$T/err" &
  pid=$!
  await 30 grep -q "STEP 2/2" "$T/err" || fail "the build never reached its slow step"
  freeze "$victim"
  if [[ $signal == INT ]]; then
    sleep 1
    kill -INT "$pid"
  fi
  wait "$pid"
  RC=$?
  elapsed=$((($(date +%s%N) - started) / 1000000))
  echo "  \$ podman-multiarch build $* → $RC ($elapsed ms)"
  thaw
  ((elapsed < bound * 1000)) || fail "took $elapsed ms, more than $bound s"
  sleep 6 # the resumed service finishes what it still had in hand
  local left reported
  left=$(run_names_since "$row_start")
  reported=$(jq '[.leftBehind[]?.names[]] | length' "$T/meta.json" 2>/dev/null || echo 0)
  ((left <= reported)) || fail "$left names left on the hosts, $reported reported"
  local message
  message=$(grep -m1 'error:' "$T/err" | sed "s/^podman-multiarch: error: //; s/|/\\\\|/g; s|$T|\$TMP|g; s|$repo|REPO|g" | cut -c1-140)
  reliability_row "$title" "$expected" "exit $RC${message:+, \"$message\"}; $elapsed ms (bound $bound s); left: $left, reported: $reported"
}
victim=$(cat "$PMA_LAB_DIR/pids/s390x.pid")
k1=linux/amd64@k1=unix://$LAB_SOCK_s390x
a1=linux/amd64@a1=unix://$LAB_SOCK_amd64

hang "a host's service frozen mid-build, --idle-timeout 5s, another host serves the platform; the frozen host is also the coordinator" \
  "fails over to a1, which also assembles the list; exit 0" 30 "$victim" none \
  --host "$k1" --host "$a1" --platform linux/amd64 --idle-timeout 5s -t "$repo/app:failover" "$slow"
expect_rc 0
expect_err "building it on a1"
[[ $(jq -r .coordinator "$T/meta.json") == a1 ]] || fail "the list was not assembled on a1"
[[ $(jq -r .verified "$T/meta.json") == true ]] || fail "not verified"

hang "the only host's service frozen mid-build, --timeout 8s" "exit 1 within the timeout and cleanup's 5 s; nothing published" \
  20 "$victim" none --host "$k1" --platform linux/amd64 --timeout 8s -t "$repo/app:timeout" "$slow"
expect_rc 1
expect_err "--timeout 8 s reached"

hang "Ctrl-C while the only host's service is frozen" "exit 130 within cleanup's 5 s" 12 "$victim" INT \
  --host "$k1" --platform linux/amd64 -t "$repo/app:interrupted" "$slow"
expect_rc 130

hang "sshd frozen (listener and sessions) mid-build, --idle-timeout 5s, another host serves the platform" \
  "fails over to b1; exit 0" 30 "$(cat "$PMA_LAB_DIR/pids/sshd.pid")" none \
  --config "$LAB_CONFIG" --host arm64 --host "linux/arm64/v8@b1=unix://$LAB_SOCK_amd64" --platform linux/arm64/v8 \
  --idle-timeout 5s -t "$repo/app:ssh" "$slow"
expect_rc 0
expect_err "building it on b1"
