# Emulated builds that crash: a RUN step whose process qemu-user kills with
# SIGSEGV is built again (once by default), a build that failed by itself
# never is. tests/integration/contexts/emulator-crash crashes exactly once
# per CRASH_KEY under emulation. Rows go to $PMA_BUILD_ROOT/reliability/emulation.md.
require_lab
repo=$LAB_REGISTRY/it-emulation-$$-$RANDOM
crash_ctx=$PMA_SOURCE_ROOT/tests/integration/contexts/emulator-crash
mkdir -p "$T/false"
printf 'FROM %s\nRUN echo failing by itself; false\n' "$LAB_BASE_IMAGE" >"$T/false/Containerfile"
reliability_section emulation "Emulated builds that crash" "linux/s390x is built on the lab's amd64 host \
(podman 4.3.1) under qemu-user, next to linux/amd64 built natively there; \`tests/integration/contexts/emulator-crash\` \
makes its RUN step crash with SIGSEGV under emulation exactly once."
# crash_build KEY ARGS… — builds the crash-once context for amd64 and s390x on host amd64.
crash_build() {
  local key=$1
  shift
  pma build --config "$LAB_CONFIG" --host amd64 --platform linux/amd64,linux/s390x --authfile "$LAB_AUTHFILE" \
    --build-arg BASE="$LAB_BASE_IMAGE" --build-arg CRASH_KEY="$key-$$-$RANDOM" --progress plain \
    --metadata-file "$T/meta.json" -t "$repo/app:$key" "$@" "$crash_ctx"
}

TEST "a RUN step that qemu crashes once is built again, and published"
crash_build once
expect_rc 0
expect_err "qemu: uncaught target signal 11 (Segmentation fault)"
expect_err "linux/s390x: RUN step killed by SIGSEGV under qemu emulation on host amd64; building it again (1/1)"
[[ $(jq -c '[.platforms[] | .retriedAfterEmulatorCrash]' "$T/meta.json") == '[0,1]' ]] ||
  fail "retriedAfterEmulatorCrash: $(jq -c '[.platforms[] | .retriedAfterEmulatorCrash]' "$T/meta.json")"
reliability_row "qemu-user crashes a RUN step (SIGSEGV) once" "built again on the same host, published; exit 0; \
\`retriedAfterEmulatorCrash\` 1" "exit $RC; retriedAfterEmulatorCrash $(jq -c '[.platforms[] | .retriedAfterEmulatorCrash]' "$T/meta.json") (amd64, s390x)"

TEST "--emulator-crash-retries 0: the crash fails the platform"
crash_build none --emulator-crash-retries 0
expect_rc 4
expect_no_err "building it again"
expect_err "exit status 139"
reliability_row "the same with \`--emulator-crash-retries 0\`" "not built again; exit 4" "exit $RC"

TEST "a build that fails by itself under emulation is not built again"
pma build --config "$LAB_CONFIG" --host amd64 --platform linux/s390x --authfile "$LAB_AUTHFILE" --progress plain \
  -t "$repo/app:false" "$T/false"
expect_rc 4
expect_no_err "building it again"
reliability_row "\`RUN false\` under emulation" "not built again; exit 4" "exit $RC; $(grep -c 'STEP 2/2' "$T/err") attempt(s)"
