#!/bin/sh
# chroot-run.sh ROOT LABDIR HOME CMD… — runs CMD in the podman 5 chroot ROOT, in a
# private mount namespace. ROOT must be a mount point (else buildah's remount of / fails);
# /proc, /sys and /dev come from the host; /run and /dev/shm are private tmpfs (per-boot
# state, SHM locks not shared with bookworm's podman); LABDIR, unless empty, is mounted at
# /lab. CMD gets an empty environment but PATH, HOME, PODMAN_IGNORE_CGROUPSV1_WARNING and
# CONTAINERS_CONF=$CHROOT_CONTAINERS_CONF when that is set (an ambient CONTAINERS_CONF names
# a file outside the chroot: never passed on). Used by lab-lib.sh (the podman 5 host) and
# bench/farm.sh.
set -e
[ $# -ge 4 ] || { echo "usage: $0 ROOT LABDIR HOME CMD..." >&2; exit 2; }
root=$1 lab=$2 home=$3
shift 3
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare -m --propagation private env C="$root" H="$lab" HOME_IN="$home" CONF="${CHROOT_CONTAINERS_CONF:-}" sh -c '
  set -e
  mount --bind "$C" "$C"
  mount -t proc proc "$C/proc"
  mount --rbind /sys "$C/sys"
  mount --rbind /dev "$C/dev"
  mount -t tmpfs -o mode=1777 tmpfs "$C/dev/shm"
  mount -t tmpfs -o mode=755 tmpfs "$C/run"
  [ -z "$H" ] || mount --bind "$H" "$C/lab"
  exec chroot "$C" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME_IN" \
    PODMAN_IGNORE_CGROUPSV1_WARNING=1 ${CONF:+CONTAINERS_CONF=$CONF} "$@"' sh "$@"
