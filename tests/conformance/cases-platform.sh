# shellcheck shell=bash
# Class 5: per-platform values, which only podman-multiarch has. One podman-multiarch run
# builds linux/amd64 and linux/arm64 on the version's host (--emulation always); each
# platform's image is compared with podman building that platform with the plain options
# the per-platform ones stand for.

plat_cf() {
  # the default target is the last stage (main); "other" is there for --platform-target
  cf << 'EOF'
FROM scratch AS other
COPY f /f
ARG V=default
ARG TARGETPLATFORM
LABEL file=Containerfile stage=other v=$V p=$TARGETPLATFORM
FROM scratch AS main
COPY f /f
ARG V=default
ARG TARGETPLATFORM
LABEL file=Containerfile stage=main v=$V p=$TARGETPLATFORM
EOF
  cf Containerfile.arm << 'EOF'
FROM scratch AS other
COPY f /f
ARG V=default
ARG TARGETPLATFORM
LABEL file=Containerfile.arm stage=other v=$V p=$TARGETPLATFORM
FROM scratch AS main
COPY f /f
ARG V=default
ARG TARGETPLATFORM
LABEL file=Containerfile.arm stage=main v=$V p=$TARGETPLATFORM
EOF
  echo f > "$CTX/f"
  platform ""
  PLAT_FLAGS=() REF_AMD64=() REF_ARM64=()
  flow plat_flow
}

plat_flow() {
  local base=$CASE_NAME plats=(linux/amd64 linux/arm64) p
  # shellcheck disable=SC2054 # one --platform value with a comma list
  local pma_args=(--platform linux/amd64,linux/arm64 --emulation always "${PLAT_FLAGS[@]}")
  # the plan first: both platforms on this version's host
  (cd "$CTX" && "$PMA_BIN" build --config "$LAB_CONFIG" --host "$HOST" --no-push --dry-run "${pma_args[@]}" \
    --authfile "$LAB_AUTHFILE" "$CTX") > "$OUT/dry-run.out" 2> "$OUT/dry-run.err"
  local dry_rc=$?
  if ((dry_rc != 0)) || [[ $(grep -cE "^linux/(amd64|arm64)[^ ]* +$HOST " "$OUT/dry-run.out") != 2 ]]; then
    for p in "${plats[@]}"; do
      CASE_NAME="${base}[$p]"
      if ((dry_rc == 2)) && grep -q 'unknown option\|needs podman' "$OUT/dry-run.err"; then
        cp "$OUT/dry-run.err" "$OUT/pma.err"
        record remote refused "$(first_error "$OUT/dry-run.err")"
      else
        record remote error "--dry-run (exit $dry_rc) does not plan both platforms on $HOST: $(tr '\n' ' ' < "$OUT/dry-run.out" | head -c 300) $(first_error "$OUT/dry-run.err")"
      fi
    done
    return
  fi
  pma_build "$OUT/pma" "${pma_args[@]}" "$CTX"
  local rc=$?
  local ids=() id
  for p in "${plats[@]}"; do
    id=$(pma_id "$OUT/pma" "$p")
    ids+=("$id")
    if ((rc == 0)) && [[ -n $id ]]; then
      host_export "$id" "$OUT/pma-${p##*/}.tar" >> "$OUT/pma.err"
    fi
  done
  host_delete "${ids[@]}"
  host_cleanup_logs "$OUT/pma.err"
  for p in "${plats[@]}"; do
    local a=${p##*/} refargs
    CASE_NAME="${base}[$p]"
    if [[ $a == amd64 ]]; then refargs=("${REF_AMD64[@]}"); else refargs=("${REF_ARM64[@]}"); fi
    PMA_RC=$rc
    [[ -s $OUT/pma-$a.tar ]] || ((PMA_RC != 0)) || PMA_RC=91
    cp "$OUT/pma.err" "$OUT/pma-$a.err"
    rm -f "$OUT/remote-$a.iid"
    ref_build remote "$OUT/remote-$a.iid" "$OUT/remote-$a.log" --platform "$p" "${refargs[@]}" "$CTX"
    REF_RC=$?
    id=$(cat "$OUT/remote-$a.iid" 2> /dev/null)
    ((REF_RC == 0)) && { host_export "$id" "$OUT/remote-$a.tar" >> "$OUT/remote-$a.log" || REF_RC=90; }
    host_delete "$id"
    host_cleanup_logs "$OUT/remote-$a.log"
    if ((PMA_RC == 2)) && pma_refused pma; then
      record remote refused "$(first_error "$OUT/pma.err")"
      continue
    fi
    # one podman-multiarch run built two platforms: its log has both builds' images
    local save_check=$CHECK_FN
    judge remote "remote-$a" "pma-$a"
    DETAIL=$(sed '/^intermediate images committed/d' <<< "$DETAIL")
    [[ $OUTCOME == different && -z $DETAIL ]] && OUTCOME=same
    CHECK_FN=$save_check
    record remote "$OUTCOME" "$DETAIL"
  done
  CASE_NAME=$base
}

c_plat_all() {
  class per-platform
  desc "--platform-build-arg, --platform-target and --platform-file for linux/arm64 in one run"
  plat_cf
  PLAT_FLAGS=(--platform-build-arg linux/arm64:V=arm --platform-target linux/arm64:other
    --platform-file linux/arm64:Containerfile.arm)
  REF_ARM64=(-f Containerfile.arm --build-arg V=arm --target other)
  expect all same
}
conf_case plat_all

c_plat_build_arg() {
  class per-platform
  desc "--platform-build-arg linux/arm64:V=arm (and a plain --build-arg V=all for the others)"
  plat_cf
  PLAT_FLAGS=(--build-arg V=all --platform-build-arg linux/arm64:V=arm)
  REF_AMD64=(--build-arg V=all)
  REF_ARM64=(--build-arg V=arm)
  expect all same
}
conf_case plat_build_arg

c_plat_target() {
  class per-platform
  desc "--platform-target linux/arm64:other"
  plat_cf
  PLAT_FLAGS=(--platform-target linux/arm64:other)
  REF_ARM64=(--target other)
  expect all same
}
conf_case plat_target

c_plat_file() {
  class per-platform
  desc "--platform-file linux/arm64:Containerfile.arm"
  plat_cf
  PLAT_FLAGS=(--platform-file linux/arm64:Containerfile.arm)
  REF_ARM64=(-f Containerfile.arm)
  expect all same
}
conf_case plat_file
