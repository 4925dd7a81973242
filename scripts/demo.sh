#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages, build, the local lab of four
# podman hosts and a registry) and shows podman-multiarch at work on it.
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
run() {
  echo
  echo "\$ podman-multiarch $*"
  "$pma" "$@"
}
run hosts --config "$LAB_CONFIG"
run hosts check --config "$LAB_CONFIG"
