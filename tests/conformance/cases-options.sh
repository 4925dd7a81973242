# shellcheck shell=bash
# Class 3: build options with their own semantics in podman-multiarch (build args, platform,
# labels, annotations, pull policy, the instructions that only change the config).

c_opt_build_arg_unset() {
  class options
  desc "--build-arg KEY with KEY unset here: the ARG default applies"
  scratch_cf 'ARG KEY=default-value' 'ARG OTHER' 'LABEL key=$KEY other=${OTHER:-unset}'
  unset KEY OTHER
  flags --build-arg KEY --build-arg OTHER
  expect all same
}
conf_case opt_build_arg_unset

c_opt_build_arg_env() {
  class options
  desc "--build-arg KEY with KEY set here; --build-arg EMPTY= (an empty value)"
  scratch_cf 'ARG KEY=default-value' 'ARG EMPTY=default-empty' 'LABEL key=$KEY empty=$EMPTY'
  export KEY="from the environment"
  flags --build-arg KEY --build-arg EMPTY=
  expect all same
}
conf_case opt_build_arg_env

c_opt_build_arg_file() {
  class options
  desc "--build-arg-file: comments, blank lines, a value with spaces and '=', KEY from the environment; --build-arg overrides it"
  # (not C, D or W: lab_podman5 sets those for its own shell)
  scratch_cf 'ARG A=a0' 'ARG B=b0' 'ARG CONF_E=e0' 'ARG F=f0' 'LABEL a=$A b=$B e=$CONF_E f=$F'
  printf '# a comment\n\nA=1\nB=two words=and more\n  CONF_E\nF=file\n' > "$AUX/args"
  export CONF_E=from-env
  flags --build-arg-file "$AUX/args" --build-arg F=flag
  # podman 4.3.1 has no --build-arg-file: the reference gets the same values as --build-arg
  if [[ $V == 431 ]]; then
    ref_flags --build-arg A=1 --build-arg "B=two words=and more" --build-arg CONF_E=from-env --build-arg F=flag
  fi
  expect all same
}
conf_case opt_build_arg_file

c_opt_platform_arm64() {
  class options
  desc "--platform linux/arm64: TARGETPLATFORM linux/arm64, TARGETVARIANT empty, config without variant (as podman)"
  scratch_cf 'ARG TARGETPLATFORM' 'ARG TARGETOS' 'ARG TARGETARCH' 'ARG TARGETVARIANT' \
    'LABEL p=$TARGETPLATFORM o=$TARGETOS a=$TARGETARCH v=$TARGETVARIANT'
  platform linux/arm64
  expect all same
}
conf_case opt_platform_arm64

c_opt_arch_variant_flags() {
  class options
  desc "--arch arm64 --variant v8 instead of --platform"
  scratch_cf 'ARG TARGETPLATFORM' 'ARG TARGETVARIANT' 'LABEL p=$TARGETPLATFORM v=$TARGETVARIANT'
  platform ""
  flags --arch arm64 --variant v8
  refs local remote
  # podman 4.3.1 (buildah 1.28) sets the image's architecture and variant from --arch/--variant
  # but leaves TARGETPLATFORM/TARGETVARIANT at the build host's (fixed in buildah 1.36,
  # containers/buildah#5476: local podman 5.4.2 gives linux/arm64/v8 and v8, as podman-multiarch)
  expect 431 "differs:podman 4.3.1 does not derive TARGETPLATFORM/TARGETVARIANT from --arch/--variant (containers/buildah#5476, fixed in podman 5.1)"
  expect_diff '"p": "linux/amd64"'
  expect 542 local same
  # podman-remote 5.4.2 turns --arch arm64 --variant v8 (no --os) into the platform "arm64/v8":
  # os arm64, architecture v8
  expect 542 remote "differs:podman-remote 5.4.2 sends --arch/--variant without --os as platform arm64/v8, so the image gets os arm64 and architecture v8 (local podman 5.4.2: linux/arm64/v8)"
  [[ $V == 542 ]] && expect_diff remote 'config.os: podman-remote "arm64"'
  return 0
}
conf_case opt_arch_variant_flags

check_timestamp_zero_twice() {
  [[ $REF == remote ]] || return 0
  local ids=() i id args
  if ((PMA_FLAGS_SET)); then args=("${PMA_FLAGS[@]}"); else args=("${FLAGS[@]}"); fi
  for i in 1 2; do
    pma_build "$OUT/ts$i" --platform "$PLATFORM" "${args[@]}" --timestamp 0 "$CTX"
    id=$(pma_id "$OUT/ts$i")
    host_delete "$id"
    host_cleanup_logs "$OUT/ts$i.err"
    ids+=("${id:-none}")
  done
  if [[ ${ids[0]} == none || ${ids[0]} != "${ids[1]}" ]]; then
    echo "podman-multiarch --timestamp 0 twice: image IDs ${ids[0]} and ${ids[1]} (same inputs must give the same image)"
    return 1
  fi
}

c_opt_labels() {
  class options
  desc "--label b=2 --label a=1 --label novalue (order, empty value, overriding a LABEL); --timestamp 0 twice gives one image ID"
  cf << 'EOF'
FROM scratch
LABEL z=first a=from-file
COPY f /f
EOF
  echo f > "$CTX/f"
  flags --label b=2 --label a=1 --label novalue
  check check_timestamp_zero_twice
  expect all same
}
conf_case opt_labels

c_opt_annotation_colon() {
  class options
  desc "--annotation com.example:key=v (a key with ':') and a plain one"
  scratch_cf 'LABEL x=1'
  flags --annotation com.example:key=v --annotation plain=1
  expect all same
}
conf_case opt_annotation_colon

c_opt_config_instructions() {
  class options
  desc "instructions that only change the config: ENV, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, ONBUILD, LABEL, MAINTAINER, SHELL, HEALTHCHECK (OCI format)"
  echo f > "$CTX/f"
  cf << 'EOF'
FROM scratch
COPY f /f
MAINTAINER conformance <c@example.test>
ENV A=1 B="two words"
ENV C=$A-x
WORKDIR /work/dir
USER 1000:1000
EXPOSE 8080/tcp 53/udp 9000
VOLUME ["/data", "/cache"]
STOPSIGNAL SIGINT
ONBUILD RUN echo later
SHELL ["/bin/ash", "-c"]
HEALTHCHECK --interval=5s CMD ["true"]
ENTRYPOINT ["/bin/app", "--flag"]
CMD ["arg1", "arg 2"]
LABEL multi="line one" other=2
EOF
  expect all same
}
conf_case opt_config_instructions

# forget_absent: remove this run's copy of the base image ($ABSENT_IMAGE) from the host by
# name (an image that also has other names only loses this one)
forget_absent() {
  curl -sS --max-time 30 -X DELETE --unix-socket "$SOCK" "http://d/v4.0.0/libpod/images/$ABSENT_IMAGE" > /dev/null 2>&1 || true
}
# --pull=false with a base image no host has: podman 4.3.1 reads false as "missing" and pulls,
# podman 5.4.2 as "never" and fails; podman-multiarch must do what each does.
check_pull_false() { # both failed (5.4.2) is judged by judge(); here: both pulled (4.3.1)
  grep -q "$ABSENT_IMAGE" "$OUT/$REF_TAG.log" || { echo "podman did not mention pulling $ABSENT_IMAGE"; return 1; }
}
c_opt_pull_false() {
  class options
  desc "--pull=false with a base image the host lacks: 4.3.1 pulls it, 5.4.2 refuses"
  printf 'FROM %s\nLABEL x=1\n' "$ABSENT_IMAGE" | cf
  auth
  flags --pull=false
  around forget_absent forget_absent
  check check_pull_false
  expect all same
}
conf_case opt_pull_false

c_opt_pull_always() {
  class options
  desc "--pull=always with the base image present (pulled again)"
  printf 'FROM %s\nLABEL x=1\n' "$CONF_BASE_IMAGE" | cf
  auth
  flags --pull=always
  expect all same
}
conf_case opt_pull_always

check_no_unconsumed_warning() {
  local w="one or more build args were not consumed"
  if grep -qF "$w" "$OUT/$PMA_TAG.err"; then
    echo "podman-multiarch's output has podman's '[Warning] $w' line"
    return 1
  fi
  if [[ $V == 431 ]] && ! grep -qF "$w" "$OUT/$REF_TAG.log"; then
    echo "premise: podman 4.3.1's own output should have the warning"
    return 1
  fi
}
c_opt_unconsumed_warning() {
  class options
  desc "--platform linux/amd64 on a Containerfile without ARG TARGETARCH: podman 4.3.1 warns that build args were not consumed; podman-multiarch must not"
  scratch_cf 'LABEL x=1'
  check check_no_unconsumed_warning
  expect all same
}
conf_case opt_unconsumed_warning

c_opt_whiteouts() {
  class options
  desc "files and a directory's content deleted by RUN: whiteouts and an opaque directory in the new layer"
  base_cf 'RUN rm /bin/ls /etc/group && rm -rf /root && mkdir /root && echo new > /root/new'
  expect all same
}
conf_case opt_whiteouts
