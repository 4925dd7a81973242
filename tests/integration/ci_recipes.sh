# The CI recipes of examples/ci, run against the lab: their own steps, unchanged,
# by tests/integration/ci_runner.py, which plays the CI service and the runners
# (matrix, expressions, GITHUB_ENV, artifacts, GitLab stages and file variables).
# Each runner's podman is a lab host's socket; the remote build hosts are lab
# sockets reached over SSH (sshd, its host key pinned from a "secret"). The app is
# examples/moo-chop. Registry checks use skopeo, not podman-multiarch.
require_lab
repo=$LAB_REGISTRY/lab/ci-$$-$RANDOM
ssh_url() { echo "ssh://$LAB_SSH_USER@127.0.0.1:$LAB_SSH_PORT$1"; }
all="linux/amd64 linux/arm64/v8 linux/ppc64le linux/s390x " # as registry_platforms spells them
# ci SERVICE RECIPE REF [ci_runner options…] — run a recipe; $T/ci holds the results.
ci() {
  local service=$1 recipe=$2 ref=$3
  shift 3
  rm -rf "$T/ci"
  mkdir -p "$T/ci"
  python3 "$PMA_SOURCE_ROOT/tests/integration/ci_runner.py" "$service" "$PMA_SOURCE_ROOT/examples/ci/$recipe" \
    --work "$T/ci" --checkout "$PMA_SOURCE_ROOT/examples/moo-chop" --bin "$PMA_BIN" --ref "$ref" \
    --var "IMAGE=$repo/app" \
    --var "BUILD_HOST_PPC64LE=$(ssh_url "$LAB_SOCK_ppc64le")" --var "BUILD_HOST_S390X=$(ssh_url "$LAB_SOCK_s390x")" \
    "$@" >"$T/out" 2>"$T/err"
  RC=$?
  echo "  \$ ci_runner.py $service $recipe $ref $* → $RC"
  if [[ -n ${PMA_TRANSCRIPTS:-} ]]; then
    cat "$T/out" "$T/err" >>"$PMA_TRANSCRIPTS/$(basename "${PMA_SCENARIO:-unknown}" .sh).log"
  fi
}
github() {
  ci github github-actions.yml "$@" \
    --runner "ubuntu-24.04=$LAB_SOCK_amd64" --runner "ubuntu-24.04-arm=$LAB_SOCK_arm64" \
    --secret "REGISTRY_AUTH_JSON=@$LAB_AUTHFILE" --secret "BUILD_HOST_SSH_KEY=@$LAB_SSH_KEY" \
    --secret "BUILD_HOST_KNOWN_HOSTS=@$LAB_KNOWN_HOSTS"
}
gitlab() {
  ci gitlab gitlab-ci.yml "$@" \
    --runner "amd64=$LAB_SOCK_amd64" --runner "arm64=$LAB_SOCK_arm64" \
    --file-var "REGISTRY_AUTH_FILE=$LAB_AUTHFILE" --file-var "BUILD_HOST_SSH_KEY=$LAB_SSH_KEY" \
    --file-var "BUILD_HOST_KNOWN_HOSTS=$LAB_KNOWN_HOSTS"
}
# job_result NAME → success, failed or skipped
job_result() { jq -r --arg j "$1" '.[$j] // "absent"' "$T/ci/results.json"; }
# published REF — the tag serves one image per platform, each the one a fragment names
# and of its platform by its configuration.
published() {
  local ref=$1 fragments entry platform digest
  [[ $(registry_platforms "$ref") == "$all" ]] || fail "$ref serves: $(registry_platforms "$ref")"
  fragments=$(find "$T/ci/artifacts" -name 'fragment-*.json' | sort)
  [[ $(wc -l <<<"$fragments") == 4 ]] || fail "fragments: $fragments"
  # shellcheck disable=SC2086
  for entry in $(jq -r '.targets[0].images[] | .platform + "=" + .digest' $fragments); do
    platform=${entry%=*} digest=${entry#*=}
    registry_raw "$ref" | jq -e --arg p "$platform" --arg d "$digest" \
      '[.manifests[] | select(.digest == $d and ([.platform.os, .platform.architecture, .platform.variant // empty] | join("/")) == $p)]
       | length == 1' \
      >/dev/null || fail "$ref lacks $platform at $digest"
    [[ $(config_arch "$repo/app@$digest") == "$(cut -d/ -f1-2 <<<"$platform")" ]] ||
      fail "$digest is $(config_arch "$repo/app@$digest")"
  done
}

TEST "GitHub Actions: four native runners (two over SSH) build, publish merges, checked"
github v1.4
expect_rc 0
for job in "build linux/amd64" "build linux/arm64" "build linux/ppc64le" "build linux/s390x" publish; do
  [[ $(job_result "$job") == success ]] || fail "job $job: $(job_result "$job")"
done
expect_out "runner set-up, provided by the lab"
# Plain progress inside GitHub Actions: each platform's lines in one collapsible group.
grep -q '^\[build linux/s390x\] ::group::\[linux/s390x@.*\] done: sha256:' "$T/out" || fail "no ::group:: for s390x"
grep -q '^\[build linux/s390x\] ::endgroup::$' "$T/out" || fail "no ::endgroup::"
published "$repo/app:v1.4"
# The remote rows went over SSH, with the host key the secret pinned.
jq -e '.targets[0].images[0].host | test("127.0.0.1:'"$LAB_SSH_PORT"'")' "$T/ci/artifacts/fragment-s390x/fragment-s390x.json" \
  >/dev/null || fail "s390x fragment host: $(jq -c '.targets[0].images' "$T/ci/artifacts/fragment-s390x/fragment-s390x.json")"
jq -e --arg d "$(registry_digest "$repo/app:v1.4")" '.exitCode == 0 and .targets[0].indexDigest == $d and .targets[0].verified' \
  "$T/ci/artifacts/release-metadata/metadata.json" >/dev/null ||
  fail "metadata: $(cat "$T/ci/artifacts/release-metadata/metadata.json")"

TEST "GitHub Actions: the arm64 runner never ran → publish refuses, exit 4, no tag"
github v1.5 --skip arch=arm64
expect_rc 1
[[ $(job_result publish) == failed ]] || fail "publish: $(job_result publish)"
grep -q '^\[publish\] ::error title=podman-multiarch::' "$T/out" || fail "the failure is no ::error annotation"
[[ $(job_result "build linux/arm64") == absent ]] || fail "the arm64 job ran"
expect_out "exit status 4"
registry_raw "$repo/app:v1.5" >/dev/null 2>&1 && fail "v1.5 was published"
jq -e '.exitCode == 4' "$T/ci/artifacts/release-metadata/metadata.json" >/dev/null ||
  fail "metadata: $(cat "$T/ci/artifacts/release-metadata/metadata.json")"

TEST "GitLab CI: the same release from the parallel matrix, artifacts between stages"
gitlab v2.0
expect_rc 0
[[ $(job_result build) == success && $(job_result publish) == success ]] || fail "results: $(cat "$T/ci/results.json")"
# Plain progress inside GitLab CI: each platform's lines in a collapsed section.
# (the runner splits lines at the section marker's \r, as Python reads text)
grep -qa 'section_start:[0-9]*:podman_multiarch_1\[collapsed=true\]' "$T/out" || fail "no GitLab section"
grep -qa 'section_end:[0-9]*:podman_multiarch_1' "$T/out" || fail "no section end"
published "$repo/app:v2.0"
[[ -s $T/ci/artifacts/publish/metadata.json ]] || fail "no metadata artifact"
