#!/usr/bin/env bash
# The podman-multiarch test lab: four podman hosts, sshd, two registries, a multi-arch base
# image, all on 127.0.0.1. See tests/lab/README.md.
#
#   tests/lab/lab.sh up       start everything that is not running (idempotent)
#   tests/lab/lab.sh down     stop everything the lab started (state and caches stay)
#   tests/lab/lab.sh status   show what runs
#   tests/lab/lab.sh verify   end-to-end checks (ping, info, RUN build per host, ssh forward)
#
# Environment: PMA_LAB_DIR (/var/tmp/pma-lab), PMA_LAB_CACHE (/var/tmp/pma-lab-cache),
# LAB_SSH_PORT (42222), LAB_REGISTRY_PORT (45443), LAB_PLAIN_REGISTRY_PORT (45000).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Ports and paths come from the caller's environment or the defaults, never from an old
# lab.env (so lab-lib.sh must not read it here).
_lab_dir=$(realpath -m "${PMA_LAB_DIR:-/var/tmp/pma-lab}")
_lab_cache=$(realpath -m "${PMA_LAB_CACHE:-/var/tmp/pma-lab-cache}")
_ssh_port=${LAB_SSH_PORT:-42222}
_reg_port=${LAB_REGISTRY_PORT:-45443}
_plain_port=${LAB_PLAIN_REGISTRY_PORT:-45000}
unset LAB_PODMAN5_ROOT LAB_HOSTS
export PMA_LAB_DIR=$_lab_dir
export LAB_NO_ENV=1
# shellcheck source=tests/lab/lab-lib.sh
source "$here/lab-lib.sh"
PMA_LAB_DIR=$_lab_dir
PMA_LAB_CACHE=$_lab_cache
LAB_SSH_PORT=$_ssh_port
LAB_REGISTRY_PORT=$_reg_port
LAB_PLAIN_REGISTRY_PORT=$_plain_port
LAB_HOSTS="amd64 arm64 ppc64le s390x"
LAB_PODMAN5_ROOT=$PMA_LAB_DIR/hosts/$LAB_PODMAN5_HOST/chroot

D=$PMA_LAB_DIR
CACHE=$PMA_LAB_CACHE
REG=127.0.0.1:$LAB_REGISTRY_PORT
PLAIN=127.0.0.1:$LAB_PLAIN_REGISTRY_PORT
REG_USER=pma
BASE_REPO=lab/busybox:latest
TRIXIE_PACKAGES=podman,runc,ca-certificates,iptables,netavark,aardvark-dns,skopeo
DEBIAN_MIRROR=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Debian architecture : OCI architecture : OCI variant
BASE_ARCHES="amd64:amd64: arm64:arm64:v8 ppc64el:ppc64le: s390x:s390x:"

declare -A PLATFORM=([amd64]=linux/amd64 [arm64]=linux/arm64/v8 [ppc64le]=linux/ppc64le [s390x]=linux/s390x)
declare -A QEMU_MACHINE=([amd64]=x86_64 [arm64]=aarch64 [ppc64le]=ppc64le [s390x]=s390x)

export DEBIAN_FRONTEND=noninteractive LC_ALL=C

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1fs", b - a}'; }

# stage NAME FUNC: run FUNC, print how long it took.
stage() {
  local name=$1 t0
  shift
  t0=$(now)
  NOTE=
  "$@"
  printf '[lab] %-16s %6s  %s\n' "$name" "$(since "$t0")" "$NOTE" >&2
}

# ---------------------------------------------------------------- preflight

preflight() {
  [[ $(id -u) == 0 ]] || lab_die "must run as root"
  local c missing=()
  for c in podman skopeo docker-registry htpasswd openssl curl jq ssh ssh-keygen /usr/sbin/sshd \
    debootstrap unshare setsid update-binfmts dpkg-deb apt-get; do
    command -v "$c" > /dev/null || missing+=("$c")
  done
  ((${#missing[@]} == 0)) || lab_die "missing commands: ${missing[*]} (run scripts/install-deps.sh)"
  [[ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ]] || lab_die "qemu-user-static is not installed"
  # sun_path holds 108 bytes
  local s="$D/hosts/ppc64le/podman.sock"
  ((${#s} < 100)) || lab_die "PMA_LAB_DIR is too long for Unix socket paths: $D"
}

# Foreign RUN steps need qemu's binfmt handlers. Without systemd nobody registers them at boot,
# even though qemu-user-static and binfmt-support are installed.
setup_binfmt() {
  local a
  if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  for a in aarch64 ppc64le s390x; do
    if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-$a ]]; then
      update-binfmts --enable "qemu-$a"
    fi
    grep -qx enabled "/proc/sys/fs/binfmt_misc/qemu-$a" || echo 1 > "/proc/sys/fs/binfmt_misc/qemu-$a"
    # F (fix-binary): the interpreter is opened now, so it also works inside chroots/containers
    grep -q '^flags: .*F' "/proc/sys/fs/binfmt_misc/qemu-$a" ||
      lab_die "binfmt handler qemu-$a lacks the F flag"
  done
}

# ---------------------------------------------------------------- secrets and config files

write_if_changed() { # FILE MODE: stdin -> FILE when the content differs
  local f=$1 mode=$2 tmp
  tmp=$(mktemp "$f.XXXXXX")
  cat > "$tmp"
  chmod "$mode" "$tmp"
  if [[ -f $f ]] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; else mv -f "$tmp" "$f"; fi
}

make_secrets() {
  mkdir -p "$D"/{pids,logs,hosts,ssh,registry/data,plain-registry/data}
  chmod 700 "$D/ssh" "$D/registry"
  local r=$D/registry
  # lab CA and a server certificate for 127.0.0.1 (EC P-256: every TLS stack accepts it)
  if [[ ! -s $r/ca.crt || ! -s $r/ca.key ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -keyout "$r/ca.key" -out "$r/ca.crt" -subj "/CN=podman-multiarch lab CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      2> /dev/null
    rm -f "$r/server.crt"
  fi
  if [[ ! -s $r/server.crt || ! -s $r/server.key ]]; then
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$r/server.key" \
      -out "$r/server.csr" -subj "/CN=127.0.0.1" 2> /dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > "$r/server.ext"
    openssl x509 -req -in "$r/server.csr" -CA "$r/ca.crt" -CAkey "$r/ca.key" -CAcreateserial \
      -days 3650 -extfile "$r/server.ext" -out "$r/server.crt" 2> /dev/null
    rm -f "$r/server.csr"
  fi
  # one random password per lab dir
  if [[ ! -s $r/password ]]; then
    (umask 077 && openssl rand -hex 16 > "$r/password")
    rm -f "$r/htpasswd"
  fi
  chmod 600 "$r/password"
  local pw
  pw=$(< "$r/password")
  if [[ ! -s $r/htpasswd ]]; then
    htpasswd -iBn "$REG_USER" <<< "$pw" > "$r/htpasswd"
  fi
  printf '{\n  "auths": {\n    "%s": {\n      "auth": "%s"\n    }\n  }\n}\n' \
    "$REG" "$(printf '%s:%s' "$REG_USER" "$pw" | base64 -w0)" | write_if_changed "$D/auth.json" 600
  # ssh: the server's host key and the lab client key
  local s=$D/ssh
  [[ -s $s/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C pma-lab-host -f "$s/ssh_host_ed25519_key"
  [[ -s $s/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C pma-lab-client -f "$s/id_ed25519"
  write_if_changed "$s/authorized_keys" 600 < "$s/id_ed25519.pub"
  local hostpat="[127.0.0.1]:$LAB_SSH_PORT"
  [[ $LAB_SSH_PORT == 22 ]] && hostpat=127.0.0.1
  echo "$hostpat $(cut -d' ' -f1,2 "$s/ssh_host_ed25519_key.pub")" | write_if_changed "$s/known_hosts" 644
}

setup_files() {
  make_secrets
  write_configs
}

write_configs() {
  # One containers.conf for the bookworm hosts (CONTAINERS_CONF), and for lab clients.
  # runc: crun refuses the hybrid cgroup v1/v2 setup; ulimits: no CAP_SYS_RESOURCE for the
  # default ones; cgroupfs/file: there is no systemd or journald; file locks live in each
  # host's --tmpdir, so the hosts do not share /dev/shm/libpod_lock.
  write_if_changed "$D/containers.conf" 644 << 'EOF'
# podman-multiarch lab (written by tests/lab/lab.sh)
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
lock_type = "file"
EOF
  # TLS registry with htpasswd
  write_if_changed "$D/registry/config.yml" 644 << EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $D/registry/data
  delete:
    enabled: true
http:
  addr: $REG
  secret: pma-lab-registry
  tls:
    certificate: $D/registry/server.crt
    key: $D/registry/server.key
auth:
  htpasswd:
    realm: pma-lab
    path: $D/registry/htpasswd
EOF
  write_if_changed "$D/plain-registry/config.yml" 644 << EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $D/plain-registry/data
  delete:
    enabled: true
http:
  addr: $PLAIN
  secret: pma-lab-plain-registry
EOF
  write_if_changed "$D/ssh/sshd_config" 644 << EOF
# podman-multiarch lab sshd (written by tests/lab/lab.sh); /etc/ssh is not used
Port $LAB_SSH_PORT
ListenAddress 127.0.0.1
HostKey $D/ssh/ssh_host_ed25519_key
PidFile $D/pids/sshd.pid
AuthorizedKeysFile $D/ssh/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowStreamLocalForwarding yes
AllowTcpForwarding yes
PermitTTY no
PrintMotd no
UseDNS no
MaxStartups 200
MaxSessions 100
LogLevel VERBOSE
EOF
  # the hosts trust the lab CA; containers/image reads certs.d for root only from /etc
  mkdir -p "/etc/containers/certs.d/$REG"
  write_if_changed "/etc/containers/certs.d/$REG/ca.crt" 644 < "$D/registry/ca.crt"
}

# ---------------------------------------------------------------- registries

start_registry() { # SERVICE DIR
  local svc=$1 dir=$2
  if lab_service_running "$svc"; then
    NOTE+="$svc(running) "
    return 0
  fi
  NOTE+="$svc "
  _lab_spawn "$svc" "$D/logs/$svc.log" docker-registry serve "$dir/config.yml"
}

wait_http() { # URL EXPECTED_CODE [curl args]
  local url=$1 want=$2 i code
  shift 2
  for ((i = 0; i < 100; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" 2> /dev/null) || true
    [[ $code == "$want" ]] && return 0
    sleep 0.1
  done
  lab_die "$url did not answer $want (last: $code)"
}

up_registries() {
  start_registry registry "$D/registry"
  start_registry plain-registry "$D/plain-registry"
  wait_http "https://$REG/v2/" 401 --cacert "$D/registry/ca.crt"
  wait_http "http://$PLAIN/v2/" 200
}

# ---------------------------------------------------------------- caches

# apt with its own state dir, so the machine's dpkg architectures and lists stay untouched
lab_apt() {
  local a=$CACHE/apt
  mkdir -p "$a/state/lists/partial" "$a/cache/archives/partial"
  touch "$a/state/status"
  echo "deb $DEBIAN_MIRROR bookworm main" > "$a/sources.list"
  apt-get -q -o Dir::State="$a/state" -o Dir::State::status="$a/state/status" \
    -o Dir::Cache="$a/cache" -o Dir::Etc::SourceList="$a/sources.list" \
    -o Dir::Etc::SourceParts=/nonexistent -o APT::Architecture=amd64 \
    -o APT::Architectures=amd64,arm64,ppc64el,s390x -o Acquire::Languages=none \
    -o APT::Sandbox::User=root -o Debug::NoLocking=1 "$@"
}

cache_debs() {
  local spec deb missing=()
  mkdir -p "$CACHE/debs"
  for spec in $BASE_ARCHES; do
    deb=${spec%%:*}
    compgen -G "$CACHE/debs/busybox-static_*_$deb.deb" > /dev/null || missing+=("busybox-static:$deb")
  done
  ((${#missing[@]})) || return 0
  lab_apt update > "$CACHE/apt-update.log" 2>&1 || { cat "$CACHE/apt-update.log" >&2; return 1; }
  (cd "$CACHE/debs" && lab_apt download "${missing[@]}" > /dev/null)
}

# The busybox index, built once into an OCI layout in the cache (stable digest across labs).
# podman CLI with a throwaway vfs storage: no mounts left behind, hosts untouched.
cache_base_image() {
  local oci=$CACHE/busybox-oci
  [[ -s $oci/index.json ]] && return 0
  cache_debs
  local w
  w=$(mktemp -d "$CACHE/build.XXXXXX")
  local P=(podman --root "$w/root" --runroot "$w/runroot" --tmpdir "$w/tmp" --storage-driver vfs)
  local x="$w/x" list="$w/applets" spec deb arch var r
  mkdir -p "$x"
  dpkg-deb -x "$(compgen -G "$CACHE/debs/busybox-static_*_amd64.deb")" "$x"
  # same busybox version/config on every arch, so amd64's applet list fits all
  "$x/bin/busybox" --list-full | grep / > "$list"
  for spec in $BASE_ARCHES; do
    IFS=: read -r deb arch var <<< "$spec"
    r=$w/rootfs-$arch
    rm -rf "$x" && mkdir -p "$x"
    dpkg-deb -x "$(compgen -G "$CACHE/debs/busybox-static_*_$deb.deb")" "$x"
    mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev}
    chmod 1777 "$r/tmp"
    cp "$x/bin/busybox" "$r/bin/busybox"
    while read -r p; do [[ -e $r/$p || -L $r/$p ]] || ln -s /bin/busybox "$r/$p"; done < "$list"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$r" -cf "$w/$arch.tar" .
    env -i PATH="$LAB_CLEAN_PATH" HOME="$w" CONTAINERS_CONF="$D/containers.conf" \
      "${P[@]}" import --os linux --arch "$arch" ${var:+--variant "$var"} \
      -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
      "$w/$arch.tar" "localhost/busybox-$arch" > /dev/null 2> "$w/import.log" ||
      { cat "$w/import.log" >&2; return 1; }
  done
  # shellcheck disable=SC2016
  env -i PATH="$LAB_CLEAN_PATH" HOME="$w" CONTAINERS_CONF="$D/containers.conf" bash -c '
    set -e
    "$@" manifest create localhost/busybox-list > /dev/null
    for a in amd64 arm64 ppc64le s390x; do
      "$@" manifest add localhost/busybox-list "containers-storage:localhost/busybox-$a" > /dev/null
    done' _ "${P[@]}"
  env -i PATH="$LAB_CLEAN_PATH" HOME="$w" CONTAINERS_CONF="$D/containers.conf" \
    "${P[@]}" manifest push -q --all --format oci localhost/busybox-list "oci:$w/oci:latest"
  rm -rf "$oci"
  mv "$w/oci" "$oci"
  rm -rf "$w"
}

# The podman 5 root file system: debootstrap once, reuse from the cache.
cache_trixie() {
  local t=$CACHE/trixie-rootfs
  [[ -x $t/usr/bin/podman && -x $t/usr/bin/skopeo ]] && return 0
  local tmp=$CACHE/trixie-rootfs.tmp
  _lab_umount_under "$tmp"
  rm -rf --one-file-system "$tmp"
  debootstrap --variant=minbase --include="$TRIXIE_PACKAGES" trixie "$tmp" "$DEBIAN_MIRROR" \
    > "$CACHE/debootstrap.log" 2>&1 || {
    tail -20 "$CACHE/debootstrap.log" >&2
    _lab_umount_under "$tmp"
    return 1
  }
  chroot "$tmp" apt-get clean
  _lab_umount_under "$tmp"
  rm -rf --one-file-system "$t"
  mv "$tmp" "$t"
}

# ---------------------------------------------------------------- base image in the registries

registry_index() { # REF [skopeo args] -> raw manifest on stdout
  local ref=$1
  shift
  skopeo inspect --raw --retry-times 0 "$@" "docker://$ref" 2> /dev/null
}

has_four_platforms() {
  jq -e '[.manifests[]? | .platform | "\(.os)/\(.architecture)\(if .variant then "/" + .variant else "" end)"]
         | sort == ["linux/amd64", "linux/arm64/v8", "linux/ppc64le", "linux/s390x"]' > /dev/null 2>&1
}

push_base_image() {
  local raw
  if raw=$(registry_index "$REG/$BASE_REPO" --authfile "$D/auth.json") && has_four_platforms <<< "$raw"; then
    NOTE+="present "
  else
    NOTE+="pushed "
    cache_base_image
    skopeo copy -q --all --preserve-digests --retry-times 2 --authfile "$D/auth.json" \
      "oci:$CACHE/busybox-oci:latest" "docker://$REG/$BASE_REPO"
  fi
  if raw=$(registry_index "$PLAIN/$BASE_REPO" --tls-verify=false) && has_four_platforms <<< "$raw"; then
    NOTE+="plain:present"
  else
    NOTE+="plain:pushed"
    cache_base_image
    skopeo copy -q --all --preserve-digests --retry-times 2 --dest-tls-verify=false \
      "oci:$CACHE/busybox-oci:latest" "docker://$PLAIN/$BASE_REPO"
  fi
  raw=$(registry_index "$REG/$BASE_REPO" --authfile "$D/auth.json")
  BASE_DIGEST=sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
}

# ---------------------------------------------------------------- podman hosts

up_bookworm_hosts() {
  local h
  for h in $LAB_HOSTS; do
    [[ $h == "$LAB_PODMAN5_HOST" ]] && continue
    if lab_service_running "$h"; then
      NOTE+="$h(running) "
    else
      lab_start_host "$h"
      NOTE+="$h "
    fi
  done
}

prepare_chroot() {
  local c=$LAB_PODMAN5_ROOT
  if [[ ! -x $c/usr/bin/podman || ! -x $c/usr/bin/skopeo ]]; then
    # never copy/delete while a previous service may still have it mounted
    lab_service_running "$LAB_PODMAN5_HOST" && lab_die "podman 5 host runs without its chroot?"
    rm -rf --one-file-system "$c.tmp"
    mkdir -p "$(dirname "$c")"
    cp -a "$CACHE/trixie-rootfs" "$c.tmp"
    rm -rf --one-file-system "$c"
    mv "$c.tmp" "$c"
  fi
  # trixie's netavark uses nft unless told otherwise; its own subnet keeps its podman0 bridge
  # away from bookworm's cni-podman0 (both default to 10.88.0.0/16 in the same netns)
  write_if_changed "$c/etc/containers/containers.conf" 644 << 'EOF'
# podman-multiarch lab, podman 5 host (written by tests/lab/lab.sh)
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
firewall_driver = "iptables"
default_subnet = "10.99.0.0/16"
EOF
  mkdir -p "$c/etc/containers/certs.d/$REG" "$c/lab"
  write_if_changed "$c/etc/containers/certs.d/$REG/ca.crt" 644 < "$D/registry/ca.crt"
}

up_podman5_host() {
  if lab_service_running "$LAB_PODMAN5_HOST"; then
    NOTE="$LAB_PODMAN5_HOST(running)"
    return 0
  fi
  if [[ -n ${TRIXIE_JOB:-} ]]; then
    NOTE=" (waited for debootstrap)"
    wait "$TRIXIE_JOB" || { cat "$D/logs/cache-trixie.log" >&2; lab_die "debootstrap of trixie failed"; }
    TRIXIE_JOB=
  fi
  [[ -x $CACHE/trixie-rootfs/usr/bin/skopeo ]] || NOTE=" (debootstrap)"
  cache_trixie
  prepare_chroot
  lab_start_host "$LAB_PODMAN5_HOST"
  NOTE="$LAB_PODMAN5_HOST$NOTE"
}

# ---------------------------------------------------------------- sshd

up_sshd() {
  if lab_service_running sshd; then
    NOTE="running"
    return 0
  fi
  NOTE="127.0.0.1:$LAB_SSH_PORT"
  mkdir -p /run/sshd # privilege separation dir, compiled into sshd
  chmod 755 /run/sshd
  /usr/sbin/sshd -t -f "$D/ssh/sshd_config" || lab_die "sshd config test failed"
  _lab_spawn sshd "$D/logs/sshd.log" /usr/sbin/sshd -D -e -f "$D/ssh/sshd_config"
  local i
  for ((i = 0; i < 50; i++)); do
    ssh-keyscan -T 1 -t ed25519 -p "$LAB_SSH_PORT" 127.0.0.1 2> /dev/null | grep -q ssh-ed25519 && return 0
    sleep 0.1
  done
  lab_die "sshd did not come up on 127.0.0.1:$LAB_SSH_PORT (see $D/logs/sshd.log)"
}

# ---------------------------------------------------------------- outputs

write_outputs() {
  local h
  {
    echo "# podman-multiarch lab, written by tests/lab/lab.sh up -- source it"
    echo "export PMA_LAB_DIR='$D'"
    echo "export PMA_LAB_CACHE='$CACHE'"
    echo "export LAB_HOSTS='$LAB_HOSTS'"
    for h in $LAB_HOSTS; do
      echo "export LAB_SOCK_$h='$(lab_sock "$h")'"
    done
    for h in $LAB_HOSTS; do
      echo "export LAB_PLATFORM_$h='${PLATFORM[$h]}'"
    done
    for h in $LAB_HOSTS; do
      echo "export LAB_UNAME_M_$h='${QEMU_MACHINE[$h]}'"
    done
    echo "export LAB_SSH_HOST=arm64"
    echo "export LAB_SSH_URL_arm64='ssh://root@127.0.0.1:$LAB_SSH_PORT$(lab_sock arm64)'"
    echo "export LAB_PODMAN5_HOST='$LAB_PODMAN5_HOST'"
    echo "export LAB_PODMAN5_ROOT='$LAB_PODMAN5_ROOT'"
    echo "export LAB_SSH_PORT='$LAB_SSH_PORT'"
    echo "export LAB_SSH_USER=root"
    echo "export LAB_SSH_KEY='$D/ssh/id_ed25519'"
    echo "export LAB_KNOWN_HOSTS='$D/ssh/known_hosts'"
    echo "export LAB_SSH_HOSTKEY_PUB='$D/ssh/ssh_host_ed25519_key.pub'"
    echo "export LAB_REGISTRY='$REG'"
    echo "export LAB_REGISTRY_PORT='$LAB_REGISTRY_PORT'"
    echo "export LAB_PLAIN_REGISTRY='$PLAIN'"
    echo "export LAB_PLAIN_REGISTRY_PORT='$LAB_PLAIN_REGISTRY_PORT'"
    echo "export LAB_REGISTRY_USER='$REG_USER'"
    echo "export LAB_REGISTRY_PASSWORD_FILE='$D/registry/password'"
    echo "export LAB_AUTHFILE='$D/auth.json'"
    echo "export LAB_CA='$D/registry/ca.crt'"
    echo "export LAB_BASE_IMAGE='$REG/$BASE_REPO'"
    echo "export LAB_PLAIN_BASE_IMAGE='$PLAIN/$BASE_REPO'"
    echo "export LAB_BASE_IMAGE_DIGEST='$BASE_DIGEST'"
    echo "export LAB_CONFIG='$D/podman-multiarch.yaml'"
    echo "export CONTAINERS_CONF='$D/containers.conf'"
  } | write_if_changed "$D/lab.env" 644

  write_if_changed "$D/podman-multiarch.yaml" 644 << EOF
# podman-multiarch lab hosts (written by tests/lab/lab.sh)
hosts:
  amd64:
    url: "unix://$(lab_sock amd64)"
    platforms: [linux/amd64]
  arm64:
    url: "ssh://root@127.0.0.1:$LAB_SSH_PORT$(lab_sock arm64)"
    identity: $D/ssh/id_ed25519
    known-hosts: $D/ssh/known_hosts
    platforms: [linux/arm64/v8]
  ppc64le:
    url: "unix://$(lab_sock ppc64le)"
    platforms: [linux/ppc64le]
  s390x:
    url: "unix://$(lab_sock s390x)"
    platforms: [linux/s390x]
farms:
  lab: [amd64, arm64, ppc64le, s390x]
default-farm: lab
EOF
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local t0
  t0=$(now)
  TRIXIE_JOB=
  stage preflight preflight
  stage binfmt setup_binfmt
  stage "keys+config" setup_files
  if [[ ! -x $LAB_PODMAN5_ROOT/usr/bin/skopeo && ! -x $CACHE/trixie-rootfs/usr/bin/skopeo ]]; then
    # the slowest one-time step runs while the rest comes up
    mkdir -p "$CACHE"
    lab_log "debootstrap trixie into $CACHE/trixie-rootfs (once, in background)"
    cache_trixie > "$D/logs/cache-trixie.log" 2>&1 &
    TRIXIE_JOB=$!
    trap '[[ -n ${TRIXIE_JOB:-} ]] && kill "$TRIXIE_JOB" 2> /dev/null' EXIT
  fi
  stage registries up_registries
  stage "base image" push_base_image
  stage "podman 4 hosts" up_bookworm_hosts
  stage "podman 5 host" up_podman5_host
  stage sshd up_sshd
  stage outputs write_outputs
  local h line=""
  for h in $LAB_HOSTS; do line+=" $h=$(lab_api_version "$h" || echo DOWN)"; done
  lab_log "hosts:$line"
  lab_log "registries: https://$REG (user $REG_USER), http://$PLAIN; base image $REG/$BASE_REPO@$BASE_DIGEST"
  lab_log "ssh: root@127.0.0.1:$LAB_SSH_PORT; env: source $D/lab.env"
  lab_log "up in $(since "$t0")"
}

cmd_down() {
  local t0 h
  t0=$(now)
  _lab_stop_service sshd
  for h in $LAB_HOSTS; do lab_stop_host "$h"; done
  _lab_stop_service registry
  _lab_stop_service plain-registry
  # anything else the lab mounted (a crashed debootstrap, an old chroot)
  _lab_umount_under "$D"
  lab_log "down in $(since "$t0")"
}

cmd_status() {
  local rc=0 h pid svc
  for h in $LAB_HOSTS; do
    if pid=$(lab_service_pid "$h"); then
      printf '%-15s running pid %-7s api %-6s %s\n' "$h" "$pid" "$(lab_api_version "$h" || echo '?')" "$(lab_sock "$h")"
      lab_ping "$h" > /dev/null || { echo "  (not answering)"; rc=1; }
    else
      printf '%-15s stopped\n' "$h"
      rc=1
    fi
  done
  for svc in sshd registry plain-registry; do
    if pid=$(lab_service_pid "$svc"); then
      case $svc in
        sshd) printf '%-15s running pid %-7s 127.0.0.1:%s\n' "$svc" "$pid" "$LAB_SSH_PORT" ;;
        registry) printf '%-15s running pid %-7s https://%s\n' "$svc" "$pid" "$REG" ;;
        plain-registry) printf '%-15s running pid %-7s http://%s\n' "$svc" "$pid" "$PLAIN" ;;
      esac
    else
      printf '%-15s stopped\n' "$svc"
      rc=1
    fi
  done
  return $rc
}

# End-to-end checks of a running lab (what the integration tests rely on).
cmd_verify() {
  local t0 h out i fails=0
  t0=$(now)
  # shellcheck source=/dev/null
  source "$D/lab.env"
  # expect WHAT ACTUAL WANTED
  expect() {
    if [[ $2 == "$3" ]]; then
      printf '[verify] ok   %s: %s\n' "$1" "$2" >&2
    else
      printf '[verify] FAIL %s: got "%s", want "%s"\n' "$1" "$2" "$3" >&2
      fails=$((fails + 1))
    fi
  }
  platforms() { jq -r '[.manifests[]?.platform | "\(.os)/\(.architecture)\(if .variant then "/" + .variant else "" end)"] | join(",")'; }
  local -A want_api=([amd64]=4.3.1 [arm64]=4.3.1 [ppc64le]=5.4.2 [s390x]=4.3.1)
  for h in $LAB_HOSTS; do
    expect "$h /_ping" "$(lab_ping "$h")" OK
    expect "$h Libpod-API-Version" "$(lab_api_version "$h")" "${want_api[$h]}"
    out=$(lab_curl "$h" /v4.0.0/libpod/info | jq -r '"\(.version.Version) \(.host.ociRuntime.name) \(.host.cgroupManager)"')
    expect "$h /info version, runtime, cgroups" "$out" "${want_api[$h]} runc cgroupfs"
  done
  # a RUN step for each host's simulated architecture, through the API, with auth, in parallel
  local ctx
  ctx=$(mktemp -d)
  printf 'FROM %s\nRUN uname -m > /arch && ulimit -n > /nofile\n' "$LAB_BASE_IMAGE" > "$ctx/Containerfile"
  local -A pids=() had_base=()
  for h in $LAB_HOSTS; do
    lab_podman "$h" image exists "$LAB_BASE_IMAGE" && had_base[$h]=1
    lab_podman "$h" build -q --platform "${PLATFORM[$h]}" --authfile "$LAB_AUTHFILE" --tls-verify=true \
      -t "localhost/lab-verify:$h" "$ctx" > "$ctx/$h.log" 2>&1 &
    pids[$h]=$!
  done
  for h in $LAB_HOSTS; do
    if wait "${pids[$h]}"; then
      out=$(lab_podman "$h" run --rm "localhost/lab-verify:$h" cat /arch /nofile 2> /dev/null | tr '\n' ' ')
      expect "$h build+run ${PLATFORM[$h]}: uname -m, ulimit -n" "$out" "${QEMU_MACHINE[$h]} 1024 "
      out=$(lab_podman "$h" image inspect "localhost/lab-verify:$h" --format '{{.Os}}/{{.Architecture}}')
      expect "$h built image os/arch" "$out" "${PLATFORM[$h]%/v8}"
      # leave the host as it was (an auth test needs a host without the base image)
      lab_podman "$h" rmi -f "localhost/lab-verify:$h" > /dev/null 2>&1 || true
      [[ -n ${had_base[$h]:-} ]] || lab_podman "$h" rmi -f "$LAB_BASE_IMAGE" > /dev/null 2>&1 || true
    else
      expect "$h build" "$(tail -3 "$ctx/$h.log" | tr '\n' ' ')" success
    fi
  done
  rm -rf "$ctx"
  # the base image index in both registries
  local want_platforms=linux/amd64,linux/arm64/v8,linux/ppc64le,linux/s390x
  out=$(skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$LAB_BASE_IMAGE" | platforms)
  expect "$LAB_BASE_IMAGE platforms" "$out" "$want_platforms"
  out=$(skopeo inspect --raw --tls-verify=false "docker://$LAB_PLAIN_BASE_IMAGE" | platforms)
  expect "$LAB_PLAIN_BASE_IMAGE platforms" "$out" "$want_platforms"
  out=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$LAB_CA" "https://$LAB_REGISTRY/v2/")
  expect "registry without credentials" "$out" 401
  out=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$LAB_CA" -u "$LAB_REGISTRY_USER:$(< "$LAB_REGISTRY_PASSWORD_FILE")" "https://$LAB_REGISTRY/v2/")
  expect "registry with lab credentials" "$out" 200
  # ssh: a stream-local forward to the arm64 socket, host key checked strictly
  local fwd=$D/verify-fwd.sock spid
  rm -f "$fwd"
  ssh -F /dev/null -i "$LAB_SSH_KEY" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$LAB_KNOWN_HOSTS" -o ExitOnForwardFailure=yes \
    -p "$LAB_SSH_PORT" -N -L "$fwd:$(lab_sock arm64)" root@127.0.0.1 2> "$D/logs/verify-ssh.log" &
  spid=$!
  for ((i = 0; i < 50; i++)); do
    [[ -S $fwd ]] && break
    sleep 0.1
  done
  out=$(curl -s -i --max-time 5 --unix-socket "$fwd" http://d/v4.0.0/libpod/_ping | tr -d '\r' |
    awk 'tolower($1) == "libpod-api-version:" {v = $2} END {print v}')
  kill "$spid" 2> /dev/null || true
  wait "$spid" 2> /dev/null || true
  rm -f "$fwd"
  expect "ssh -L forward to the arm64 socket, Libpod-API-Version" "$out" 4.3.1
  lab_log "verify: $fails failure(s) in $(since "$t0")"
  ((fails == 0))
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  verify) cmd_verify ;;
  *)
    echo "usage: $0 up|down|status|verify" >&2
    exit 2
    ;;
esac
