# shellcheck shell=bash
# Class 4: every `podman build` option podman-multiarch forwards, at least once. Where a
# RUN step is needed, it records the option's effect into a file of the image.
#
# First podman version whose build endpoint reads each option (from the brief): 4.0 all not
# listed; 4.1 --env --identity-label --os-feature --os-version; 4.2 --build-context
# --cache-from/--cache-to (4.4 for more than one) --cache-ttl --cpp-flag --omit-history;
# 4.3 --skip-unused-stages; 4.4 --volume --group-add; 4.7 --layer-label; 4.8 --unsetlabel;
# 5.2 --compat-volumes; 5.3 --retry --retry-delay; 5.4 --no-hosts; 5.5 --inherit-labels;
# 5.6 --source-date-epoch --rewrite-timestamp --inherit-annotations --created-annotation
# --unsetannotation; (5.7 the --sbom-* options).

base_cf() { # LINE...: FROM this run's busybox (see lib.sh), then the lines given
  {
    printf 'FROM %s\n' "$CONF_BASE_IMAGE"
    printf '%s\n' "$@"
  } | cf
  auth
}

# needs VERSION-LABEL: the expectation for an option the 4.3.1 host is too old for
too_old_on_431() { expect 431 "refused:needs podman $1"; expect 542 same; }

c_fwd_dns() {
  class forwarded
  desc "--dns --dns-option --dns-search --add-host: resolv.conf and the added hosts line"
  base_cf 'RUN cat /etc/resolv.conf > /resolv && grep conf-host /etc/hosts > /hosts-line'
  flags --dns 10.11.12.13 --dns-option ndots:3 --dns-search conformance.test --add-host conf-host.test:10.9.8.7
  expect all same
}
conf_case fwd_dns

c_fwd_network_none() {
  class forwarded
  desc "--network none: only lo"
  base_cf 'RUN ls /sys/class/net > /net'
  flags --network none
  expect all same
}
conf_case fwd_network_none

c_fwd_network_host() {
  class forwarded
  desc "--network host: the host's podman bridges are visible"
  base_cf 'RUN if [ -e /sys/class/net/cni-podman0 ] || [ -e /sys/class/net/podman0 ]; then echo host; else echo private; fi > /net'
  flags --network host
  expect all same
}
conf_case fwd_network_host

c_fwd_namespaces() {
  class forwarded
  desc "--pid host --uts host --ipc host: PID 1 is the machine's, the hostname is the machine's, the IPC namespace is the host's"
  base_cf 'RUN cat /proc/1/comm > /pid1 && hostname > /hostname && readlink /proc/self/ns/ipc > /ipc'
  flags --pid host --uts host --ipc host
  expect all same
}
conf_case fwd_namespaces

c_fwd_userns_host() {
  class forwarded
  desc "--userns host: the host's user namespace (identity map)"
  base_cf 'RUN cat /proc/self/uid_map > /uidmap'
  flags --userns host
  expect all same
}
conf_case fwd_userns_host

c_fwd_userns_map() {
  class forwarded
  desc "--userns-uid-map --userns-gid-map: the lab's rootful runc cannot start RUN in a mapped namespace; both fail alike"
  base_cf 'RUN cat /proc/self/uid_map > /uidmap'
  flags --userns-uid-map 0:200000:65536 --userns-gid-map 0:200000:65536
  expect all same
}
conf_case fwd_userns_map

c_fwd_no_hosts() {
  class forwarded
  desc "--no-hosts: no /etc/hosts written for RUN (the base image has none)"
  base_cf 'RUN cat /etc/hosts > /hosts 2>/dev/null || echo none > /hosts'
  flags --no-hosts
  too_old_on_431 5.4
}
conf_case fwd_no_hosts

c_fwd_limits() {
  class forwarded
  desc "--ulimit --shm-size --memory --memory-swap --cpu-period --cpu-quota --cpu-shares --cpuset-cpus --cpuset-mems --cgroup-parent"
  base_cf 'RUN ulimit -n > /ulimit && df -k /dev/shm | tail -1 | awk "{print \$2}" > /shm && cd /sys/fs/cgroup && (cat memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes cpu/cpu.cfs_period_us cpu/cpu.cfs_quota_us cpu/cpu.shares cpuset/cpuset.cpus cpuset/cpuset.mems 2>&1; grep -c conformance-parent /proc/self/cgroup) > /cgroup'
  flags --ulimit nofile=512:512 --shm-size 32m --memory 256m --memory-swap 512m --cpu-period 100000 \
    --cpu-quota 50000 --cpu-shares 512 --cpuset-cpus 0 --cpuset-mems 0 --cgroup-parent /conformance-parent
  expect all same
}
conf_case fwd_limits

c_fwd_security() {
  class forwarded
  desc "--security-opt label=disable --security-opt seccomp=unconfined --cap-add --cap-drop --device"
  base_cf "RUN grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|Seccomp|NoNewPrivs):' /proc/self/status > /status && stat -c '%t:%T %F' /dev/x > /devx && id > /id"
  flags --security-opt label=disable --security-opt seccomp=unconfined --cap-add SYS_ADMIN --cap-drop CHOWN \
    --device /dev/null:/dev/x
  expect all same
}
conf_case fwd_security

c_fwd_group_add() {
  class forwarded
  desc "--group-add: supplementary groups of RUN"
  base_cf 'RUN id -G > /groups'
  flags --group-add 1234 --group-add 5678
  too_old_on_431 4.4
}
conf_case fwd_group_add

c_fwd_volume() {
  class forwarded
  desc "--volume HOST:CTR:ro (the host's /etc): visible to RUN, not in the image"
  base_cf 'RUN cat /mnt/hostetc/debian_version > /vol'
  flags --volume /etc:/mnt/hostetc:ro
  too_old_on_431 4.4
}
conf_case fwd_volume

c_fwd_env() {
  class forwarded
  desc "--env K=V (config and RUN) and --unsetenv (a variable of the Containerfile)"
  scratch_cf 'ENV A=1 B=2' 'LABEL x=1'
  flags --env C=3 --env B=override --unsetenv A
  expect all same
}
conf_case fwd_env

c_fwd_env_from_environment() {
  class forwarded
  desc "--env NAME: the value from the client's environment"
  scratch_cf 'LABEL x=1'
  export FROMENV=here
  flags --env FROMENV
  refs local remote
  pass_env FROMENV
  expect all same
  # podman-remote 4.3.1 sends the bare name; the service sets FROMENV= (empty)
  expect 431 remote "differs:podman-remote 4.3.1 does not resolve --env NAME from the client's environment (the image gets FROMENV=); local podman 4.3.1 and podman-remote 5.4.2 do"
  expect_diff remote '"FROMENV="'
}
conf_case fwd_env_from_environment

c_fwd_env_prefix_unset() {
  class forwarded
  desc "--env PREFIX* (every variable with that prefix) and --env NAME with NAME unset (left out)"
  scratch_cf 'LABEL x=1'
  export CONFPFX_ONE=1 CONFPFX_TWO=2
  unset NOT_SET_ANYWHERE
  flags --env 'CONFPFX_*' --env NOT_SET_ANYWHERE
  refs local remote
  pass_env CONFPFX_ONE CONFPFX_TWO
  expect all same
  # these semantics came with buildah 1.30 / podman 4.5 (containers/buildah#4702); podman 4.3.1
  # sets CONFPFX_*= and NOT_SET_ANYWHERE= literally. podman-multiarch resolves --env on the
  # client the way podman >= 4.5 does, whatever the host's version
  expect 431 "differs:podman 4.3.1 predates PREFIX* expansion and leaving unset names out (containers/buildah#4702, podman 4.5): it sets CONFPFX_*= and NOT_SET_ANYWHERE=; podman-multiarch resolves --env like podman >= 4.5"
  expect_diff '"CONFPFX_*="'
}
conf_case fwd_env_prefix_unset

c_fwd_build_context_dir() {
  class forwarded
  desc "--build-context NAME=DIR (a local directory of the client)"
  cf << 'EOF'
FROM scratch
COPY --from=extra . /extra/
COPY main /main
EOF
  echo main > "$CTX/main"
  mkdir -p "$AUX/extra/sub"
  echo one > "$AUX/extra/one"
  echo two > "$AUX/extra/sub/two"
  touch -d @1700000000.6 "$AUX/extra/one"
  flags --build-context "extra=$AUX/extra"
  # podman-remote sends the directory's path, not its content (containers/podman#22621): the
  # 4.3.1 host happens to see the client's paths, the 5.4.2 host (a chroot) does not
  if [[ $V == 431 ]]; then refs local remote; else refs local; fi
  expect all same
}
conf_case fwd_build_context_dir

c_fwd_build_context_image() {
  class forwarded
  desc "--build-context NAME=docker-image://REF with REF absent from the host (pulled with the registry's credentials)"
  cf << 'EOF'
FROM scratch
COPY --from=img /bin/busybox /bb
COPY --from=img /etc/passwd /passwd
EOF
  auth
  flags --build-context "img=docker-image://$ABSENT_IMAGE"
  # absent before each build: both builders must pull it
  around forget_absent forget_absent
  expect all same
}
conf_case fwd_build_context_image

c_fwd_timestamp() {
  class forwarded
  desc "--timestamp: created times and the new layer's file times"
  cf << 'EOF'
FROM scratch
COPY . /dst
WORKDIR /made/by/workdir
LABEL x=1
EOF
  echo a > "$CTX/a"
  touch -d @1700000000.6 "$CTX/a"
  flags --timestamp 1600000000
  cmp_opts --compare-created
  expect all same
}
conf_case fwd_timestamp

two_layer_cf() {
  base_cf 'COPY a /a' 'COPY b /b' 'LABEL x=1'
  echo a > "$CTX/a"
  echo b > "$CTX/b"
}

c_fwd_squash() {
  class forwarded
  desc "--squash: the new layers in one, the base layer kept"
  two_layer_cf
  flags --squash
  expect all same
}
conf_case fwd_squash

c_fwd_squash_all() {
  class forwarded
  desc "--squash-all: one layer"
  two_layer_cf
  flags --squash-all
  expect all same
}
conf_case fwd_squash_all

c_fwd_layers_false() {
  class forwarded
  desc "--layers=false: no intermediate images"
  two_layer_cf
  flags --layers=false
  expect all same
}
conf_case fwd_layers_false

# --no-cache: each builder builds twice, the first time without the flag; with the flag the
# second build must not reuse the first one's layers (a new image ID), as podman's.
nocache_flow() {
  local ref=${REFS[0]} tag w n
  for tag in pma "$ref"; do
    local save_flags=("${FLAGS[@]}")
    FLAGS=()
    if [[ $tag == pma ]]; then
      pma_build "$OUT/warm-pma" --platform "$PLATFORM" "$CTX"
      w=$(pma_id "$OUT/warm-pma")
    else
      ref_build "$ref" "$OUT/warm-$ref.iid" "$OUT/warm-$ref.log" --platform "$PLATFORM" "$CTX"
      w=$(cat "$OUT/warm-$ref.iid" 2> /dev/null)
    fi
    FLAGS=("${save_flags[@]}")
    # keep the warm image while the second build runs: its layers are the cache
    if [[ $tag == pma ]]; then
      pma_build "$OUT/pma" --platform "$PLATFORM" "${FLAGS[@]}" "$CTX"
      PMA_RC=$?
      n=$(pma_id "$OUT/pma")
      ((PMA_RC == 0)) && { host_export "$n" "$OUT/pma.tar" >> "$OUT/pma.err" || PMA_RC=90; }
      echo "${w#sha256:} ${n#sha256:}" > "$OUT/ids-pma"
      host_delete "$n" "$w"
      host_cleanup_logs "$OUT/pma.err" "$OUT/warm-pma.err"
    else
      ref_build "$ref" "$OUT/$ref.iid" "$OUT/$ref.log" --platform "$PLATFORM" "${FLAGS[@]}" "$CTX"
      REF_RC=$?
      n=$(cat "$OUT/$ref.iid" 2> /dev/null)
      ((REF_RC == 0)) && { host_export "$n" "$OUT/$ref.tar" >> "$OUT/$ref.log" || REF_RC=90; }
      echo "${w#sha256:} ${n#sha256:}" > "$OUT/ids-$ref"
      host_delete "$n" "$w"
      host_cleanup_logs "$OUT/$ref.log" "$OUT/warm-$ref.log"
    fi
  done
  judge "$ref" "$ref" pma
  record "$ref" "$OUTCOME" "$DETAIL"
}
check_nocache() {
  local w n who
  for who in "$REF" pma; do
    read -r w n < "$OUT/ids-$who"
    if [[ -z $w || $w == "$n" ]]; then
      echo "$who: the --no-cache build gave the warm build's image ${w:-?} (cache used)"
      return 1
    fi
  done
}
c_fwd_no_cache() {
  class forwarded
  desc "--no-cache after a warm build of the same context: no layer reused"
  printf 'FROM scratch\nCOPY f /f\nLABEL x=1\n' | cf
  echo f > "$CTX/f"
  flags --no-cache
  flow nocache_flow
  check check_nocache
  expect all same
}
conf_case fwd_no_cache

cache_repo() { printf '%s/conformance/cache-%s-%s-%s' "$LAB_REGISTRY" "$1" "$V" "$$"; }
check_cache_pushed() {
  local who repo tags
  for who in ref pma; do
    repo=$(cache_repo "$who")
    tags=$(skopeo list-tags --authfile "$LAB_AUTHFILE" "docker://$repo" 2> /dev/null | jq -r '.Tags | length' 2> /dev/null)
    if [[ -z $tags || $tags == 0 ]]; then
      echo "--cache-to: nothing was pushed to $repo ($who)"
      return 1
    fi
  done
}
drop_cache_repos() {
  local who repo t
  for who in ref pma; do
    repo=$(cache_repo "$who")
    for t in $(skopeo list-tags --authfile "$LAB_AUTHFILE" "docker://$repo" 2> /dev/null | jq -r '.Tags[]?'); do
      skopeo delete --authfile "$LAB_AUTHFILE" "docker://$repo:$t" > /dev/null 2>&1 || true
    done
  done
}
c_fwd_cache_from_to() {
  class forwarded
  desc "--cache-to and --cache-from a registry repository (--layers): layers pushed, image the same"
  base_cf 'COPY a /a' 'RUN echo built > /built'
  echo a > "$CTX/a"
  # one repository per builder, so that neither reuses the other's layers
  ref_flags --layers --cache-to "$(cache_repo ref)" --cache-from "$(cache_repo ref)"
  pma_flags --layers --cache-to "$(cache_repo pma)" --cache-from "$(cache_repo pma)"
  check check_cache_pushed
  cleanup drop_cache_repos
  expect all same
}
conf_case fwd_cache_from_to

c_fwd_cache_from_two() {
  class forwarded
  desc "--cache-from given twice (a list: podman 4.4 or newer)"
  base_cf 'COPY a /a' 'RUN echo built > /built'
  echo a > "$CTX/a"
  ref_flags --layers --cache-from "$(cache_repo ref)" --cache-from "$(cache_repo ref)-2"
  pma_flags --layers --cache-from "$(cache_repo pma)" --cache-from "$(cache_repo pma)-2"
  too_old_on_431 4.4
}
conf_case fwd_cache_from_two

c_fwd_cache_ttl() {
  class forwarded
  desc "--cache-ttl"
  printf 'FROM scratch\nCOPY f /f\nLABEL x=1\n' | cf
  echo f > "$CTX/f"
  flags --cache-ttl 1h
  expect all same
}
conf_case fwd_cache_ttl

c_fwd_http_proxy_default() {
  class forwarded
  desc "http_proxy set here, no --http-proxy flag (default true)"
  base_cf 'RUN echo "http_proxy=$http_proxy HTTPS_PROXY=$HTTPS_PROXY" > /proxy'
  export http_proxy=http://proxy.conformance.invalid:3128 HTTPS_PROXY=http://proxy.conformance.invalid:3129
  expect all same
}
conf_case fwd_http_proxy_default

c_fwd_http_proxy_false() {
  class forwarded
  desc "--http-proxy=false with http_proxy set here"
  base_cf 'RUN echo "http_proxy=$http_proxy HTTPS_PROXY=$HTTPS_PROXY" > /proxy'
  export http_proxy=http://proxy.conformance.invalid:3128 HTTPS_PROXY=http://proxy.conformance.invalid:3129
  flags --http-proxy=false
  expect all same
}
conf_case fwd_http_proxy_false

c_fwd_identity_label() {
  class forwarded
  desc "--identity-label=false: no io.buildah.version label"
  scratch_cf 'LABEL x=1'
  flags --identity-label=false
  expect all same
}
conf_case fwd_identity_label

c_fwd_omit_history() {
  class forwarded
  desc "--omit-history"
  printf 'FROM scratch\nCOPY f /f\nLABEL x=1\n' | cf
  echo f > "$CTX/f"
  flags --omit-history
  expect all same
}
conf_case fwd_omit_history

c_fwd_layer_label() {
  class forwarded
  desc "--layer-label (labels of the intermediate images)"
  printf 'FROM scratch\nCOPY f /f\nLABEL x=1\n' | cf
  echo f > "$CTX/f"
  flags --layer-label conformance.layer=1
  too_old_on_431 4.7
}
conf_case fwd_layer_label

c_fwd_unsetlabel() {
  class forwarded
  desc "--unsetlabel drops a label inherited from the base stage"
  echo f > "$CTX/f"
  cf << 'EOF'
FROM scratch AS base
COPY f /f
LABEL keep=1 drop=2
FROM base
LABEL own=3
EOF
  flags --unsetlabel drop
  too_old_on_431 4.8
}
conf_case fwd_unsetlabel

check_unused_stage_built() {
  grep -qF 'unused=1' "$OUT/$REF_TAG.log" || { echo "premise: podman did not build the unused stage"; return 1; }
  grep -qF 'unused=1' "$OUT/$PMA_TAG.err" || { echo "podman-multiarch's build skipped the unused stage"; return 1; }
}
c_fwd_skip_unused_stages() {
  class forwarded
  desc "--skip-unused-stages=false: the unused stage is built too"
  echo f > "$CTX/f"
  cf << 'EOF'
FROM scratch AS unused
COPY f /unused
LABEL unused=1
FROM scratch AS final
COPY f /f
LABEL final=1
EOF
  flags --skip-unused-stages=false
  check check_unused_stage_built
  expect all same
}
conf_case fwd_skip_unused_stages

c_fwd_from() {
  class forwarded
  desc "--from IMAGE replaces the first FROM; IMAGE absent from the host (credentials for an image the Containerfile does not name)"
  printf 'FROM scratch\nLABEL x=1\n' | cf
  auth
  flags --from "$ABSENT_IMAGE"
  around forget_absent forget_absent
  expect all same
}
conf_case fwd_from

c_fwd_os_feature_version() {
  class forwarded
  desc "--os-feature and --os-version in the config"
  scratch_cf 'LABEL x=1'
  flags --os-feature conformance-feature --os-version 10.0.17763.1
  expect all same
}
conf_case fwd_os_feature_version

multi_stage_cf() {
  cf << 'EOF'
FROM scratch AS first
COPY a /a
LABEL stage=first
FROM scratch AS second
COPY b /b
LABEL stage=second
FROM scratch AS final
COPY --from=first /a /from-first
COPY --from=second /b /from-second
LABEL stage=final
EOF
  echo a > "$CTX/a"
  echo b > "$CTX/b"
}

c_fwd_target() {
  class forwarded
  desc "--target: a middle stage"
  multi_stage_cf
  flags --target second
  expect all same
}
conf_case fwd_target

c_fwd_jobs() {
  class forwarded
  desc "--jobs 2: stages built in parallel, same image"
  multi_stage_cf
  flags --jobs 2
  expect all same
}
conf_case fwd_jobs

c_fwd_format_docker() {
  class forwarded
  desc "--format docker: Docker config (container_config, ONBUILD, HEALTHCHECK, SHELL kept)"
  cf << 'EOF'
FROM scratch
ONBUILD RUN echo later
SHELL ["/bin/ash", "-c"]
HEALTHCHECK --interval=5s CMD ["true"]
STOPSIGNAL SIGINT
COPY f /f
CMD ["run"]
EOF
  echo f > "$CTX/f"
  flags --format docker
  expect all same
}
conf_case fwd_format_docker

c_fwd_isolation_chroot() {
  class forwarded
  desc "--isolation chroot: RUN runs in the machine's PID namespace (PID 1 is the machine's)"
  base_cf 'RUN cat /proc/1/comm > /pid1'
  flags --isolation chroot
  expect all same
}
conf_case fwd_isolation_chroot

c_fwd_cpp_flag() {
  class forwarded
  desc "--cpp-flag with a Containerfile.in (#include, #ifdef); the podman 5.4.2 host has no cpp"
  echo f > "$CTX/f"
  cf Containerfile.in << 'EOF'
FROM scratch
COPY f /f
#include "inc.h"
#ifdef FOO
LABEL foo=defined
#else
LABEL foo=undefined
#endif
EOF
  printf 'LABEL included=yes\n' > "$CTX/inc.h"
  flags -f Containerfile.in --cpp-flag -DFOO
  expect all same
}
conf_case fwd_cpp_flag

c_fwd_compat_volumes() {
  class forwarded
  desc "--compat-volumes: changes to a VOLUME directory by RUN are discarded"
  base_cf 'VOLUME /data' 'RUN echo x > /data/f && echo y > /kept'
  flags --compat-volumes
  too_old_on_431 5.2
}
conf_case fwd_compat_volumes

c_fwd_retry() {
  class forwarded
  desc "--retry --retry-delay (pulls during the build)"
  printf 'FROM %s\nLABEL x=1\n' "$CONF_BASE_IMAGE" | cf
  auth
  flags --retry 5 --retry-delay 1s
  # podman 4.3.1's CLI has --retry too (its remote client drops it): podman-multiarch's own
  # --retry (pushes) keeps its meaning there, the image is the same
  expect all same
}
conf_case fwd_retry

# Options newer than both lab hosts: podman-multiarch must refuse before building.
newer_case() { # NAME VERSION DESC FLAG...
  local name=$1 version=$2 text=$3
  shift 3
  eval "c_$name() {
    class forwarded
    desc $(printf '%q' "$text")
    scratch_cf 'LABEL x=1'
    flags $(printf '%q ' "$@")
    expect all 'refused:needs podman $version'
  }"
  conf_case "$name"
}
newer_case fwd_source_date_epoch 5.6 "--source-date-epoch (newer than both hosts)" --source-date-epoch 1600000000
newer_case fwd_rewrite_timestamp 5.6 "--rewrite-timestamp (newer than both hosts)" --rewrite-timestamp
newer_case fwd_inherit_labels 5.5 "--inherit-labels=false (newer than both hosts)" --inherit-labels=false
newer_case fwd_inherit_annotations 5.6 "--inherit-annotations=false (newer than both hosts)" --inherit-annotations=false
newer_case fwd_created_annotation 5.6 "--created-annotation=false (newer than both hosts)" --created-annotation=false
newer_case fwd_unsetannotation 5.6 "--unsetannotation (newer than both hosts)" --unsetannotation org.opencontainers.image.base.name
newer_case fwd_sbom 5.7 "--sbom-scanner-image (newer than both hosts)" --sbom-scanner-image localhost/scanner --sbom-image-output /sbom.json

# --secret: RUN --mount=type=secret records a hash; the secret's bytes must be in no layer
check_secret_absent() { # podman-multiarch's image only (podman-remote's own leaks are its business)
  local out rc
  out=$(python3 "$CONF_HERE/compare.py" --absent-file "$AUX/secret-file" --absent-file "$AUX/secret-env" \
    --names "pma,pma" "$OUT/$PMA_TAG.tar" "$OUT/$PMA_TAG.tar" 2>&1)
  rc=$?
  if grep -q '^secret ' <<< "$out"; then
    grep '^secret ' <<< "$out"
    return 1
  fi
  ((rc != 2)) || { echo "$out"; return 1; }
}
c_fwd_secret() {
  class forwarded
  desc "--secret id=…,src=FILE and id=…,env=VAR: RUN --mount=type=secret sees them, no layer has them (COPY . included)"
  base_cf 'COPY . /ctx' 'RUN --mount=type=secret,id=filesecret --mount=type=secret,id=envsecret sha256sum /run/secrets/filesecret /run/secrets/envsecret > /secrets.sha256'
  echo ctx > "$CTX/ctx-file"
  printf 'conformance-file-secret-%s-%s' "$V" "$RANDOM$RANDOM" > "$AUX/secret-file"
  export CONF_SECRET_ENV="conformance-env-secret-$V-$RANDOM$RANDOM"
  printf '%s' "$CONF_SECRET_ENV" > "$AUX/secret-env"
  flags --secret "id=filesecret,src=$AUX/secret-file" --secret id=envsecret,env=CONF_SECRET_ENV
  check check_secret_absent
  pass_env CONF_SECRET_ENV
  refs local remote
  expect all local same
  # podman-remote tars the secret file into the uploaded context under its absolute path
  # (COPY . copies it into the image) and drops env= secrets (the RUN step sees an empty file)
  expect all remote "differs:podman-remote uploads a --secret file into the context under its absolute host path, so COPY . copies the secret into the image (containers/podman#28334); env= secrets arrive empty (containers/podman#27494)"
  expect_diff remote "podman-build-secret"
}
conf_case fwd_secret

c_fwd_secret_no_copy() {
  class forwarded
  desc "--secret id=…,src=FILE and id=…,env=VAR without COPY .: the RUN step's view of both secrets"
  base_cf 'RUN --mount=type=secret,id=filesecret --mount=type=secret,id=envsecret sha256sum /run/secrets/filesecret /run/secrets/envsecret > /secrets.sha256'
  printf 'conformance-file-secret-%s-%s' "$V" "$RANDOM$RANDOM" > "$AUX/secret-file"
  export CONF_SECRET_ENV="conformance-env-secret-$V-$RANDOM$RANDOM"
  printf '%s' "$CONF_SECRET_ENV" > "$AUX/secret-env"
  flags --secret "id=filesecret,src=$AUX/secret-file" --secret id=envsecret,env=CONF_SECRET_ENV
  check check_secret_absent
  pass_env CONF_SECRET_ENV
  refs local remote
  expect all local same
  # podman-remote sends the variable's name; the service looks it up in its own environment
  expect all remote "differs:podman-remote passes env= secrets by name, so RUN sees an empty secret (containers/podman#27494, fixed by containers/podman#27602)"
  expect_diff remote "file secrets.sha256: sha256"
}
conf_case fwd_secret_no_copy
