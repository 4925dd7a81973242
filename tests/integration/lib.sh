# Helpers for integration scenarios (sourced by run.sh).
# Each scenario is a list of TEST blocks; a failed check marks the test failed
# and the scenario exits 1 at the end.

T=$(mktemp -d /tmp/pma-it.XXXXXX)
trap 'stop_proxies; rm -rf "$T"' EXIT
# Scenarios must not depend on the developer's own configuration.
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config
mkdir -p "$HOME"
unset CONTAINER_HOST CONTAINER_CONNECTION CONTAINER_SSHKEY PODMAN_MULTIARCH_CONFIG SSH_AUTH_SOCK NO_COLOR CLICOLOR_FORCE \
  GITHUB_ACTIONS GITLAB_CI # the scenarios read plain progress as it streams
export CONTAINERS_CONF=$T/empty-containers.conf PODMAN_CONNECTIONS_CONF=$T/no-connections.json
: >"$CONTAINERS_CONF"

passed=0
failed=0
current=""
current_failed=0

require_lab() {
  if [[ -z ${LAB_HOSTS:-} ]]; then
    echo "SKIP: the lab is not running (start it with tests/lab/lab.sh up)"
    exit 77
  fi
}

TEST() {
  end_test
  current=$1
  current_failed=0
  echo "--- $current"
}

end_test() {
  if [[ -n $current ]]; then
    if ((current_failed)); then
      failed=$((failed + 1))
      echo "FAIL: $current"
    else
      passed=$((passed + 1))
    fi
  fi
  current=""
}

fail() {
  echo "  check failed: $*"
  echo "  --- stdout:"; sed 's/^/  | /' "$T/out" 2>/dev/null | head -40
  echo "  --- stderr:"; sed 's/^/  | /' "$T/err" 2>/dev/null | head -40
  current_failed=1
}

# pma ARGS… — runs the binary; sets RC, and leaves stdout/stderr in $T/out, $T/err.
pma() {
  "$PMA_BIN" "$@" >"$T/out" 2>"$T/err"
  RC=$?
  echo "  \$ podman-multiarch $* → $RC"
  if [[ -n ${PMA_TRANSCRIPTS:-} ]]; then # everything printed, for secrets.sh
    cat "$T/out" "$T/err" >>"$PMA_TRANSCRIPTS/$(basename "${PMA_SCENARIO:-unknown}" .sh).log"
  fi
}

expect_rc() { [[ $RC == "$1" ]] || fail "exit code $RC, expected $1"; }
expect_out() { grep -qF -- "$1" "$T/out" || fail "stdout lacks: $1"; }
expect_err() { grep -qF -- "$1" "$T/err" || fail "stderr lacks: $1"; }
expect_no_out() { ! grep -qF -- "$1" "$T/out" || fail "stdout has: $1"; }
expect_no_err() { ! grep -qF -- "$1" "$T/err" || fail "stderr has: $1"; }
# expect_err_re REGEX
expect_err_re() { grep -qE -- "$1" "$T/err" || fail "stderr does not match: $1"; }
# expect_json JQ-EXPR — the expression must be true for stdout.
expect_json() { jq -e "$1" "$T/out" >/dev/null || fail "stdout JSON fails: $1"; }

finish() {
  end_test
  echo "$passed passed, $failed failed"
  ((failed == 0))
}

# --- Registry checks that do not use podman-multiarch ---
registry_raw() { skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$1"; }
registry_digest() { echo "sha256:$(registry_raw "$1" | sha256sum | cut -d' ' -f1)"; }
# registry_platforms REF → "linux/amd64 linux/arm64/v8 …" sorted
registry_platforms() {
  registry_raw "$1" | jq -r '.manifests[].platform | [.os, .architecture, .variant // empty] | join("/")' | sort | tr '\n' ' '
}
# config_arch REF@DIGEST → "linux/arm64" from the image config blob
config_arch() { skopeo inspect --config --raw --authfile "$LAB_AUTHFILE" "docker://$1" | jq -r '.os + "/" + .architecture'; }
# images_created_since EPOCH → "n n n n": per lab host, images created at or
# after EPOCH that are still there (intermediate cache layers with children are
# not listed by podman; pulled base images are older).
images_created_since() {
  local h sock_var
  for h in $LAB_HOSTS; do
    sock_var="LAB_SOCK_$h"
    curl -s --unix-socket "${!sock_var}" "http://d/v4.0.0/libpod/images/json" | jq --argjson t "$1" '[.[] | select(.Created >= $t)] | length'
  done | tr '\n' ' '
}
host_list_count() {
  local sock_var="LAB_SOCK_$1"
  curl -s --unix-socket "${!sock_var}" "http://d/v4.0.0/libpod/images/json?all=true" |
    jq '[.[] | select((.Names // []) | any(test("podman-multiarch-list")))] | length'
}
# run_names_since EPOCH → how many names given by runs started at or after
# EPOCH (localhost/podman-multiarch-KIND:SECONDS-…) are on the lab hosts.
run_names_since() {
  local h sock_var n=0 filters
  filters=$(jq -rn '{"reference":["localhost/podman-multiarch-*"]} | tojson | @uri')
  for h in $LAB_HOSTS; do
    sock_var="LAB_SOCK_$h"
    n=$((n + $(curl -s -m 10 --unix-socket "${!sock_var}" "http://d/v4.0.0/libpod/images/json?all=true&filters=$filters" |
      jq --argjson t "$1" '[.[] | .Names[]? | select(startswith("localhost/podman-multiarch-"))
        | select((split(":")[1] | split("-")[0] | tonumber? // 0) >= $t)] | length')))
  done
  echo "$n"
}
# image_id HOST REF → the image's ID on lab host HOST ("" if it has none).
image_id() {
  local sock_var="LAB_SOCK_$1"
  curl -s -m 10 --unix-socket "${!sock_var}" "http://d/v4.0.0/libpod/images/$(jq -rn --arg r "$2" '$r|@uri')/json" | jq -r '.Id // ""'
}
# reliability_section NAME TITLE INTRO — starts $PMA_BUILD_ROOT/reliability/NAME.md;
# reliability_row TITLE EXPECTED OBSERVED adds a row to it.
reliability_section() {
  mkdir -p "$PMA_BUILD_ROOT/reliability"
  reliability_file=$PMA_BUILD_ROOT/reliability/$1.md
  printf '## %s\n\n%s\n\n| scenario | expected | observed |\n|---|---|---|\n' "$2" "$3" >"$reliability_file"
}
reliability_row() {
  printf '| %s | %s | %s |\n' "$1" "$2" "$3" >>"$reliability_file"
}
# proxy NAME LABHOST RULE… — tests/faults/proxy.py at $T/NAME.sock in front of
# lab host LABHOST's socket, injecting RULEs ("METHOD PATH ACTION [ARG] [TIMES]").
proxies=()
proxy() {
  local name=$1 host=$2 sock_var="LAB_SOCK_$2"
  shift 2
  local args=(--listen "$T/$name.sock" --upstream "${!sock_var}" --log "$T/$name.log")
  local rule
  for rule in "$@"; do args+=(--rule "$rule"); done
  : >"$T/$name.log"
  python3 "$PMA_SOURCE_ROOT/tests/faults/proxy.py" "${args[@]}" &
  proxies+=($!)
  for _ in $(seq 50); do [[ -S $T/$name.sock ]] && return; sleep 0.05; done
  echo "proxy $name did not start"
}
stop_proxies() {
  local pid
  for pid in "${proxies[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  proxies=()
  rm -f "$T"/*.sock
}
# await SECONDS COMMAND… — polls COMMAND every 50 ms until it succeeds or SECONDS pass.
await() {
  local tries=$(($1 * 20))
  shift
  for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.05; done
  return 1
}
