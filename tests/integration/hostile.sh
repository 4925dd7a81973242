# Hostile or broken podman services (tests/faults/hostile.py): bodies without
# end, a false 10 GB Content-Length, a 200 MB /info, a slow-loris, a build log
# line without end, a service that never answers. Each row runs the real
# binary under GNU time and checks the exit code, a message naming the host,
# the wall time and the client's peak RSS (at most 32 MB whatever the host
# sends). Two builds pair a hostile host with a real lab host declaring the
# same platform: the hostile one is left out as a dead one is. The table is
# written to $PMA_BUILD_ROOT/reliability/hostile.md.
require_lab
[[ -x /usr/bin/time ]] || { echo "SKIP: GNU time (/usr/bin/time, Debian package time) is not installed"; exit 77; }
repo=$LAB_REGISTRY/it-hostile-$$-$RANDOM
tag=$repo/app:1
ctx=$T/ctx
mkdir -p "$ctx"
printf 'FROM %s\nCOPY hello.txt /hello.txt\n' "$LAB_BASE_IMAGE" >"$ctx/Containerfile"
echo hello >"$ctx/hello.txt"
table=$T/hostile-rows.md
: >"$table"
# Not under the sanitizers (scripts/sanitize.sh sets PMA_SANITIZED): their
# shadow memory alone is ~150 MB, and ASan's quarantine keeps up to 256 MB of
# freed memory, so a peak says nothing there; the release build is measured.
readonly k_max_rss_kb=32768
bad=$T/bad.sock
service_pid=""

# service MODE — hostile.py in MODE at $bad.
service() {
  stop_service
  : >"$T/service.log"
  python3 "$PMA_SOURCE_ROOT/tests/faults/hostile.py" --listen "$bad" --mode "$1" --log "$T/service.log" &
  service_pid=$!
  for _ in $(seq 100); do [[ -S $bad ]] && return; sleep 0.05; done
  echo "hostile.py ($1) did not start"
}
stop_service() {
  if [[ -n $service_pid ]]; then
    kill "$service_pid" 2>/dev/null
    wait "$service_pid" 2>/dev/null
  fi
  service_pid=""
  rm -f "$bad"
}
trap 'stop_service; rm -rf "$T"' EXIT

# measured ARGS… — podman-multiarch ARGS under GNU time: RC, elapsed (ms),
# rss_kb (peak resident set), stdout/stderr in $T/out, $T/err.
measured() {
  local started
  started=$(date +%s%N)
  /usr/bin/time -f %M -o "$T/rss" "$PMA_BIN" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  elapsed=$((($(date +%s%N) - started) / 1000000))
  rss_kb=$(tail -n 1 "$T/rss")
  echo "  \$ podman-multiarch $* → $RC ($elapsed ms, peak RSS $rss_kb KiB)"
  if [[ -n ${PMA_TRANSCRIPTS:-} ]]; then
    cat "$T/out" "$T/err" >>"$PMA_TRANSCRIPTS/hostile.log"
  fi
}

# row TITLE EXPECTED MAX_MS — the checks every row shares, then its line of the table.
row() {
  local title=$1 expected=$2 max_ms=$3
  [[ $rss_kb =~ ^[0-9]+$ ]] || fail "no peak RSS measured: $(cat "$T/rss")"
  [[ -n ${PMA_SANITIZED:-} ]] || ((${rss_kb:-999999} <= k_max_rss_kb)) || fail "peak RSS $rss_kb KiB > $k_max_rss_kb KiB"
  ((elapsed <= max_ms)) || fail "took $elapsed ms, more than $max_ms ms"
  local message
  message=$(grep -m1 -E 'error:|warning: host bad' "$T/err" | sed "s/^podman-multiarch: //; s/|/\\\\|/g; s|$T|\$TMP|g; s|$repo|REPO|g" |
    cut -c1-170)
  printf '| %s | %s | exit %s; %s ms; peak RSS %s MB%s |\n' "$title" "$expected" "$RC" "$elapsed" \
    "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')" "${message:+; \"$message\"}" >>"$table"
}

check_bad() { measured hosts check --connect-timeout 2s --host "bad=unix://$bad" --format json; }
# --rebuild: the scenarios build the same inputs again (incremental runs would skip them).
build_bad() {
  measured build --connect-timeout 2s --host "$1" --authfile "$LAB_AUTHFILE" --progress plain \
    --platform linux/amd64 --allow-shrink --rebuild -t "$tag" "${@:2}" "$ctx"
}

TEST "baseline: hostile.py answering like podman 4.3.1"
service ok
check_bad
expect_rc 0
expect_json '.hosts[0].reachable and .hosts[0].podmanVersion == "4.3.1" and .hosts[0].native == "linux/amd64"'
row "\`hosts check\`, a well-behaved fake podman 4.3.1 (baseline)" "exit 0" 3000

for mode in ping-endless info-endless ping-huge-length info-huge-length info-200mb; do
  case $mode in
  ping-*) what="/_ping" limit="4 KiB" ;;
  *) what="/info" limit="1 MiB" ;;
  esac
  case $mode in
  *-endless) how="an endless body to $what" ;;
  *-huge-length) how="a 10 GB Content-Length on $what" ;;
  *) how="a 200 MB $what" ;;
  esac
  TEST "hosts check: $how"
  service "$mode"
  check_bad
  expect_rc 1
  expect_json '.hosts[0].reachable | not'
  expect_json '.hosts[0].error.class == "protocol"'
  expect_err "host bad: $bad sent more than $limit in its answer to GET "
  expect_err "unix://$bad"
  row "\`hosts check\`, $how" "exit 1 at once: the host is unusable, the limit ($limit) and the host named" 3000
done

TEST "hosts check: a slow-loris /_ping (one header byte every 2 s)"
service slowloris
check_bad
expect_rc 1
expect_json '.hosts[0].error.class == "timeout"'
expect_err "host bad: $bad did not answer GET /_ping completely within 2.0 s"
((elapsed >= 1900)) || fail "gave up after $elapsed ms, before the connect timeout"
row "\`hosts check --connect-timeout 2s\`, a slow-loris \`/_ping\` (one header byte every 2 s)" \
  "exit 1 after the connect timeout: the whole answer is bounded" 4000

TEST "hosts check: a service that reads the request and never answers"
service silent
check_bad
expect_rc 1
expect_json '.hosts[0].error.class == "timeout"'
expect_err "host bad: $bad did not answer GET /_ping completely within 2.0 s"
row "\`hosts check --connect-timeout 2s\`, a service that reads and never answers" "exit 1 after the connect timeout" 4000

TEST "hosts check: a stopped service (connections queue in the backlog)"
service stopped
check_bad
expect_rc 1
expect_json '.hosts[0].error.class == "timeout"'
expect_err "host bad: $bad did not answer GET /_ping completely within 2.0 s"
row "\`hosts check --connect-timeout 2s\`, a stopped service (listens, never accepts: SIGSTOP)" \
  "exit 1 after the connect timeout" 4000

TEST "build: the only host for the platform sends an endless /info"
service info-endless
build_bad "bad=unix://$bad"
expect_rc 4
expect_err "host bad: $bad sent more than 1 MiB in its answer to GET /v4.3.1/libpod/info"
expect_err "nothing published"
row "\`build\`, the only host (platform not declared) sends an endless \`/info\`" \
  "exit 4 before anything is built, the host named" 5000

TEST "build: the only host for the platform is a slow-loris"
service slowloris
build_bad "linux/amd64@bad=unix://$bad"
expect_rc 4
expect_err "host bad: $bad did not answer GET /_ping completely within 2.0 s"
expect_err "nothing published"
row "\`build --connect-timeout 2s\`, the only host is a slow-loris" "exit 4 after the connect timeout, nothing built" 5000

TEST "build: a build stream line without end"
service build-endless-line
build_bad "linux/amd64@bad=unix://$bad"
expect_rc 4
expect_err "host bad (linux/amd64): the build stream has a line longer than 1 MiB without a newline"
grep -q "POST /v4.3.1/libpod/build" "$T/service.log" || fail "the build never reached the service"
row "\`build\`, the host's build stream sends a line without a newline, without end" \
  "exit 4 after 1 MiB of it: the stream is refused, the host named" 8000

TEST "build: a build log line without end, in short JSON lines (--timeout 5s)"
service build-endless-text
build_bad "linux/amd64@bad=unix://$bad" --timeout 5s
expect_rc 1
expect_err "[… the rest of this line, past 64 KiB, is not shown]"
expect_err "--timeout 5 s reached"
row "\`build --timeout 5s\`, the host's build log is one line without end, in short JSON pieces" \
  "the line is shown cut at 64 KiB, memory stays flat; exit 1 at the --timeout" 15000

for mode in slowloris ping-endless; do
  TEST "build: a hostile host ($mode) and a lab host declare linux/amd64"
  service "$mode"
  build_bad "linux/amd64@bad=unix://$bad" --host "linux/amd64@good=unix://$LAB_SOCK_amd64" --metadata-file "$T/meta.json"
  expect_rc 0
  expect_err "host bad"
  [[ $(jq -r '.platforms[0].host' "$T/meta.json") == good ]] || fail "not built on the lab host: $(cat "$T/meta.json")"
  [[ $(registry_platforms "$tag") == "linux/amd64 " ]] || fail "registry platforms: $(registry_platforms "$tag")"
  row "\`build\`, a hostile host ($mode) and a lab host (podman 4.3.1) both declare linux/amd64" \
    "the hostile host is left out as a dead one is; built on the lab host and published, exit 0" 20000
done
stop_service

mkdir -p "$PMA_BUILD_ROOT/reliability"
{
  echo "## Hostile hosts: bounded memory and time"
  echo
  echo "Generated by \`tests/integration/hostile.sh\` on $(date -u +%Y-%m-%d). Each row runs the real"
  echo "\`podman-multiarch\` under GNU time (\`/usr/bin/time -f %M\`, the peak resident set of the whole"
  echo "process) against \`tests/faults/hostile.py\`, a fake libpod service on a Unix socket that answers like"
  echo "podman 4.3.1 except where its mode misbehaves; builds push to the lab's TLS+auth registry, and the last"
  echo "two rows pair the hostile host with the lab's real podman 4.3.1 service declaring the same platform."
  echo "Every row asserts the exit code, a message naming the host, a bound on the wall time and a peak RSS of"
  echo "at most 32 MB. Limits: \`/_ping\` 4 KiB, \`/info\` 1 MiB, an error body 64 KiB, a build or push stream"
  echo "line 1 MiB (then the stream is refused), a build log line shown up to 64 KiB (the rest of the line is"
  echo "dropped and the build goes on); \`--connect-timeout\` bounds the whole \`/_ping\` answer and \`/info\` while probing."
  echo
  echo "| scenario | expected | observed |"
  echo "|---|---|---|"
  cat "$table"
} >"$PMA_BUILD_ROOT/reliability/hostile.md"
echo "  table: $PMA_BUILD_ROOT/reliability/hostile.md"
