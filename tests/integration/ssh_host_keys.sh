# SSH host keys: unknown and changed keys are refused with the fingerprint.
require_lab

kh=$T/known_hosts
fingerprint=$(ssh-keygen -lf "$LAB_SSH_HOSTKEY_PUB" | awk '{print $2}')
write_cfg() {
  cat >"$T/ssh.yaml" <<YAML
hosts:
  arm64:
    url: ssh://root@127.0.0.1:$LAB_SSH_PORT$LAB_SOCK_arm64
    identity: ${1:-$LAB_SSH_KEY}
    known-hosts: $kh
YAML
}

TEST "an unknown host key is refused with its SHA256 fingerprint and how to trust it"
: >"$kh"
write_cfg
pma hosts check --config "$T/ssh.yaml"
expect_rc 1
expect_err "host key of [127.0.0.1]:$LAB_SSH_PORT is not known"
expect_err "$fingerprint"
expect_err "ssh-keyscan -p $LAB_SSH_PORT 127.0.0.1 >> $kh"
expect_err "--ssh-accept-new-host-keys"
[[ ! -s $kh ]] || fail "known_hosts was written without consent"

TEST "a missing known_hosts file is the same as an unknown key"
rm -f "$kh"
pma hosts check --config "$T/ssh.yaml" --format json
expect_rc 1
expect_json '.hosts[0].error.class == "ssh-hostkey"'

TEST "--ssh-accept-new-host-keys records the key, later runs need no flag"
: >"$kh"
pma hosts check --config "$T/ssh.yaml" --ssh-accept-new-host-keys
expect_rc 0
expect_err "added the host key of [127.0.0.1]:$LAB_SSH_PORT"
grep -q "127.0.0.1" "$kh" || fail "known_hosts has no entry"
pma hosts check --config "$T/ssh.yaml"
expect_rc 0

TEST "a changed host key is refused, even with --ssh-accept-new-host-keys"
ssh-keygen -q -t ed25519 -N '' -f "$T/other_host_key"
echo "[127.0.0.1]:$LAB_SSH_PORT $(cut -d' ' -f1,2 "$T/other_host_key.pub")" >"$kh"
cp "$kh" "$T/kh.before"
pma hosts check --config "$T/ssh.yaml" --ssh-accept-new-host-keys
expect_rc 1
expect_err "HOST KEY OF [127.0.0.1]:$LAB_SSH_PORT HAS CHANGED"
expect_err "$fingerprint"
expect_err "ssh-keygen -R '[127.0.0.1]:$LAB_SSH_PORT'"
cmp -s "$kh" "$T/kh.before" || fail "known_hosts was modified"

TEST "a key the server does not accept is an ssh-auth error"
cp "$LAB_KNOWN_HOSTS" "$kh"
ssh-keygen -q -t ed25519 -N '' -f "$T/stranger"
write_cfg "$T/stranger"
pma hosts check --config "$T/ssh.yaml" --format json
expect_rc 1
expect_json '.hosts[0].error.class == "ssh-auth"'
expect_err "SSH server refused authentication as root (tried identity $T/stranger)"

TEST "a missing identity file"
write_cfg "$T/does-not-exist"
pma hosts check --config "$T/ssh.yaml"
expect_rc 1
expect_err "SSH identity $T/does-not-exist does not exist"

TEST "a remote socket that does not exist"
cat >"$T/ssh.yaml" <<YAML
hosts:
  nosock:
    url: ssh://root@127.0.0.1:$LAB_SSH_PORT/run/nothing-here.sock
    identity: $LAB_SSH_KEY
    known-hosts: $kh
YAML
pma hosts check --config "$T/ssh.yaml"
expect_rc 1
expect_err "cannot open the remote socket /run/nothing-here.sock"

TEST "nobody listening on the SSH port"
cat >"$T/ssh.yaml" <<YAML
hosts:
  closed:
    url: ssh://root@127.0.0.1:1/run/podman/podman.sock
    identity: $LAB_SSH_KEY
    known-hosts: $kh
YAML
pma hosts check --config "$T/ssh.yaml" --format json
expect_rc 1
expect_json '.hosts[0].error.class == "connect"'
