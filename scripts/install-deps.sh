#!/usr/bin/env bash
# Installs every Debian package podman-multiarch needs to build, test and run its lab.
# Usage: scripts/install-deps.sh [--if-missing]   (as root, on Debian 12 bookworm)
#   --if-missing  do nothing when every package is already installed
set -euo pipefail

build_packages=(
  meson ninja-build pkg-config g++ cmake
  libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev libcxxopts-dev doctest-dev
  libssh-dev libarchive-dev libfmt-dev libtomlplusplus-dev libssl-dev libre2-dev libsodium-dev
)
lab_packages=(
  podman runc crun buildah skopeo fuse-overlayfs uidmap slirp4netns
  qemu-user-static binfmt-support
  docker-registry apache2-utils openssl curl jq ca-certificates python3 python3-yaml util-linux
  openssh-server openssh-client
  debootstrap iptables
)
package_packages=(
  debhelper dpkg-dev lintian rpm rpmlint git xz-utils
)
tool_packages=(
  go-md2man bash-completion zsh fish man-db strace time
  clang-14 libclang-rt-14-dev clang-tidy-14 clang-format-14
)

all=("${build_packages[@]}" "${lab_packages[@]}" "${package_packages[@]}" "${tool_packages[@]}")
if [[ ${1:-} == --if-missing ]] &&
  [[ $(dpkg-query -W -f '${Status}\n' "${all[@]}" 2>/dev/null | grep -c 'install ok installed') == "${#all[@]}" ]]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${all[@]}"
