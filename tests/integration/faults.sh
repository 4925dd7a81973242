# Faults injected between podman-multiarch and real podman services
# (tests/faults/proxy.py in front of the lab's sockets): refused connections,
# resets during the upload and the build stream, stalls, 429/5xx answers,
# garbage. Each scenario checks the exit code, the message, what the registry
# serves afterwards (the previous index, unless the run succeeded) and that
# no name the run gave is left on the hosts. The rows are written to
# $PMA_BUILD_ROOT/reliability/faults.md (scripts/test.sh assembles build/reliability.md).
require_lab
repo=$LAB_REGISTRY/it-faults-$$-$RANDOM
tag=$repo/app:1
ctx=$T/ctx
mkdir -p "$ctx"
cat >"$ctx/Containerfile" <<CF
FROM $LAB_BASE_IMAGE
RUN echo built > /built
COPY . /ctx/
CF
head -c 1048576 /dev/urandom >"$ctx/payload.bin" # 1 MiB: uploads take several writes
# The tag's "previous index": the lab base image, copied in.
skopeo copy -q --all --authfile "$LAB_AUTHFILE" --dest-authfile "$LAB_AUTHFILE" "docker://$LAB_BASE_IMAGE" "docker://$tag"
previous=$(registry_digest "$tag")
reliability_section faults "Faults between the client and podman" "Each row is one \`podman-multiarch build\` of \
linux/amd64 against real podman services (host a1: podman 4.3.1, host b1: podman 5.4.2, both declaring linux/amd64) \
behind \`tests/faults/proxy.py\`, which injects the fault, and a TLS+auth registry whose tag held a previous index. \
\"registry untouched\" means the tag still served that index byte for byte; \"hosts clean\" means no name the run \
gave (image, list) is left on any lab host (the layers a failed build committed stay, as after \`podman build\`: they \
are the layer cache)." 

# proxy NAME HOST [RULE...] — a fault proxy in front of lab host HOST at $T/NAME.sock.

# scenario TITLE EXPECTED — starts a row of the matrix; observe() ends it.
scenario() {
  TEST "$1"
  row_title=$1 row_expected=$2 row_start=$(date +%s)
}
# build_via HOSTSPEC... -- ARGS — build linux/amd64 on the given --host specs.
build_via() {
  local hosts=()
  while [[ $1 != -- ]]; do hosts+=(--host "$1"); shift; done
  shift
  local started=$(date +%s%N)
  # --rebuild: every scenario builds the same inputs again (an incremental
  # run would keep the image the tag has and never meet the fault).
  pma build "${hosts[@]}" --authfile "$LAB_AUTHFILE" --progress plain --platform linux/amd64 --rebuild \
    --metadata-file "$T/meta.json" --allow-shrink -t "$tag" "$@" "$ctx"
  elapsed=$((($(date +%s%N) - started) / 1000000))
}
# start_build LABEL ARGS… — podman-multiarch build ARGS in the background
# (stdout/stderr in $T/out, $T/err), for a fault injected while it runs.
start_build() {
  build_label=$1
  shift
  started=$(date +%s%N)
  : >"$T/err" # before the job starts: a wait on it must not read the last run's output
  "$PMA_BIN" build --rebuild "$@" >"$T/out" 2>"$T/err" &
  build_pid=$!
}
# end_build — waits for it: RC, elapsed (ms), and the transcript line.
end_build() {
  wait "$build_pid"
  RC=$?
  elapsed=$((($(date +%s%N) - started) / 1000000))
  echo "  \$ podman-multiarch build ($build_label) → $RC"
}
# Checks shared by every scenario, then one matrix row.
observe() {
  local served
  served=$(registry_digest "$tag")
  if [[ $RC == 0 ]]; then
    [[ $served != "$previous" ]] || fail "the run succeeded but the tag still serves the previous index"
    previous=$served
  else
    [[ $served == "$previous" ]] || fail "a failed run changed the tag"
  fi
  local left
  left=$(run_names_since "$row_start")
  [[ $left == 0 ]] || fail "$left names given by the run are left on the hosts"
  local h
  for h in $LAB_HOSTS; do
    [[ $(host_list_count "$h") == 0 ]] || fail "a temporary list is left on $h"
  done
  local message
  message=$(grep -m1 'error:' "$T/err" | sed "s/^podman-multiarch: error: //; s/|/\\\\|/g; s|$T|\$TMP|g; s|$repo|REPO|g; s|${repo#*/}|REPO|g" |
    cut -c1-150)
  local fired
  fired=$(cat "$T"/*.log 2>/dev/null | grep -v '^pass ' | awk '{print $1}' | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')
  reliability_row "$row_title" "$row_expected" "$(printf 'exit %s%s; %s ms; faults: %s; registry %s; hosts clean: %s' \
    "$RC" "${message:+, \"$message\"}" "$elapsed" "${fired:-none}" \
    "${registry_note:-$([[ $RC == 0 ]] && echo updated || echo untouched)}" "$([[ $current_failed == 0 ]] && echo yes || echo NO)")"
  registry_note=""
  stop_proxies
}
a1=linux/amd64@a1=unix://$T/a1.sock
b1=linux/amd64@b1=unix://$T/b1.sock

scenario "a host is down (nothing listens)" "planned on the other host that serves the platform; exit 0"
proxy b1 ppc64le
build_via "$a1" "$b1" --
expect_rc 0
expect_err "host a1: cannot reach unix://$T/a1.sock: No such file or directory"
[[ $(jq -r '.platforms[0].host' "$T/meta.json") == b1 ]] || fail "not built on b1"
observe

scenario "context upload reset after 100 KiB, another host serves the platform" "rebuilt on the other host; exit 0"
proxy a1 amd64 "POST /build reset-upload 102400"
proxy b1 ppc64le
build_via "$a1" "$b1" --
expect_rc 0
expect_err "host a1 failed"
expect_err "building it on b1"
[[ $(jq -c '.platforms[0] | [.host, .failedOverFrom]' "$T/meta.json") == '["b1",["a1"]]' ]] || fail "metadata: $(cat "$T/meta.json")"
observe

scenario "context upload reset, no other host" "exit 4, nothing published"
proxy a1 amd64 "POST /build reset-upload 102400"
build_via "$a1" --
expect_rc 4
expect_err "nothing published"
observe

scenario "a host answers the upload at once (500) and closes, another host serves the platform" "no SIGPIPE death: rebuilt on the other host; exit 0"
proxy a1 amd64 "POST /build status 500"
proxy b1 ppc64le
build_via "$a1" "$b1" --
expect_rc 0
expect_err "closed while sending"
expect_err "building it on b1"
observe

scenario "build stream reset mid-build, another host serves the platform" "rebuilt on the other host; exit 0"
proxy a1 amd64 "POST /build reset-response 400"
proxy b1 ppc64le
build_via "$a1" "$b1" --
expect_rc 0
[[ $(jq -r '.platforms[0].failedOverFrom[0]' "$T/meta.json") == a1 ]] || fail "no failover"
observe

scenario "build stream cut cleanly mid-build, no other host" "exit 4, the cut is named"
proxy a1 amd64 "POST /build truncate 400"
build_via "$a1" --
expect_rc 4
expect_err "host a1"
observe

scenario "a build that goes silent (--idle-timeout 2s)" "exit 4 within seconds, host and platform named"
proxy a1 amd64 "POST /build stall 60"
build_via "$a1" -- --idle-timeout 2s
expect_rc 4
expect_err_re "no data from .* for 2 s during the (build|context upload)"
expect_err "host a1 (linux/amd64)"
((elapsed < 15000)) || fail "took $elapsed ms"
observe

scenario "--timeout 3s while a build hangs" "exit 1 after 3 s, nothing published, hosts cleaned"
proxy a1 amd64 "POST /build stall 60"
build_via "$a1" -- --timeout 3s
expect_rc 1
expect_err "--timeout 3 s reached: nothing published"
((elapsed < 15000)) || fail "took $elapsed ms"
observe

scenario "push answered 502 twice (--retry 3 --retry-delay 200ms)" "two retries, then published; exit 0"
proxy a1 amd64 "POST /push status 502 2"
build_via "$a1" -- --retry 3 --retry-delay 200ms
expect_rc 0
expect_err "retry 1/3"
expect_err "retry 2/3"
[[ $(jq -r '.platforms[0].retries' "$T/meta.json") == 2 ]] || fail "retries not counted"
observe

scenario "push answered 429 every time (--retry 1)" "one retry, then exit 4; nothing published"
proxy a1 amd64 "POST /push status 429"
build_via "$a1" -- --retry 1 --retry-delay 100ms
expect_rc 4
expect_err "retry 1/1"
expect_err "HTTP 429"
observe

scenario "push connection reset once" "retried, published; exit 0"
proxy a1 amd64 "POST /push reset-response 0 1"
build_via "$a1" -- --retry-delay 100ms
expect_rc 0
expect_err "retry 1/3"
observe

scenario "list push answered 503 once" "retried, published; exit 0"
proxy a1 amd64 "POST /manifests/.*/registry/ status 503 1"
build_via "$a1" -- --retry-delay 100ms
expect_rc 0
[[ $(jq -r '.listPushRetries' "$T/meta.json") == 1 ]] || fail "list push retry not counted"
observe

scenario "adding an image to the list answered 500 once" "the list is assembled again after the builds; exit 0"
proxy a1 amd64 "PUT /manifests/ status 500 1"
build_via "$a1" --
expect_rc 0
grep -q "^status PUT /v[0-9.]*/libpod/manifests/" "$T/a1.log" || fail "the fault was never injected"
[[ $(registry_platforms "$tag") == "linux/amd64 " ]] || fail "registry platforms: $(registry_platforms "$tag")"
observe

scenario "list push reset every time (--retry 1)" "exit 1, the tag keeps its index (unless podman pushed before it saw the reset)"
proxy a1 amd64 "POST /manifests/.*/registry/ reset-response 0"
build_via "$a1" -- --retry 1 --retry-delay 100ms
expect_rc 1
expect_err "retry 1/1"
# The reset comes once the request reached podman, which cancels the push when
# it notices: a push it finished first is in the registry (seen in 1 run of 3).
if [[ $(registry_digest "$tag") != "$previous" ]]; then
  previous=$(registry_digest "$tag")
  registry_note="moved: podman finished the push before it saw the reset"
fi
observe

scenario "the list reaches the first tag, the second tag's push fails (--retry 0)" "exit 1; stdout, stderr and metadata name the tag that serves the new list and the one that does not"
proxy a1 amd64 "POST /manifests/.*/registry/ pass 1" "POST /manifests/.*/registry/ status 500"
build_via "$a1" -- -t "$repo/app:second" --retry 0
expect_rc 1
pushed=$(jq -r .indexDigest "$T/meta.json")
expect_out "$tag $pushed"
expect_out "$repo/app:second not-pushed"
expect_err "$tag serves the new list $pushed, $repo/app:second still serves what it served before"
[[ $(jq -c '[.tags, .tagsNotPushed]' "$T/meta.json") == "[[\"$tag\"],[\"$repo/app:second\"]]" ]] ||
  fail "metadata: $(jq -c '[.tags, .tagsNotPushed]' "$T/meta.json")"
[[ $(registry_digest "$tag") == "$pushed" ]] || fail "the first tag does not serve the new list"
skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$repo/app:second" >/dev/null 2>&1 && fail "the second tag was pushed"
previous=$pushed # the first tag moved, as reported
registry_note="first tag updated, second untouched"
observe

scenario "/info answers garbage (a host that does not declare its platforms)" "that host is unusable, the other builds; exit 0"
proxy a1 amd64 "GET /info garbage"
proxy b1 ppc64le
build_via "a1=unix://$T/a1.sock" "$b1" --
expect_rc 0
expect_err "host a1"
observe

scenario "/info answers garbage (a host that declares its platforms)" "not asked: a build needs no /info from it; exit 0"
proxy a1 amd64 "GET /info garbage"
build_via "$a1" --
expect_rc 0
grep -q "/info" "$T/a1.log" && fail "the host was asked for /info"
observe

scenario "a host resets every connection" "no host for the platform: exit 4 before anything is built"
proxy a1 amd64 "* . refuse"
build_via "$a1" --
expect_rc 4
expect_err "host a1: connection to"
observe

scenario "every request answered 500" "no host for the platform: exit 4 before anything is built"
proxy a1 amd64 "* . status 500"
build_via "$a1" --
expect_rc 4
expect_err "host a1"
observe

scenario "wrong registry password" "refused before building, no retry: exit 1"
proxy a1 amd64
printf '{"auths":{"%s":{"auth":"%s"}}}' "$LAB_REGISTRY" "$(printf 'pma:wrong' | base64)" >"$T/wrong.json"
started=$(date +%s%N)
pma build --host "$a1" --authfile "$T/wrong.json" --progress plain --platform linux/amd64 --allow-shrink -t "$tag" --retry 3 "$ctx"
elapsed=$((($(date +%s%N) - started) / 1000000))
expect_rc 1
expect_no_err "retry 1/"
expect_err "before building: $LAB_REGISTRY refused the credentials from $T/wrong.json"
grep -q "POST /v[0-9.]*/libpod/build" "$T/a1.log" && fail "a build was started"
observe

scenario "a host's podman service killed (SIGKILL) mid-build" "rebuilt on the other host; exit 0; the dead host restarts clean"
mkdir -p "$T/slow"
# A slow step no host has in its layer cache (a cached one ends at once): new text each use.
slow_step() { printf 'FROM %s\nRUN sleep 4 && echo slow-%s > /slow\n' "$LAB_BASE_IMAGE" "$$-$RANDOM$RANDOM" >"$T/slow/Containerfile"; }
slow_step
victim=s390x
victim_pid=$(cat "$PMA_LAB_DIR/pids/$victim.pid")
proxy b1 ppc64le
start_build "k1 killed mid-build" --host "linux/amd64@k1=unix://$LAB_SOCK_s390x" --host "$b1" \
  --authfile "$LAB_AUTHFILE" --progress plain --platform linux/amd64 --allow-shrink --metadata-file "$T/meta.json" \
  -t "$tag" "$T/slow"
await 10 grep -q "linux/amd64@k1\] STEP 2/2" "$T/err"
sleep 0.5
kill -9 "$victim_pid" # the service and its in-process build die at once
end_build
expect_rc 0
expect_err "host k1 failed"
[[ $(jq -c '.platforms[0] | [.host, .failedOverFrom]' "$T/meta.json") == '["b1",["k1"]]' ]] || fail "metadata: $(cat "$T/meta.json")"
"$PMA_SOURCE_ROOT/tests/lab/lab.sh" up >/dev/null 2>&1 || fail "the lab did not come back"
observe

scenario "sshd killed mid-push, back 2 s later" "the SSH session is re-established and the push retried; exit 0"
sshd_pid=$(cat "$PMA_LAB_DIR/pids/sshd.pid")
mkdir -p "$T/big" # a 48 MiB layer: the push lasts long enough to be cut
printf 'FROM %s\nCOPY big.bin /\n' "$LAB_BASE_IMAGE" >"$T/big/Containerfile"
head -c 50331648 /dev/urandom >"$T/big/big.bin"
start_build "sshd killed during the push" --config "$LAB_CONFIG" --host arm64 --authfile "$LAB_AUTHFILE" \
  --progress plain --platform linux/arm64/v8 --allow-shrink --retry 5 --retry-delay 1s --metadata-file "$T/meta.json" \
  -t "$tag" "$T/big"
await 15 grep -q "linux/arm64/v8@arm64\] push" "$T/err"
# The listener and every session it forked (each session child runs setsid).
kill_tree() {
  local child
  for child in $(ps -o pid= --ppid "$1"); do kill_tree "$child"; done
  kill -9 "$1" 2>/dev/null
}
kill_tree "$sshd_pid"
sleep 2
"$PMA_SOURCE_ROOT/tests/lab/lab.sh" up >/dev/null 2>&1 || fail "the lab did not come back"
end_build
expect_rc 0
expect_err "retry 1/5"
[[ $(jq -r '.platforms[0].retries' "$T/meta.json") -ge 1 ]] || fail "no retry counted"
observe

# Ctrl-C in each phase: SIGINT goes to podman-multiarch once the phase is
# under way (the proxy holds the upload, the push or the list push; the build
# runs a slow step).
for phase in "upload|POST /build stall-upload 60|$ctx" "build||$T/slow" "push|POST /push stall 60|$ctx" \
  "list push|POST /manifests/.*/registry/ stall 60|$ctx"; do
  IFS='|' read -r name rule dir <<<"$phase"
  scenario "Ctrl-C during the $name" "exit 130 within seconds, nothing published, hosts cleaned"
  if [[ -n $rule ]]; then proxy a1 amd64 "$rule"; else proxy a1 amd64; fi
  [[ $dir != "$T/slow" ]] || slow_step
  start_build "SIGINT during the $name" --host "$a1" --authfile "$LAB_AUTHFILE" --progress plain \
    --platform linux/amd64 --allow-shrink -t "$tag" "$dir"
  if [[ -n $rule ]]; then await 10 grep -q "^stall" "$T/a1.log"; else await 10 grep -q "STEP 2/2" "$T/err"; fi
  sleep 0.3
  kill -INT "$build_pid"
  end_build
  expect_rc 130
  expect_err "interrupted"
  [[ -z $rule ]] || grep -q "^stall" "$T/a1.log" || fail "the $name was never reached"
  ((elapsed < 20000)) || fail "took $elapsed ms"
  observe
done

