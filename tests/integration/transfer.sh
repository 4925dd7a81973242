# How the context and the API reach hosts, against the real lab: a compressed
# context builds the same image as a raw one on podman 4.3.1 and 5.4.2; SSH
# hosts are reached as `ssh ALIAS` reaches them (~/.ssh/config, ProxyJump over
# a second sshd, a ProxyCommand refused), through podman system dial-stdio
# where sshd refuses socket forwarding, and keep their session through a
# NAT-like relay that drops idle connections (and, without keepalives, get a
# new session and build again there). Extra sshds and the relay are
# started here, on ports of their own.
require_lab
# shellcheck source=../lab/lab-lib.sh
source "$PMA_SOURCE_ROOT/tests/lab/lab-lib.sh"
cfg=$LAB_CONFIG
kh=$T/known_hosts
cp "$LAB_KNOWN_HOSTS" "$kh"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# start_sshd NAME PORT [sshd_config LINE…] — a second sshd like the lab's, with its own host key.
start_sshd() {
  local name=$1 port=$2
  shift 2
  ssh-keygen -q -t ed25519 -N '' -C "pma-it-$name" -f "$T/$name.hostkey"
  sed -e "s/^Port .*/Port $port/" -e "s|^HostKey .*|HostKey $T/$name.hostkey|" -e "s|^PidFile .*|PidFile $T/$name.pid|" \
    -e '/^AllowStreamLocalForwarding/d' "$PMA_LAB_DIR/ssh/sshd_config" >"$T/$name.sshd_config"
  printf '%s\n' "$@" >>"$T/$name.sshd_config"
  /usr/sbin/sshd -D -e -f "$T/$name.sshd_config" 2>"$T/$name.log" &
  proxies+=($!)
  await 10 bash -c "ssh-keyscan -T 1 -p $port 127.0.0.1 2>/dev/null | grep -q ssh-ed25519" || echo "sshd $name did not start"
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/$name.hostkey.pub")" >>"$kh"
}
jump_port=$(free_port)
start_sshd bastion "$jump_port" "AllowStreamLocalForwarding no"
hardened_port=$(free_port)
start_sshd hardened "$hardened_port" "AllowStreamLocalForwarding no"
nat_port=$(free_port)
python3 "$PMA_SOURCE_ROOT/tests/faults/idle_relay.py" --listen "$nat_port" --upstream "$LAB_SSH_PORT" --idle 3 \
  --log "$T/nat.log" &
proxies+=($!)
await 5 bash -c "</dev/tcp/127.0.0.1/$nat_port" 2>/dev/null || echo "the relay did not start"
echo "[127.0.0.1]:$nat_port $(cut -d' ' -f1,2 "$LAB_SSH_HOSTKEY_PUB")" >>"$kh"

mkdir -p "$HOME/.ssh"
cat >"$HOME/.ssh/config" <<SSH
Host lab-arm64 behind
  HostName 127.0.0.1
  Port $LAB_SSH_PORT
Host behind
  ProxyJump bastion
Host bastion
  HostName 127.0.0.1
  Port $jump_port
  UserKnownHostsFile $T/bastion_known_hosts
Host hardened
  HostName 127.0.0.1
  Port $hardened_port
Host viacmd
  HostName 127.0.0.1
  ProxyCommand ssh -W %h:%p bastion
Host nat nat-quiet
  HostName 127.0.0.1
  Port $nat_port
Host nat
  ServerAliveInterval 1
Host nat-quiet
  ServerAliveInterval 0
Host *
  User root
  IdentityFile $LAB_SSH_KEY
  IdentitiesOnly yes
  UserKnownHostsFile $kh
SSH
cp "$kh" "$T/bastion_known_hosts"
sock=$LAB_SOCK_arm64
check_host() { pma hosts check --host "$1=ssh://$2$sock" --format json "${@:3}"; }

TEST "the test's ssh_config is one OpenSSH itself accepts for these hosts"
for alias in lab-arm64 behind hardened; do
  ssh -F "$HOME/.ssh/config" -o BatchMode=yes "$alias" true 2>"$T/err" || fail "ssh $alias: $(cat "$T/err")"
done

TEST "an ssh_config alias: HostName, Port, User, IdentityFile and UserKnownHostsFile from ~/.ssh/config"
check_host arm64 lab-arm64
expect_rc 0
expect_json '.hosts[0].reachable and .hosts[0].route == "ssh"'

TEST "ProxyJump: the host reached through a second sshd, in process, and a build over it"
check_host arm64 behind
expect_rc 0
expect_json '.hosts[0].route == "ssh via bastion"'
grep -q "direct-tcpip\|Connection from\|Accepted publickey" "$T/bastion.log" || fail "the jump host logged nothing: $(cat "$T/bastion.log")"
mkdir -p "$T/ctx"
printf 'FROM %s\nCOPY f /f\nRUN cat /f\n' "$LAB_BASE_IMAGE" >"$T/ctx/Containerfile"
echo "over the jump host $$" >"$T/ctx/f"
pma build --host "linux/arm64@arm64=ssh://behind$sock" --authfile "$LAB_AUTHFILE" --progress plain --no-push "$T/ctx"
expect_rc 0
expect_err "over the jump host $$"
expect_err "zstd-compressed"

TEST "a jump host's key is checked like any host's: unknown refused with its fingerprint, changed always refused"
grep -v "]:$jump_port " "$kh" >"$T/bastion_known_hosts"
check_host arm64 behind
expect_rc 1
expect_json '.hosts[0].error.class == "ssh-hostkey"'
expect_err "host key of [127.0.0.1]:$jump_port is not known"
expect_err "$(ssh-keygen -lf "$T/bastion.hostkey.pub" | awk '{print $2}')"
ssh-keygen -q -t ed25519 -N '' -f "$T/impostor"
echo "[127.0.0.1]:$jump_port $(cut -d' ' -f1,2 "$T/impostor.pub")" >>"$T/bastion_known_hosts"
check_host arm64 behind --ssh-accept-new-host-keys
expect_rc 1
expect_err "HOST KEY OF [127.0.0.1]:$jump_port HAS CHANGED"
cp "$kh" "$T/bastion_known_hosts"

TEST "a ProxyCommand is refused with the file and line that set it: no program is started"
check_host arm64 viacmd
expect_rc 1
expect_json '.hosts[0].error.class == "config"'
expect_err "$HOME/.ssh/config:$(grep -n ProxyCommand "$HOME/.ssh/config" | cut -d: -f1): ProxyCommand applies to viacmd"

TEST "an sshd with AllowStreamLocalForwarding no: reached through podman system dial-stdio, a build over it"
check_host arm64 hardened
expect_rc 0
expect_json '.hosts[0].route == "ssh (dial-stdio)"'
echo "through dial-stdio $$" >"$T/ctx/f"
pma build --host "linux/arm64@arm64=ssh://hardened$sock" --authfile "$LAB_AUTHFILE" --progress plain --no-push "$T/ctx"
expect_rc 0
expect_err "through dial-stdio $$"
grep -q "refused local port forward\|administratively prohibited\|streamlocal" "$T/hardened.log" ||
  fail "sshd did not refuse a forward: $(cat "$T/hardened.log")"
# The same host-key rules on this path: a known-hosts file without its key refuses it.
: >"$T/empty_known_hosts"
printf 'hosts:\n  arm64:\n    url: ssh://hardened%s\n    known-hosts: %s\n' "$sock" "$T/empty_known_hosts" >"$T/hardened.yaml"
pma hosts check --config "$T/hardened.yaml"
expect_rc 1
expect_err "host key of [127.0.0.1]:$hardened_port is not known"

TEST "keepalives: a build silent for longer than a NAT keeps idle flows survives it"
printf 'FROM %s\nRUN sleep 7 && echo quiet-%s\n' "$LAB_BASE_IMAGE" "$$-1" >"$T/ctx/Containerfile"
: >"$T/nat.log"
pma build --host "linux/arm64@arm64=ssh://nat$sock" --authfile "$LAB_AUTHFILE" --progress plain --no-push "$T/ctx"
expect_rc 0
[[ ! -s $T/nat.log ]] || fail "the relay dropped a connection: $(cat "$T/nat.log")"
# Without keepalives the relay drops the session in the middle of the build.
printf 'FROM %s\nRUN sleep 7 && echo quiet-%s\n' "$LAB_BASE_IMAGE" "$$-2" >"$T/ctx/Containerfile"
pma build --host "linux/arm64@arm64=ssh://nat-quiet$sock" --authfile "$LAB_AUTHFILE" --progress plain --no-push \
  --emulator-crash-retries 0 "$T/ctx"
[[ $RC != 0 ]] || fail "the build survived without keepalives: the relay proves nothing"
grep -q dropped "$T/nat.log" || fail "the relay dropped nothing"
# The session is re-established and the platform built there again, once (nothing was pushed).
expect_err "the connection to host arm64 was lost"
expect_err "it answers again: building it there again"

TEST "a compressed context builds the same image as a raw one (podman 4.3.1 and 5.4.2)"
printf 'FROM %s\nCOPY . /ctx\nRUN find /ctx | sort | xargs ls -ld >/listing\n' "$LAB_BASE_IMAGE" >"$T/ctx/Containerfile"
mkdir -p "$T/ctx/dir/sub"
seq 1 20000 >"$T/ctx/dir/numbers"
ln -s ../f "$T/ctx/dir/sub/link"
chmod 4755 "$T/ctx/dir/numbers"
for compress in none gzip:1 zstd zstd:19; do
  pma build --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain --no-push --no-cache --timestamp 0 \
    --compress "$compress" "$T/ctx"
  expect_rc 0
  sort "$T/out" >"$T/ids.$compress"
done
[[ $(wc -l <"$T/ids.none") == 4 ]] || fail "$(cat "$T/ids.none")"
for compress in gzip:1 zstd zstd:19; do
  cmp -s "$T/ids.none" "$T/ids.$compress" || fail "$compress: $(diff "$T/ids.none" "$T/ids.$compress")"
done
echo changed >>"$T/ctx/dir/numbers"
pma build --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain --no-push --no-cache --timestamp 0 "$T/ctx"
cmp -s <(sort "$T/out") "$T/ids.none" && fail "a changed file gave the same images: the comparison proves nothing"

TEST "one upload per host: an SSH host's platforms in one build request (4.3.1 and 5.4.2), same images"
# Each host behind a proxy that logs every request; reached over SSH by the alias.
proxy a4 arm64
proxy p5 ppc64le
cat >"$T/group.yaml" <<YAML
hosts:
  a4: {url: "ssh://lab-arm64$T/a4.sock", platforms: [linux/arm64/v8, linux/amd64]}
  p5: {url: "ssh://lab-arm64$T/p5.sock", platforms: [linux/ppc64le, linux/s390x]}
YAML
sed -e "s|ssh://lab-arm64$T/a4.sock|unix://$LAB_SOCK_arm64|" -e "s|ssh://lab-arm64$T/p5.sock|unix://$LAB_SOCK_ppc64le|" \
  "$T/group.yaml" >"$T/alone.yaml"
printf 'FROM %s\nCOPY . /ctx\nRUN uname -m >/arch\n' "$LAB_BASE_IMAGE" >"$T/ctx/Containerfile"
repo=$LAB_REGISTRY/it-transfer-$$-$RANDOM
builds() { grep -c 'POST .*/libpod/build' "$T/$1.log"; }
for how in group alone; do
  pma build --config "$T/$how.yaml" --authfile "$LAB_AUTHFILE" --progress plain --no-cache --timestamp 0 \
    --platform linux/amd64,linux/arm64,linux/ppc64le,linux/s390x -t "$repo:$how" --metadata-file "$T/$how.json" "$T/ctx"
  expect_rc 0
  [[ $how == alone ]] || {
    expect_err "[linux/amd64@a4] upload: "
    expect_err "one upload for 2 platforms"
    [[ $(builds a4) == 1 && $(builds p5) == 1 ]] || fail "build requests: a4 $(builds a4), p5 $(builds p5) (1 each expected)"
  }
done
# The same image either way: its platform, config and layers' content (the history's comment and
# the base.name annotation name whichever name the host's copy of the base has: not compared).
image_of() {
  local d
  d=$(jq -r ".platforms[] | select(.platform | startswith(\"$2\")) | .digest" "$T/$1.json")
  skopeo inspect --config --authfile "$LAB_AUTHFILE" "docker://$repo@$d" |
    jq -c '{architecture, os, variant, config, diff_ids: .rootfs.diff_ids}'
}
for p in linux/amd64 linux/arm64 linux/ppc64le linux/s390x; do
  [[ $(image_of group $p) == "$(image_of alone $p)" ]] ||
    fail "$p: $(image_of group $p) built with others, $(image_of alone $p) alone"
  [[ $(image_of group $p | jq -r .architecture) == "$(cut -d/ -f2 <<<"$p")" ]] || fail "$p: $(image_of group $p)"
done
# Nothing is left on the hosts.
for h in arm64 ppc64le; do
  names=$(lab_podman "$h" images -a --format '{{.Names}}') || fail "cannot list the images of host $h"
  [[ $names != *podman-multiarch-group* ]] || fail "host $h keeps a podman-multiarch-group list"
done

TEST "one upload per host: a failure is its platform's (podman 5 names it; podman 4 does not: each built alone)"
printf 'FROM %s\nRUN case "$(uname -m)" in aarch64|s390x) echo "no $(uname -m)"; exit 7;; esac\n' \
  "$LAB_BASE_IMAGE" >"$T/ctx/Containerfile"
: >"$T/a4.log"
: >"$T/p5.log"
pma build --config "$T/group.yaml" --authfile "$LAB_AUTHFILE" --progress plain --no-push --no-cache \
  --emulator-crash-retries 0 --platform linux/amd64,linux/arm64,linux/ppc64le,linux/s390x --metadata-file "$T/fail.json" \
  "$T/ctx"
[[ $RC != 0 ]] || fail "two platforms fail: the run succeeded"
for p in linux/amd64 linux/ppc64le; do
  jq -e "any(.platforms[]; .platform == \"$p\")" "$T/fail.json" >/dev/null ||
    fail "$p did not build: $(jq -c ".skipped[] | select(.platform == \"$p\")" "$T/fail.json")"
done
for p in linux/arm64 linux/s390x; do
  jq -e "any(.skipped[]; (.platform | startswith(\"$p\")) and (.reason | contains(\"exit status 7\")))" \
    "$T/fail.json" >/dev/null || fail "$p: $(jq -c '.skipped' "$T/fail.json")"
done
# 5.4.2: s390x failed by name, only ppc64le is built again alone; 4.3.1 names none: both again.
expect_err "linux/ppc64le: it was built in one request with linux/s390x, which failed; building it alone on p5"
expect_err "naming none of them (podman 4 does not); building it alone on a4"
[[ $(builds a4) == 3 && $(builds p5) == 2 ]] || fail "build requests: a4 $(builds a4) (3 expected), p5 $(builds p5) (2)"
stop_proxies
