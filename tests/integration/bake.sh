# podman-multiarch bake against the real lab: a release of several targets
# for the lab's 4 platforms (unix + ssh, podman 4.3.1 and 5.4.2), with a
# target built FROM another. Every check reads the registry with skopeo.
require_lab
repo=$LAB_REGISTRY/it-bake-$$-$RANDOM
rel=$T/release
mkdir -p "$rel/base" "$rel/app" "$rel/tools" "$rel/extras"
cat >"$rel/base/Containerfile" <<CF
FROM $LAB_BASE_IMAGE
ARG FAIL_ON=none
RUN uname -m > /base-arch && [ "\$(uname -m)" != "\$FAIL_ON" ] && date +%s%N > /base-stamp
CF
cat >"$rel/app/Containerfile" <<CF
FROM base
RUN cat /base-arch > /app-saw-base
CF
cat >"$rel/tools/Containerfile" <<CF
FROM $LAB_BASE_IMAGE
ARG VARIANT
RUN echo "\$VARIANT" > /variant
CF
cat >"$rel/extras/Containerfile" <<CF
FROM $LAB_BASE_IMAGE
ARG FAIL_ON=none
RUN [ "\$(uname -m)" != "\$FAIL_ON" ]
CF
cat >"$rel/podman-multiarch.bake.yaml" <<YAML
variables:
  REPO: $repo
  TAG: "1"
  BASE_FAIL_ON: none
  EXTRAS_FAIL_ON: none
groups:
  default: [app, tools, extras]
targets:
  base:
    context: base
    args: {FAIL_ON: "\${BASE_FAIL_ON}"}
    tags: ["\${REPO}/base:\${TAG}"]
  app:
    context: app
    contexts: {base: "target:base"}
    tags: ["\${REPO}/app:\${TAG}"]
  tools:
    matrix: {variant: [slim, full]}
    context: tools
    args: {VARIANT: "\${variant}"}
    tags: ["\${REPO}/tools:\${TAG}-\${variant}"]
  extras:
    context: extras
    required: false
    args: {FAIL_ON: "\${EXTRAS_FAIL_ON}"}
    tags: ["\${REPO}/extras:\${TAG}"]
YAML
bake() { pma bake -f "$rel/podman-multiarch.bake.yaml" --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain "$@"; }
all4="linux/amd64 linux/arm64/v8 linux/ppc64le linux/s390x "
# layers REF@DIGEST → the image's layer digests, one per line
layers() { registry_raw "$1" | jq -r '.layers[].digest'; }

TEST "a release of 5 targets × 4 platforms: every list right, app built FROM this run's base"
start=$(date +%s)
TAG=1 bake --metadata-file "$T/meta.json"
expect_rc 0
for image in base:1 app:1 tools:1-slim tools:1-full extras:1; do
  [[ $(registry_platforms "$repo/$image") == "$all4" ]] || fail "$image serves: $(registry_platforms "$repo/$image")"
done
# Per platform: app's layers start with exactly the layers of the base image this run pushed.
for entry in $(registry_raw "$repo/base:1" | jq -r '.manifests[] | .digest + "=" + .platform.architecture'); do
  base_digest=${entry%%=*} arch=${entry#*=}
  app_digest=$(registry_raw "$repo/app:1" | jq -r --arg a "$arch" '.manifests[] | select(.platform.architecture == $a) | .digest')
  base_layers=$(layers "$repo/base@$base_digest")
  app_layers=$(layers "$repo/app@$app_digest" | head -n "$(wc -l <<<"$base_layers")")
  [[ -n $base_layers && $base_layers == "$app_layers" ]] || fail "$arch: app is not built on this run's base image"
done
jq -e '(.targets | length) == 5' "$T/meta.json" >/dev/null || fail "metadata: $(head -c 2000 "$T/meta.json")"
expect_err "[app linux/s390x@"
[[ $(run_names_since "$start") == 0 ]] || fail "names of the run left on the hosts: $(run_names_since "$start")"

TEST "a required target that fails on one platform: nothing published, no tag moved (exit 4)"
start=$(date +%s)
before=$(registry_digest "$repo/app:1")
BASE_FAIL_ON=s390x TAG=2 bake
expect_rc 4
expect_err "base"
for image in base:2 app:2 tools:2-slim tools:2-full extras:2; do
  registry_raw "$repo/$image" >/dev/null 2>&1 && fail "$image was published"
done
[[ $(registry_digest "$repo/app:1") == "$before" ]] || fail "app:1 changed"
[[ $(run_names_since "$start") == 0 ]] || fail "names of the run left on the hosts: $(run_names_since "$start")"

TEST "an optional target that fails is left out; the rest is published (exit 3)"
EXTRAS_FAIL_ON=aarch64 TAG=3 bake
expect_rc 3
expect_err "extras"
for image in base:3 app:3 tools:3-slim tools:3-full; do
  [[ $(registry_platforms "$repo/$image") == "$all4" ]] || fail "$image serves: $(registry_platforms "$repo/$image")"
done
registry_raw "$repo/extras:3" >/dev/null 2>&1 && fail "the failed optional target was published"

TEST "--dry-run prints every job with its host and what it waits for, and builds nothing"
start=$(date +%s)
TAG=4 bake --dry-run
expect_rc 0
expect_out "app"
expect_out "base linux/s390x"
[[ $(images_created_since "$start") == "0 0 0 0 " ]] || fail "a dry run built something"

TEST "a host that dies mid-release hands its jobs to another; the release is published (exit 0)"
# a1 resets every build stream (the host dies mid-build); b1 is the same platform's other host.
proxy a1 amd64 "POST /build reset-response 400"
TAG=5 pma bake -f "$rel/podman-multiarch.bake.yaml" --authfile "$LAB_AUTHFILE" --progress plain \
  --host "linux/amd64@a1=unix://$T/a1.sock" --host "linux/amd64@b1=unix://$LAB_SOCK_amd64" \
  --set '*.platforms=linux/amd64' --no-cache app
expect_rc 0
expect_err "building it on b1 (declared) instead"
expect_err "app linux/amd64: a1 failed during this run; building on b1"
for image in base:5 app:5; do
  [[ $(registry_platforms "$repo/$image") == "linux/amd64 " ]] || fail "$image serves: $(registry_platforms "$repo/$image")"
done
stop_proxies

TEST "a compose file from a real project (awesome-compose's react-java-mysql) builds as it is"
# The compose file as tests/integration/bake_files.sh has it; only the Dockerfiles'
# base images are the lab's, and the tags go to the lab registry (--set).
proj=$T/react-java-mysql
mkdir -p "$proj/backend" "$proj/frontend" "$proj/db"
sed -n '/^cat >"$app\/compose.yaml" <<.EOF.$/,/^EOF$/p' "$PMA_SOURCE_ROOT/tests/integration/bake_files.sh" |
  sed '1d;$d' >"$proj/compose.yaml"
printf 'FROM %s AS builder\nRUN echo jar > /app.jar\nFROM %s\nCOPY --from=builder /app.jar /app.jar\n' \
  "$LAB_BASE_IMAGE" "$LAB_BASE_IMAGE" >"$proj/backend/Dockerfile"
printf 'FROM %s AS development\nRUN --mount=type=secret,id=db-password test -s /run/secrets/db-password\nFROM development AS production\n' \
  "$LAB_BASE_IMAGE" >"$proj/frontend/Dockerfile"
printf 'secret\n' >"$proj/db/password.txt"
printf 'IMAGE_TAG=1.4\n' >"$proj/.env"
grep -q "target: development" "$proj/compose.yaml" || fail "the compose file was not taken from bake_files.sh"
pma bake -f "$proj/compose.yaml" --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain \
  --set "backend.tags=$repo/rjm-backend:1.4" --set "frontend.tags=$repo/rjm-frontend:1.4"
expect_rc 0
[[ $(registry_platforms "$repo/rjm-backend:1.4") == "$all4" ]] || fail "backend serves: $(registry_platforms "$repo/rjm-backend:1.4")"
[[ $(registry_platforms "$repo/rjm-frontend:1.4") == "linux/amd64 linux/arm64/v8 " ]] ||
  fail "frontend serves: $(registry_platforms "$repo/rjm-frontend:1.4")"

# A release cut short: "quick" is built and pushed by digest, "slow" is still in its
# RUN step; no tag of either may move, and every name the run gave is removed.
mkdir -p "$rel/slow"
printf 'FROM %s\nRUN sleep 60\n' "$LAB_BASE_IMAGE" >"$rel/slow/Containerfile"
cat >"$rel/cut.yaml" <<YAML
groups: {default: [quick, slow]}
targets:
  quick: {context: tools, args: {VARIANT: quick}, tags: ["$repo/quick:1"], platforms: [linux/amd64, linux/s390x]}
  slow: {context: slow, tags: ["$repo/slow:1"], platforms: [linux/amd64, linux/s390x]}
YAML
# cut TITLE SIGNAL(INT|none) BAKE-ARGS… — runs the release in the background until
# slow's RUN step runs on both platforms and quick is pushed; then SIGNAL.
cut() {
  local title=$1 signal=$2 pid started start
  shift 2
  TEST "$title"
  start=$(date +%s)
  started=$(date +%s%N)
  : >"$T/err" # before the job starts: the wait below must not read the last run's output
  "$PMA_BIN" bake -f "$rel/cut.yaml" --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain "$@" \
    >"$T/out" 2>"$T/err" &
  pid=$!
  await 60 bash -c "[[ \$(grep -c 'slow linux/.*STEP 2/2' '$T/err') == 2 && \$(grep -c 'quick linux/.*\] done: sha256' '$T/err') == 2 ]]" ||
    fail "the release never reached slow's RUN step with quick pushed: $(tail -5 "$T/err")"
  [[ $signal == INT ]] && kill -INT "$pid"
  wait "$pid"
  RC=$?
  elapsed=$((($(date +%s%N) - started) / 1000000))
  echo "  \$ podman-multiarch bake $* ($signal) → $RC ($elapsed ms)"
  for image in quick:1 slow:1; do
    registry_raw "$repo/$image" >/dev/null 2>&1 && fail "$image was published"
  done
  [[ $(run_names_since "$start") == 0 ]] || fail "names of the run left on the hosts: $(run_names_since "$start")"
}
cut "Ctrl-C mid-release: exit 130 within seconds, no tag of any target, nothing left on the hosts" INT
expect_rc 130
expect_err "interrupted"
((elapsed < 45000)) || fail "took $elapsed ms"
cut "--timeout mid-release: exit 1, no tag of any target, nothing left on the hosts" none --timeout 15s
expect_rc 1
expect_err "--timeout 15 s reached"
((elapsed < 30000)) || fail "took $elapsed ms"
