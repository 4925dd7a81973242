# Bad configuration: exit 2, a message with file:line:col, and no request sent.

cfg=$T/bad.yaml

TEST "unknown key with did-you-mean and location"
printf 'hosts:\n  a:\n    ulr: unix:///x.sock\n' >"$cfg"
pma hosts --config "$cfg"
expect_rc 2
expect_err "$cfg:3:5: unknown key 'ulr' in host 'a', did you mean 'url'?"

TEST "YAML syntax error has a location"
printf 'hosts:\n  a: {url: unix:///x.sock\n' >"$cfg"
pma hosts check --config "$cfg"
expect_rc 2
expect_err_re "$cfg:[0-9]+:[0-9]+: "

TEST "unknown URL scheme"
printf 'hosts:\n  a:\n    url: tpc://x:1\n' >"$cfg"
pma hosts --config "$cfg"
expect_rc 2
expect_err "$cfg:3:10: unsupported scheme 'tpc'"
expect_err "did you mean 'tcp'?"

TEST "invalid platform"
printf 'hosts:\n  a:\n    url: unix:///x.sock\n    platforms: [linux/arm46]\n' >"$cfg"
pma hosts --config "$cfg"
expect_rc 2
expect_err "$cfg:4:17: invalid platform 'linux/arm46'"
expect_err "did you mean 'arm64'?"

TEST "unknown host and farm names"
printf 'hosts:\n  amd64: unix:///x.sock\nfarms:\n  lab: [amd64]\n' >"$cfg"
pma hosts --config "$cfg" --host amd46
expect_rc 2
expect_err "unknown host 'amd46', did you mean 'amd64'?"
pma hosts --config "$cfg" --farm lba
expect_rc 2
expect_err "unknown farm 'lba', did you mean 'lab'?"

TEST "missing --config file and PODMAN_MULTIARCH_CONFIG"
pma hosts --config "$T/nope.yaml"
expect_rc 2
expect_err "config file $T/nope.yaml (from --config) does not exist"
PODMAN_MULTIARCH_CONFIG=$T/nope2.yaml pma hosts
expect_rc 2
expect_err "(from PODMAN_MULTIARCH_CONFIG)"

TEST "broken containers.conf is reported with its location"
printf '[engine\n' >"$T/broken.conf"
CONTAINERS_CONF=$T/broken.conf pma hosts
expect_rc 2
expect_err "$T/broken.conf:1:"

TEST "config found in ./podman-multiarch.yaml and XDG_CONFIG_HOME"
mkdir -p "$T/wd" "$XDG_CONFIG_HOME/podman-multiarch"
printf 'hosts:\n  from-xdg: unix:///xdg.sock\n' >"$XDG_CONFIG_HOME/podman-multiarch/config.yaml"
(cd "$T/wd" && pma hosts --format json)
expect_json '.hosts[0].name == "from-xdg"'
printf 'hosts:\n  from-cwd: unix:///cwd.sock\n' >"$T/wd/podman-multiarch.yaml"
(cd "$T/wd" && pma hosts --format json)
expect_json '.hosts[0].name == "from-cwd"'

TEST "broken auth files: a clear error naming the file, exit 2, before any host is contacted"
mkdir -p "$T/ctx"
printf 'FROM scratch\n' >"$T/ctx/Containerfile"
# The host does not exist: reaching for it would fail differently (exit 1, "cannot reach").
nohost=(--host "x=unix://$T/nobody.sock" -t registry.example.com/a/b:1)
printf '{"auths": {' >"$T/auth-json.json"
pma build "${nohost[@]}" --authfile "$T/auth-json.json" "$T/ctx"
expect_rc 2
expect_err "auth file $T/auth-json.json: invalid JSON at byte"
printf '{"auths":{"registry.example.com":{"auth":"!!not base64!!"}}}' >"$T/auth-b64.json"
pma build "${nohost[@]}" --authfile "$T/auth-b64.json" "$T/ctx"
expect_rc 2
expect_err "auth file $T/auth-b64.json"
expect_err "registry.example.com"
printf '{"auths":{"registry.example.com":{"auth":"%s"}}}' "$(printf 'nocolon' | base64)" >"$T/auth-colon.json"
pma inspect --authfile "$T/auth-colon.json" registry.example.com/a/b:1
expect_rc 2
expect_err "auth file $T/auth-colon.json"
pma build "${nohost[@]}" --authfile "$T/missing.json" "$T/ctx"
expect_rc 2
expect_err "$T/missing.json"
expect_no_err "cannot reach"
