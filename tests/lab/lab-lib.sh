# shellcheck shell=bash
# Helpers for the podman-multiarch test lab. Source this file; it changes no shell options.
#
#   source tests/lab/lab-lib.sh
#   lab_ping amd64                # prints OK, fails if the host does not answer
#   lab_stop_host s390x           # simulate a dead host (socket disappears)
#   lab_start_host s390x          # bring it back (waits until it answers)
#
# Reads $PMA_LAB_DIR/lab.env when it exists (unless LAB_NO_ENV is set), so it follows
# whatever `lab.sh up` configured.

PMA_LAB_DIR=$(realpath -m "${PMA_LAB_DIR:-/var/tmp/pma-lab}")
_LAB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -z ${LAB_NO_ENV:-} && -r $PMA_LAB_DIR/lab.env ]]; then
  # shellcheck source=/dev/null
  source "$PMA_LAB_DIR/lab.env"
fi
PMA_LAB_CACHE=${PMA_LAB_CACHE:-/var/tmp/pma-lab-cache}
LAB_HOSTS=${LAB_HOSTS:-"amd64 arm64 ppc64le s390x"}
LAB_SSH_PORT=${LAB_SSH_PORT:-42222}
LAB_REGISTRY_PORT=${LAB_REGISTRY_PORT:-45443}
LAB_PLAIN_REGISTRY_PORT=${LAB_PLAIN_REGISTRY_PORT:-45000}
LAB_PODMAN5_HOST=ppc64le          # the host that runs podman 5 inside the trixie chroot
LAB_PODMAN5_ROOT=${LAB_PODMAN5_ROOT:-$PMA_LAB_DIR/hosts/$LAB_PODMAN5_HOST/chroot}
LAB_CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

lab_log() { printf '[lab] %s\n' "$*" >&2; }
lab_die() { printf '[lab] error: %s\n' "$*" >&2; return 1; }

lab_host_dir() { printf '%s/hosts/%s' "$PMA_LAB_DIR" "$1"; }
lab_sock() { printf '%s/hosts/%s/podman.sock' "$PMA_LAB_DIR" "$1"; }

_lab_known_host() {
  local h
  for h in $LAB_HOSTS; do [[ $h == "$1" ]] && return 0; done
  lab_die "unknown lab host '$1' (known: $LAB_HOSTS)"
}

# lab_curl NAME PATH [curl args...]: talk to a host's libpod API (PATH like /v4.0.0/libpod/info).
lab_curl() {
  local name=$1 path=$2
  shift 2
  curl -sS --max-time "${LAB_CURL_TIMEOUT:-10}" --unix-socket "$(lab_sock "$name")" "$@" "http://d$path"
}

# lab_ping NAME: prints OK when the host's service answers.
lab_ping() {
  local out
  out=$(curl -sf --max-time 3 --unix-socket "$(lab_sock "$1")" http://d/v4.0.0/libpod/_ping 2>/dev/null) || return 1
  [[ $out == OK ]] || return 1
  echo OK
}

# lab_api_version NAME: the Libpod-API-Version header of the host (e.g. 4.3.1, 5.4.2).
lab_api_version() {
  curl -sf --max-time 3 -o /dev/null -D - --unix-socket "$(lab_sock "$1")" \
    http://d/v4.0.0/libpod/_ping 2>/dev/null | tr -d '\r' |
    awk -F': ' 'tolower($1) == "libpod-api-version" {print $2}'
}

# lab_podman NAME ARGS...: the podman CLI as a remote client of the host.
lab_podman() {
  local name=$1
  shift
  podman --url "unix://$(lab_sock "$name")" "$@"
}

# lab_podman5 ARGS...: trixie's podman 5.4.2 CLI as a remote client (podman --remote ARGS),
# e.g. `lab_podman5 --url "unix://$LAB_SOCK_amd64" farm build ...`. Runs in a throwaway mount
# namespace with $PMA_LAB_DIR and the current directory visible at their real paths.
lab_podman5() { lab_trixie podman --remote "$@"; }

# lab_trixie COMMAND ARGS...: a program of the podman 5 chroot (trixie), e.g. skopeo 1.18,
# the same way.
lab_trixie() {
  local c=$LAB_PODMAN5_ROOT
  [[ -x $c/usr/bin/podman ]] || { lab_die "no podman 5 chroot at $c (run lab.sh up)"; return 1; }
  # shellcheck disable=SC2016
  C=$c D=$PMA_LAB_DIR W=$PWD unshare -m --propagation private sh -c '
      set -e
      mount --bind "$C" "$C"
      mount -t proc proc "$C/proc"
      mount --rbind /sys "$C/sys"
      mount --rbind /dev "$C/dev"
      mkdir -p "$C$D" && mount --bind "$D" "$C$D"
      case $W/ in "$D"/* | /) ;; *) mkdir -p "$C$W" && mount --rbind "$W" "$C$W" ;; esac
      exec chroot "$C" sh -c "cd \"\$0\" && PODMAN_IGNORE_CGROUPSV1_WARNING=1 exec \"\$@\"" "$W" "$@"
    ' lab-trixie "$@"
}

# ---------------------------------------------------------------- process bookkeeping

_lab_pidfile() { printf '%s/pids/%s.pid' "$PMA_LAB_DIR" "$1"; }

# _lab_pid_matches SERVICE PID: is PID really the lab's SERVICE (guards against PID reuse)?
_lab_pid_matches() {
  local svc=$1 pid=$2 cmd root
  [[ -r /proc/$pid/cmdline ]] || return 1
  cmd=$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") || return 1
  case $svc in
    "$LAB_PODMAN5_HOST")
      root=$(readlink "/proc/$pid/root" 2>/dev/null) || return 1
      [[ $root == "$LAB_PODMAN5_ROOT" && $cmd == *"system service"* ]] ;;
    sshd) [[ $cmd == *"$PMA_LAB_DIR/ssh/sshd_config"* ]] ;;
    registry) [[ $cmd == *"$PMA_LAB_DIR/registry/config.yml"* ]] ;;
    plain-registry) [[ $cmd == *"$PMA_LAB_DIR/plain-registry/config.yml"* ]] ;;
    *) [[ $cmd == *"$(lab_sock "$svc")"* ]] ;;
  esac
}

# lab_service_pid SERVICE: prints the PID of a running lab service, fails if it is not running.
lab_service_pid() {
  local pf pid
  pf=$(_lab_pidfile "$1")
  [[ -r $pf ]] || return 1
  pid=$(<"$pf")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  _lab_pid_matches "$1" "$pid" || return 1
  echo "$pid"
}

lab_service_running() { lab_service_pid "$1" > /dev/null; }

# _lab_spawn SERVICE LOG CMD...: start CMD detached (own session, clean environment, stdio
# to LOG) and record its PID. The subshell exits at once, so the service is not a child (or
# job) of the caller: a test script's plain `wait` never waits for it.
_lab_spawn() {
  local svc=$1 log=$2
  shift 2
  mkdir -p "$PMA_LAB_DIR/pids" "$(dirname "$log")"
  (
    set +m
    env -i PATH="$LAB_CLEAN_PATH" setsid "$@" < /dev/null >> "$log" 2>&1 &
    echo $! > "$(_lab_pidfile "$svc")"
  )
}

# _lab_descendants PID: PIDs of all descendants of PID (deepest last).
_lab_descendants() {
  local -A kids=()
  local p pp stat
  for p in /proc/[0-9]*; do
    { read -r stat < "$p/stat"; } 2>/dev/null || continue
    stat=${stat##*) }
    read -r _ pp _ <<< "$stat"
    kids[$pp]+="${p#/proc/} "
  done
  local queue=("$1") cur c
  while ((${#queue[@]})); do
    cur=${queue[0]}
    queue=("${queue[@]:1}")
    for c in ${kids[$cur]:-}; do
      echo "$c"
      queue+=("$c")
    done
  done
}

# _lab_kill_pids PID...: TERM, wait up to 10 s, then KILL.
_lab_kill_pids() {
  local pids=("$@") p alive i
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive=()
    for p in "${pids[@]}"; do [[ -d /proc/$p ]] && alive+=("$p"); done
    ((${#alive[@]})) || return 0
    # zombies count as gone
    local z=()
    for p in "${alive[@]}"; do
      [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) == Z ]] || z+=("$p")
    done
    ((${#z[@]})) || return 0
    sleep 0.1
  done
  kill -KILL "${alive[@]}" 2>/dev/null || true
}

# _lab_stop_service SERVICE: stop a recorded service and its descendants; forget its pidfile.
_lab_stop_service() {
  local svc=$1 pid
  if pid=$(lab_service_pid "$svc"); then
    local desc
    mapfile -t desc < <(_lab_descendants "$pid")
    _lab_kill_pids "$pid" "${desc[@]}"
  fi
  rm -f "$(_lab_pidfile "$svc")"
}

# _lab_umount_under DIR: unmount everything mounted at or below DIR (deepest first).
_lab_umount_under() {
  local dir=$1 m
  local -a mnts
  mapfile -t mnts < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/self/mounts | sort -r)
  for m in "${mnts[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

# _lab_wait_ping NAME SECONDS
_lab_wait_ping() {
  local name=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    lab_ping "$name" > /dev/null && return 0
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- podman hosts

# lab_start_host NAME: start the host's podman service (no-op if it runs); waits for /_ping.
lab_start_host() {
  local name=$1 dir sock log
  _lab_known_host "$name" || return 1
  if lab_service_running "$name"; then
    return 0
  fi
  dir=$(lab_host_dir "$name")
  sock=$(lab_sock "$name")
  log=$PMA_LAB_DIR/logs/$name.log
  mkdir -p "$PMA_LAB_DIR/pids" "$PMA_LAB_DIR/logs"
  # A stopped host is a rebooted host: per-boot state (runroot, tmpdir) starts empty.
  _lab_umount_under "$dir"
  rm -rf "$dir/runroot" "$dir/tmp" "$sock"
  mkdir -p "$dir/root" "$dir/runroot" "$dir/tmp" "$dir/home"
  printf '\n=== start %s ===\n' "$(date -Is)" >> "$log"
  if [[ $name == "$LAB_PODMAN5_HOST" ]]; then
    _lab_start_podman5 "$name" "$dir" "$log"
  else
    # Clean environment: nothing from the caller (REGISTRY_AUTH_FILE, CONTAINER_HOST, ...)
    # leaks into the service; HOME is private so no ~/.docker/config.json credentials apply.
    _lab_spawn "$name" "$log" env HOME="$dir/home" CONTAINERS_CONF="$PMA_LAB_DIR/containers.conf" \
      podman --root "$dir/root" --runroot "$dir/runroot" --tmpdir "$dir/tmp" \
      system service --time=0 "unix://$sock"
  fi
  if ! _lab_wait_ping "$name" 60; then
    lab_die "host $name did not answer on $sock within 60 s (see $log)"
    return 1
  fi
}

# The podman 5 host: trixie chroot in a private mount namespace (chroot-run.sh), with the
# host dir bind-mounted at /lab so the socket created at /lab/podman.sock is
# $PMA_LAB_DIR/hosts/ppc64le/podman.sock.
_lab_start_podman5() {
  local name=$1 dir=$2 log=$3 c=$LAB_PODMAN5_ROOT pid i
  [[ -x $c/usr/bin/podman ]] || { lab_die "no podman 5 chroot at $c (run lab.sh up)"; return 1; }
  mkdir -p "$c/lab"
  _lab_spawn "$name" "$log" "$_LAB_LIB_DIR/chroot-run.sh" "$c" "$dir" /root \
    podman --root /lab/root --runroot /lab/runroot --tmpdir /lab/tmp system service --time=0 unix:///lab/podman.sock
  pid=$(<"$(_lab_pidfile "$name")")
  # remember the namespace, so stop can find everything (conmon, ...) that lives in it
  for ((i = 0; i < 50; i++)); do
    if [[ $(readlink "/proc/$pid/root" 2>/dev/null) == "$c" ]]; then
      readlink "/proc/$pid/ns/mnt" > "$PMA_LAB_DIR/pids/$name.mntns"
      return 0
    fi
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  lab_die "podman 5 host did not enter its chroot (see $log)"
}

# _lab_remove_containers NAME: force-remove the host's containers through its API, so no
# container processes outlive the service.
_lab_remove_containers() {
  local name=$1 ids id
  lab_ping "$name" > /dev/null || return 0
  ids=$(LAB_CURL_TIMEOUT=10 lab_curl "$name" '/v4.0.0/libpod/containers/json?all=true' 2>/dev/null |
    jq -r '.[]?.Id' 2>/dev/null) || return 0
  for id in $ids; do
    # kill first: DELETE's stop timeout is not settable on every API version, and a
    # container's PID 1 ignores SIGTERM
    lab_curl "$name" "/v4.0.0/libpod/containers/$id/kill?signal=KILL" -X POST -o /dev/null 2>/dev/null || true
    LAB_CURL_TIMEOUT=30 lab_curl "$name" "/v4.0.0/libpod/containers/$id?force=true&timeout=0" \
      -X DELETE -o /dev/null 2>/dev/null || true
  done
}

# lab_stop_host NAME: stop a host as if it died: the service, its containers and any helper
# process it left (conmon), its mounts. Storage (images) is kept.
lab_stop_host() {
  local name=$1 dir ns p
  _lab_known_host "$name" || return 1
  dir=$(lab_host_dir "$name")
  if lab_service_running "$name"; then
    _lab_remove_containers "$name"
  fi
  _lab_stop_service "$name"
  local -a stray=()
  if [[ $name == "$LAB_PODMAN5_HOST" ]]; then
    # everything still inside the chroot's mount namespace, or rooted in the chroot
    ns=$(cat "$PMA_LAB_DIR/pids/$name.mntns" 2>/dev/null || true)
    for p in /proc/[0-9]*; do
      if [[ -n $ns && $(readlink "$p/ns/mnt" 2>/dev/null) == "$ns" ]] ||
        [[ $(readlink "$p/root" 2>/dev/null) == "$LAB_PODMAN5_ROOT" ]]; then
        stray+=("${p#/proc/}")
      fi
    done
    rm -f "$PMA_LAB_DIR/pids/$name.mntns"
  else
    # conmon (and the podman cleanup it spawns) is reparented away from the service; it
    # carries the host's storage paths on its command line. Clients (--url) are left alone.
    local comm
    for p in /proc/[0-9]*; do
      comm=$(cat "$p/comm" 2>/dev/null) || continue
      case $comm in conmon | podman | runc | catatonit) ;; *) continue ;; esac
      if tr '\0' '\n' 2>/dev/null < "$p/cmdline" | grep -qE "^($dir/|--(root|runroot|tmpdir)=$dir/)"; then
        stray+=("${p#/proc/}")
      fi
    done
  fi
  # and what they started (the containers under conmon)
  for p in "${stray[@]}"; do
    mapfile -t -O "${#stray[@]}" stray < <(_lab_descendants "$p")
  done
  # leftovers of a dead host (a container's PID 1 ignores TERM anyway)
  ((${#stray[@]} == 0)) || kill -KILL "${stray[@]}" 2>/dev/null || true
  _lab_kill_pids "${stray[@]}"
  _lab_umount_under "$dir"
  rm -f "$(lab_sock "$name")"
}

# lab_restart_host NAME
lab_restart_host() { lab_stop_host "$1" && lab_start_host "$1"; }

# lab_wipe_host NAME: stop, delete the host's storage (all images), start again.
lab_wipe_host() {
  local name=$1 dir
  lab_stop_host "$name" || return 1
  dir=$(lab_host_dir "$name")
  rm -rf "${dir:?}/root" "$dir/runroot" "$dir/tmp"
  lab_start_host "$name"
}
