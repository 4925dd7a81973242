# hosts / hosts check against the real lab: podman 4.3.1 and 5.4.2, over unix and ssh.
require_lab
cfg=$PMA_LAB_DIR/podman-multiarch.yaml

TEST "hosts lists the lab farm"
pma hosts --config "$cfg"
expect_rc 0
for h in amd64 arm64 ppc64le s390x; do expect_out "$h"; done
expect_out "ssh://root@127.0.0.1:$LAB_SSH_PORT"
expect_out "linux/arm64/v8"

TEST "hosts check: every lab host answers, over unix and ssh, 4.3 and 5.x"
pma hosts check --config "$cfg" --format json
expect_rc 0
expect_json '.hosts | length == 4 and all(.reachable)'
expect_json '.hosts[] | select(.name == "amd64") | .podmanVersion == "4.3.1" and .native == "linux/amd64"'
expect_json '.hosts[] | select(.name == "arm64") | .url | startswith("ssh://")'
expect_json '.hosts[] | select(.name == "arm64") | .serves == ["linux/arm64/v8"]'
expect_json '.hosts[] | select(.name == "ppc64le") | (.podmanVersion | startswith("5.")) and .apiVersion == .podmanVersion'
expect_json '.hosts[] | select(.name == "s390x") | .serves == ["linux/s390x"] and .latencyMs > 0'

TEST "hosts check table"
pma hosts check --config "$cfg"
expect_rc 0
expect_out "NAME"
expect_out "LATENCY"
expect_out "4.3.1"
expect_out "5.4.2"

TEST "podman 5.x over ssh, podman 4.3 over ssh"
cat >"$T/ssh.yaml" <<YAML
hosts:
  p5ssh:
    url: ssh://root@127.0.0.1:$LAB_SSH_PORT$LAB_SOCK_ppc64le
    identity: $LAB_SSH_KEY
    known-hosts: $LAB_KNOWN_HOSTS
  p4ssh:
    url: ssh://root@127.0.0.1:$LAB_SSH_PORT$LAB_SOCK_amd64
    identity: $LAB_SSH_KEY
    known-hosts: $LAB_KNOWN_HOSTS
YAML
pma hosts check --config "$T/ssh.yaml" --format json
expect_rc 0
expect_json '.hosts[] | select(.name == "p5ssh") | .reachable and (.podmanVersion | startswith("5."))'
expect_json '.hosts[] | select(.name == "p4ssh") | .reachable and .podmanVersion == "4.3.1"'

TEST "a host given as NAME=URL on the command line, with its platform"
pma hosts check --host "linux/s390x@zed=unix://$LAB_SOCK_s390x" --format json
expect_rc 0
expect_json '.hosts[0].name == "zed" and .hosts[0].serves == ["linux/s390x"]'

TEST "a missing socket is unreachable; the other hosts still report"
pma hosts check --config "$cfg" --host amd64 --host "ghost=unix://$T/ghost.sock" --format json
expect_rc 1
expect_json '.hosts[] | select(.name == "amd64") | .reachable'
expect_json '.hosts[] | select(.name == "ghost") | (.reachable | not) and .error.class == "connect"'
expect_err "host ghost: cannot reach unix://$T/ghost.sock"

TEST "a stopped podman service is reported, the rest of the farm answers"
# shellcheck source=/dev/null
source "$PMA_SOURCE_ROOT/tests/lab/lab-lib.sh"
lab_stop_host s390x
pma hosts check --config "$cfg"
expect_rc 1
expect_out "s390x"
expect_err "host s390x:"
expect_err "1 of 4 hosts did not answer"
grep -E '^amd64 +ok' "$T/out" >/dev/null || fail "amd64 not ok while s390x is down"
grep -E '^arm64 +ok' "$T/out" >/dev/null || fail "arm64 not ok while s390x is down"
lab_start_host s390x
pma hosts check --config "$cfg" --host s390x
expect_rc 0

TEST "version --host shows server versions"
pma version --config "$cfg" --farm lab --format json
expect_rc 0
expect_json '.servers | length == 4 and all(.podmanVersion != "")'

TEST "--log-level debug shows requests but never the URL password"
cat >"$T/pw.yaml" <<YAML
hosts:
  pw:
    url: ssh://root:s3cret-lab-pw@127.0.0.1:$LAB_SSH_PORT$LAB_SOCK_amd64
    identity: $LAB_SSH_KEY
    known-hosts: $LAB_KNOWN_HOSTS
YAML
pma hosts check --config "$T/pw.yaml" --log-level debug
expect_rc 0
expect_err "GET"
expect_err "/_ping"
! grep -q "s3cret-lab-pw" "$T/out" "$T/err" || fail "password leaked"
pma hosts --config "$T/pw.yaml"
expect_out "root:***@127.0.0.1"
! grep -q "s3cret-lab-pw" "$T/out" "$T/err" || fail "password leaked by hosts"

TEST "a service that accepts but never answers is a timeout, bounded by --connect-timeout"
# The TCP listener takes a free port and publishes it once it listens (a fixed
# port collides with a suite running beside this one).
python3 - "$T/hung.sock" "$T/hung.port" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(8)
with open(sys.argv[2] + ".tmp", "w") as f: f.write(str(t.getsockname()[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
time.sleep(20)
PY
listener=$!
for _ in $(seq 50); do [[ -S $T/hung.sock && -s $T/hung.port ]] && break; sleep 0.1; done
hung_port=$(cat "$T/hung.port")
start=$(date +%s%N)
pma hosts check --host "hung=unix://$T/hung.sock" --host "hungssh=ssh://root@127.0.0.1:$hung_port/x.sock" \
  --connect-timeout 1s --format json
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 1
expect_json '[.hosts[].error.class] == ["timeout", "timeout"]'
((elapsed_ms < 4000)) || fail "took ${elapsed_ms} ms with --connect-timeout 1s"
kill "$listener" 2>/dev/null

TEST "something that is not podman (the plain registry) is a protocol error"
pma hosts check --host "tcp://$LAB_PLAIN_REGISTRY" --format json
expect_rc 1
expect_json '.hosts[0].error.class == "protocol"'
expect_err "not a podman API service"
