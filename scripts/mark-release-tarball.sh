#!/bin/sh
# Run by `meson dist` in the tree it archives: marks the tarball as a release, whose
# build defines no developer suites (sanitizers, fuzzing, packages, lint; see
# tests/meson.build). A checkout, with or without .git, defines them all.
set -eu
echo "A podman-multiarch release tarball, made by meson dist." >"${MESON_DIST_ROOT:?}/.release-tarball"
