# The command line itself: help, typos, version, formats. No lab needed.

TEST "unknown command gets a suggestion and exit 2"
pma hots
expect_rc 2
expect_err "unknown command 'hots', did you mean 'hosts'?"

TEST "unknown option gets a suggestion and exit 2"
pma hosts --hots x
expect_rc 2
expect_err "unknown option '--hots' for 'podman-multiarch hosts', did you mean '--host'?"

TEST "unknown global option"
pma --hepl
expect_rc 2
expect_err "did you mean '--help'?"

TEST "--version and help"
pma --version
expect_rc 0
version=$(sed -n "s/^ *version: '\(.*\)',$/\1/p" "$PMA_SOURCE_ROOT/meson.build" | head -1) # the one place it is set
expect_out "podman-multiarch version $version"
if head=$(git -C "$PMA_SOURCE_ROOT" describe --always --abbrev=12 --match 'v[0-9]*' 2>/dev/null); then
  expect_out "podman-multiarch version $version (git $head" # built from this checkout
fi
pma --help
expect_rc 0
expect_out "hosts"
expect_out "version"
pma hosts --help
expect_rc 0
expect_out "--ssh-accept-new-host-keys"
expect_out "Examples:"

TEST "bad --format and bad duration are usage errors"
pma hosts --host unix:///nonexistent.sock --format yaml
expect_rc 2
expect_err "invalid --format 'yaml' (one of: table, json)"
pma hosts check --host unix:///nonexistent.sock --connect-timeout 5parsecs
expect_rc 2
expect_err "invalid duration '5parsecs' for --connect-timeout"

TEST "bad --log-level"
pma hosts --log-level chatty
expect_rc 2
expect_err "invalid --log-level 'chatty'"

TEST "hosts with no configuration at all is the local socket"
pma hosts --format json
expect_rc 0
expect_json '.hosts | length == 1 and .[0].name == "local" and (.[0].url | test("^unix:///run/podman/podman.sock$|podman/podman.sock$"))'

TEST "CONTAINER_HOST selects a host and tcp:// warns about plain text"
CONTAINER_HOST=tcp://127.0.0.1:1 pma hosts check
expect_rc 1
expect_err "crosses the network unencrypted"
expect_err "host 127.0.0.1:1: cannot connect to 127.0.0.1:1"

TEST "every option a command accepts is in its man page, and every option a page names exists"
flags() { "$PMA_BIN" __complete "$@" -- | grep '^--' | cut -f1 | sort -u; }
# The options a page's OPTIONS (or VERBS, COMMON OPTIONS, GLOBAL OPTIONS) sections name.
documented() {
  awk '/^## / { on = ($0 ~ /OPTIONS|VERBS/) } on' "$1" | grep -oE '\*\*--[a-z0-9-]+' | sed 's/^\*\*//' | sort -u
}
man_dir=$PMA_SOURCE_ROOT/man
inherited=$( (documented "$man_dir/podman-multiarch.1.md"; documented "$man_dir/podman-multiarch-hosts.1.md") | sort -u)
commands=$("$PMA_BIN" __complete '' | grep -v '^:' | cut -f1)
[[ $(wc -w <<<"$commands") -ge 6 ]] || fail "commands: $commands"
for cmd in $commands; do
  page=$man_dir/podman-multiarch-$cmd.1.md
  [[ -f $page ]] || { fail "no man page for $cmd"; continue; }
  subs=$("$PMA_BIN" __complete "$cmd" '' | grep -v '^:' | cut -f1)
  if [[ $cmd == manifest ]]; then
    code=$(for verb in $subs; do flags manifest "$verb"; done | sort -u)
    for verb in $subs; do grep -q "^\*\*$verb\*\*" "$page" || fail "manifest verb $verb not in its page"; done
  else
    code=$(flags "$cmd")
  fi
  own=$(documented "$page")
  for flag in $code; do
    # (no pipe: grep -q stops reading at the first match, and pipefail would
    # count the writer's SIGPIPE as a miss)
    grep -xF -- "$flag" <<<"$own"$'\n'"$inherited" >/dev/null || fail "$cmd: $flag is not documented"
  done
  for flag in $own; do
    grep -qxF -- "$flag" <<<"$code" || fail "$cmd: the page documents $flag, which $cmd does not accept"
  done
  grep -q "^\*\*podman-multiarch-$cmd(1)\*\*\|podman-multiarch-$cmd(1)" "$man_dir/podman-multiarch.1.md" ||
    fail "podman-multiarch(1) does not list $cmd"
done

TEST "each command's --help has usage, grouped options and examples"
for cmd in build hosts inspect version completion "manifest create" "manifest add" "manifest annotate" \
  "manifest remove" "manifest inspect" "manifest push" "manifest rm" "manifest exists"; do
  # shellcheck disable=SC2086
  pma $cmd --help
  expect_rc 0
  expect_out "Usage:"
  expect_out "Examples:"
  expect_out " Global options:"
done

TEST "a mistyped manifest verb and completion shell get a suggestion"
pma manifest anotate
expect_rc 2
expect_err "unknown manifest verb 'anotate', did you mean 'annotate'?"
pma completion zhs
expect_rc 2
expect_err "did you mean 'zsh'?"

TEST "colours only on a terminal, never with NO_COLOR"
script -qec "$PMA_BIN hots" /dev/null >"$T/tty.txt" 2>&1
grep -q $'\e\[' "$T/tty.txt" || fail "no colour on a terminal: $(cat -v "$T/tty.txt")"
NO_COLOR=1 script -qec "$PMA_BIN hots" /dev/null >"$T/tty.txt" 2>&1
! grep -q $'\e\[' "$T/tty.txt" || fail "colour despite NO_COLOR: $(cat -v "$T/tty.txt")"
pma hots
! grep -q $'\e\[' "$T/err" || fail "colour into a pipe"

# --- Values that cannot work: exit 2 before any host is contacted ---
# The only host is a listening socket that records every connection, so a
# check that ran after connecting (or not at all) cannot pass by accident.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(16)
open(sys.argv[1] + ".ready", "w").close()
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connected\n")
    c.close()
' "$T/probe.sock" "$T/probe.log" &
probe_pid=$!
trap 'kill "$probe_pid" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [[ -e $T/probe.sock.ready ]] && break; sleep 0.1; done
probe=(--host "probe=unix://$T/probe.sock")
mkdir -p "$T/ctx/sub"
printf 'FROM scratch\n' >"$T/ctx/Containerfile"
reliability_section validation "Values that cannot work" "Each row is a command line that must fail with exit 2 \
before any host is contacted: the only host given is a socket that records every connection (\`probe\`)."
# refused ARGS… -- MESSAGE: `build ARGS…` exits 2 with MESSAGE and never connects.
refused() {
  local args=() message
  while [[ $1 != -- ]]; do args+=("$1"); shift; done
  message=$2
  pma "${args[@]}"
  expect_rc 2
  expect_err "$message"
  local contacted=no
  [[ ! -s $T/probe.log ]] || { contacted=yes; fail "a host was contacted: $(cat "$T/probe.log")"; }
  local shown said
  shown=$(printf '%q ' "${args[@]}")
  shown=${shown% }
  shown=${shown//\\,/,}
  shown=${shown//$T/\$TMP}
  said=$(grep -m1 'error:' "$T/err" | sed "s/^podman-multiarch: error: //; s|$T|\$TMP|g; s/|/\\\\|/g" | cut -c1-120)
  reliability_row "\`${shown//|/\\|}\`" "exit 2, nothing contacted" "exit $RC; \"$said\"; contacted: $contacted"
}
b=(build "${probe[@]}" -t 127.0.0.1:1/app:1.4)

TEST "the probe host does record a connection (so the checks below can fail)"
pma hosts check "${probe[@]}" --connect-timeout 2s
[[ -s $T/probe.log ]] || fail "the probe socket saw no connection"
: >"$T/probe.log"

TEST "empty --platform and --require values"
refused "${b[@]}" --platform '' "$T/ctx" -- "--platform '' names nothing"
refused "${b[@]}" --platform linux/amd64,,linux/arm64 "$T/ctx" -- "--platform 'linux/amd64,,linux/arm64' has an empty element (a comma too many?)"
refused "${b[@]}" --platform linux/amd64, "$T/ctx" -- "--platform 'linux/amd64,' has an empty element"
refused "${b[@]}" --platform linux/amd64 --require '' "$T/ctx" -- "--require '' names nothing"

TEST "--require naming a platform --platform does not request"
refused "${b[@]}" --platform linux/amd64,linux/arm64 --require linux/s390x "$T/ctx" -- "--require linux/s390x: not among the platforms --platform requests (linux/amd64, linux/arm64/v8)"

TEST "zero timeouts"
refused "${b[@]}" --idle-timeout 0s "$T/ctx" -- "--idle-timeout '0s' must be more than 0"
refused "${b[@]}" --timeout 0 "$T/ctx" -- "--timeout '0' must be more than 0"
refused hosts check "${probe[@]}" --connect-timeout 0ms -- "--connect-timeout '0ms' must be more than 0"

TEST "an --arch-tag-format that cannot make a valid tag"
refused "${b[@]}" --platform linux/amd64 --arch-tag-format '{tag}-{cpu}' "$T/ctx" -- "--arch-tag-format '{tag}-{cpu}': unknown placeholder '{cpu}' (known: {tag} {os} {arch} {variant} {-variant})"
refused "${b[@]}" --platform linux/arm64/v8 --arch-tag-format '{tag}/{arch}{-variant}' "$T/ctx" -- "--arch-tag-format '{tag}/{arch}{-variant}' makes '1.4/arm64-v8' for 127.0.0.1:1/app:1.4 on linux/arm64/v8, which is not a valid tag"
refused build "${probe[@]}" -t 127.0.0.1:1/app --arch-tag-format '.{tag}' "$T/ctx" -- "makes '.latest' for 127.0.0.1:1/app on linux/amd64"

TEST "the same host twice"
refused "${b[@]}" "${probe[@]}" "$T/ctx" -- "--host probe=unix://$T/probe.sock: given twice"
refused "${b[@]}" --host "probe=unix://$T/other.sock" "$T/ctx" -- "host 'probe' is already selected by --host probe=unix://$T/probe.sock"
refused hosts check "${probe[@]}" "${probe[@]}" -- "given twice"
refused manifest create "${probe[@]}" "${probe[@]}" localhost/list:1 -- "given twice"
printf 'hosts:\n  probe:\n    url: unix://%s/probe.sock\n' "$T" >"$T/probe.yaml"
refused "${b[@]/#probe=*/probe=unix:\/\/$T\/elsewhere.sock}" --config "$T/probe.yaml" "$T/ctx" -- "'probe' is already a configured host ($T/probe.yaml:2:3, unix://$T/probe.sock)"

TEST "--manifest-host naming no selected host"
refused "${b[@]}" --manifest-host prboe "$T/ctx" -- "--manifest-host prboe: not one of the selected hosts (probe), did you mean 'probe'?"

TEST "-f naming a missing file or a directory (podman's words)"
refused "${b[@]}" -f "$T/ctx/nonexist" "$T/ctx" -- "-f: stat $T/ctx/nonexist: no such file or directory"
refused "${b[@]}" -f "$T/ctx/sub" "$T/ctx" -- "-f: containerfile: \"$T/ctx/sub\" cannot be path to a directory"
refused "${b[@]}" --platform linux/amd64 --platform-file "linux/amd64:$T/nope" "$T/ctx" -- "--platform-file: stat $T/nope: no such file or directory"

TEST "empty host-selection values and manifest operands"
refused "${b[@]}" --host '' "$T/ctx" -- "--host '' names nothing"
refused hosts check --farm '' -- "--farm '' names nothing"
refused hosts check --connection ' ' -- "--connection ' ' names nothing"
refused manifest create "${probe[@]}" '' -- "manifest create: argument 1 is empty (usage: podman-multiarch manifest create"
refused manifest add "${probe[@]}" localhost/list:1 '' -- "manifest add: argument 2 is empty"
refused manifest push "${probe[@]}" localhost/list:1 '' -- "manifest push: argument 2 is empty"
