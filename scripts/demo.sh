#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages, build, the local lab of four
# podman hosts and a TLS+auth registry) and publishes the example app for
# linux/amd64, arm64, ppc64le and s390x with podman-multiarch.
# Usage: scripts/demo.sh   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --if-missing
if [[ ! -f build/build.ninja ]]; then
  meson setup build
fi
meson compile -C build
tests/lab/lab.sh up
# shellcheck source=/dev/null
source "${PMA_LAB_DIR:-/var/tmp/pma-lab}/lab.env"

pma=build/podman-multiarch
image=$LAB_REGISTRY/demo/moo-chop:1.0
run() {
  echo
  echo "\$ $*"
  "$@"
}
run "$pma" hosts check --config "$LAB_CONFIG"
run "$pma" build --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain \
  -t "$image" -t "$LAB_REGISTRY/demo/moo-chop:latest" examples/moo-chop

run "$pma" inspect --authfile "$LAB_AUTHFILE" "$image"

# The same, read without podman-multiarch.
echo
echo "\$ skopeo inspect --raw docker://$image | jq '.manifests[] | .digest, .platform'"
skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$image" | jq -c '.manifests[] | [.digest, .platform]'

# The s390x image, run under emulation on the amd64 host.
podman_amd64=(podman --url "unix://$LAB_SOCK_amd64")
"${podman_amd64[@]}" rm -f moo-chop-demo >/dev/null 2>&1 || true
"${podman_amd64[@]}" pull -q --authfile "$LAB_AUTHFILE" --platform linux/s390x "$image" >/dev/null
"${podman_amd64[@]}" run -d --rm --name moo-chop-demo -p 127.0.0.1:18080:8080 --platform linux/s390x "$image" >/dev/null
for _ in $(seq 30); do curl -fs http://127.0.0.1:18080/cgi-bin/index.cgi >/dev/null && break; sleep 0.5; done
echo
echo "\$ curl http://127.0.0.1:18080/cgi-bin/index.cgi   # the linux/s390x image"
curl -s http://127.0.0.1:18080/cgi-bin/index.cgi | grep -E 'hello|running'
"${podman_amd64[@]}" rm -f moo-chop-demo >/dev/null 2>&1 || true
"${podman_amd64[@]}" rmi -f "$image" >/dev/null 2>&1 || true
