#!/usr/bin/env bash
# The `podman farm build` baseline's lab (bench/bench.py): four podman 5.4.2
# services in the lab's trixie chroot, each behind bench/arch_proxy.py so that
# its /info reports the architecture it stands for, and the registry relayed
# to 127.0.0.1:443 (farm build refuses HOST:PORT tags, podman #25039).
#
#   bench/farm.sh up        start (tests/lab/lab.sh up first); prints the farm's env file
#   bench/farm.sh down      stop and remove everything it made
#   bench/farm.sh podman …  the podman 5.4.2 client, in the chroot, with the farm
#                           "bench" and a connection per node (HOME=/farm/home)
set -euo pipefail
: "${PMA_LAB_DIR:=/var/tmp/pma-lab}"
# shellcheck source=/dev/null
source "$PMA_LAB_DIR/lab.env"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
C=$LAB_PODMAN5_ROOT
F=$C/farm # inside the chroot: /farm
NODES="amd64:amd64 arm64:arm64/v8 ppc64le:ppc64le s390x:s390x"
CERTS_D=/etc/containers/certs.d/127.0.0.1

# in_chroot CMD…: CMD in the chroot (tests/lab/chroot-run.sh), as the farm client.
in_chroot() { "$ROOT/tests/lab/chroot-run.sh" "$C" "" /farm/home "$@"; }

spawn() { # NAME CMD…
  local name=$1
  shift
  setsid "$@" </dev/null >>"$F/logs/$name.log" 2>&1 &
  echo $! >"$F/pids/$name"
}

up() {
  [[ -x $C/usr/bin/podman ]] || { echo "no podman 5 chroot: tests/lab/lab.sh up" >&2; exit 1; }
  down >/dev/null 2>&1 || true
  trap 'down >/dev/null 2>&1' EXIT # a failed start leaves nothing running
  mkdir -p "$F/logs" "$F/pids" "$F/home" "$C/etc/containers/certs.d/127.0.0.1" "$CERTS_D"
  cp "$LAB_CA" "$C/etc/containers/certs.d/127.0.0.1/ca.crt"
  cp "$LAB_CA" "$CERTS_D/ca.crt"
  jq --arg r 127.0.0.1 '.auths[$r] = .auths[(.auths | keys[0])]' "$LAB_AUTHFILE" >"$F/auth.json"
  spawn registry-relay python3 "$ROOT/bench/arch_proxy.py" --tcp-listen 443 --tcp-upstream "$LAB_REGISTRY_PORT"
  local node name arch
  for node in $NODES; do
    name=${node%%:*} arch=${node#*:}
    mkdir -p "$F/$name/root" "$F/$name/runroot" "$F/$name/tmp"
    # Four netavark instances adding and deleting the same iptables chains at
    # once fail ("No chain/target/match"): the nodes' RUN steps get a bridge
    # without firewall rules (the example app's RUN needs no network).
    sed 's/^firewall_driver = .*/firewall_driver = "none"/' "$C/etc/containers/containers.conf" >"$F/$name/containers.conf"
    CHROOT_CONTAINERS_CONF=/lab/containers.conf spawn "node-$name" "$ROOT/tests/lab/chroot-run.sh" "$C" "$F/$name" /farm/home \
      podman --root /lab/root --runroot /lab/runroot --tmpdir /lab/tmp \
      system service --time=0 unix:///lab/podman.sock
    spawn "proxy-$name" python3 "$ROOT/bench/arch_proxy.py" --listen "$F/$name.sock" \
      --upstream "$F/$name/podman.sock" --arch "$arch"
  done
  for node in $NODES; do
    name=${node%%:*}
    for _ in $(seq 300); do
      curl -sf --unix-socket "$F/$name.sock" http://d/_ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    curl -sf --unix-socket "$F/$name.sock" http://d/_ping >/dev/null || { echo "node $name did not start" >&2; exit 1; }
  done
  local names=()
  for node in $NODES; do
    name=${node%%:*}
    in_chroot podman system connection add "n-$name" "unix:///farm/$name.sock" >/dev/null
    names+=("n-$name")
  done
  in_chroot podman farm create bench "${names[@]}" >/dev/null
  {
    echo "FARM_ROOT='$F'"
    echo "FARM_AUTHFILE='$F/auth.json'"
    echo "FARM_REGISTRY=127.0.0.1"
    echo "FARM_CONTEXT_DIR='$F'" # what the chroot client sees at /farm
    for node in $NODES; do echo "FARM_SOCK_${node%%:*}='$F/${node%%:*}.sock'"; done
  } >"$F/farm.env"
  trap - EXIT
  cat "$F/farm.env"
}

down() {
  local pidfile pid
  for pidfile in "$F"/pids/*; do
    [[ -f $pidfile ]] || continue
    pid=$(<"$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 1
  for pidfile in "$F"/pids/*; do
    [[ -f $pidfile ]] || continue
    pid=$(<"$pidfile")
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -rf --one-file-system "$F" "$C/etc/containers/certs.d/127.0.0.1" "$CERTS_D"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  podman) shift; in_chroot podman "$@" ;;
  *) echo "usage: $0 up|down|podman ARGS…" >&2; exit 2 ;;
esac
