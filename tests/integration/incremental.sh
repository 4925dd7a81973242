# Incremental builds against the real lab (4 platforms; podman 4.3.1 and
# 5.4.2, which also assemble the lists in turn): an unchanged build or release
# sends no build and no push to any host (their event logs say so) and moves
# nothing; a changed file or a moved base rebuilds exactly what depends on it;
# a base tag moved during a run does not change what the run builds on; an
# image the registry lost is built again. Registry checks use skopeo.
require_lab
repo=$LAB_REGISTRY/it-incr-$$-$RANDOM
cfg=$LAB_CONFIG
all4="linux/amd64 linux/arm64/v8 linux/ppc64le linux/s390x "
build() { pma build --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain "$@"; }
bake() { pma bake -f "$T/rel/podman-multiarch.bake.yaml" --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain "$@"; }
# mark → a second after the last one the previous commands may have logged on the hosts.
mark() { sleep 1; date +%s; }
# host_work EPOCH [ACTIONS] → how many image events of ACTIONS (a jq regex;
# default build|push) the lab hosts logged since EPOCH for this suite's
# repository: meson runs another suite beside this one on the same hosts. A
# push names its destination; a build event names only the image ID, so a build
# counts when that image was pushed to, or is tagged in, this repository.
host_work() {
  local h sock_var n=0 filters
  filters=$(jq -rn '{"type":["image"]} | tojson | @uri')
  for h in $LAB_HOSTS; do
    sock_var="LAB_SOCK_$h"
    n=$((n + $(jq -n --arg a "^(${2:-build|push})$" --arg r "$repo/" \
      --slurpfile events <(curl -s -m 10 --unix-socket "${!sock_var}" "http://d/v4.0.0/libpod/events?stream=false&since=$1&filters=$filters") \
      --slurpfile images <(curl -s -m 10 --unix-socket "${!sock_var}" "http://d/v4.0.0/libpod/images/json") '
      ([$events[] | select(.Action == "push" and (.Actor.Attributes.name | contains($r))) | .Actor.ID]
        + [$images[0][] | select(any(.RepoTags[]?; contains($r))) | .Id]) as $ours
      | [$events[] | select(.Action | test($a))
          | select(if .Action == "build" then (.Actor.Attributes.name | IN($ours[])) else (.Actor.Attributes.name | contains($r)) end)]
      | length')))
  done
  echo "$n"
}
# inputs TAG PLATFORM → the fingerprint its list entry records for PLATFORM.
inputs() { registry_raw "$1" | jq -r --arg p "$2" '.manifests[] | select((.platform.os + "/" + .platform.architecture) == $p)
  | .annotations["io.podman-multiarch.inputs"] // ""'; }
# per_arch LIST PLATFORM → the digest of PLATFORM's entry.
per_arch() { registry_raw "$1" | jq -r --arg p "$2" '.manifests[] | select((.platform.os + "/" + .platform.architecture) == $p) | .digest'; }
# diff_ids REF → how many layers the image's config lists.
diff_ids() { skopeo inspect --config --raw --authfile "$LAB_AUTHFILE" "docker://$1" | jq '.rootfs.diff_ids | length'; }

# Two bases in the registry: base:1 (the lab's busybox list) and base:2 (one
# more layer); "moving" base:1 copies base:2's list there.
mkdir -p "$T/base2"
printf 'FROM %s\nCOPY marker /marker\n' "$LAB_BASE_IMAGE" >"$T/base2/Containerfile"
echo "base 2" >"$T/base2/marker"
skopeo copy --all --quiet --authfile "$LAB_AUTHFILE" "docker://$LAB_BASE_IMAGE" "docker://$repo/base:1" >/dev/null
build -t "$repo/base:2" "$T/base2" >/dev/null 2>&1 || { echo "setup: base:2 did not build"; exit 1; }
move_base() { skopeo copy --all --quiet --authfile "$LAB_AUTHFILE" "docker://$repo/base:2" "docker://$repo/base:1" >/dev/null; }
reset_base() { skopeo copy --all --quiet --authfile "$LAB_AUTHFILE" "docker://$LAB_BASE_IMAGE" "docker://$repo/base:1" >/dev/null; }

ctx=$T/ctx
mkdir -p "$ctx"
printf 'FROM %s\nCOPY hello /hello\n' "$repo/base:1" >"$ctx/Containerfile"
echo "hello $$" >"$ctx/hello"
tag=$repo/app:1

TEST "a first build records each platform's inputs on its list entry (list assembled by podman 4.3.1)"
build --manifest-host amd64 -t "$tag" "$ctx"
expect_rc 0
[[ $(registry_platforms "$tag") == "$all4" ]] || fail "platforms: $(registry_platforms "$tag")"
for p in linux/amd64 linux/arm64 linux/ppc64le linux/s390x; do
  [[ $(inputs "$tag" "$p") == sha256:* ]] || fail "$p: no inputs annotation"
done
registry_raw "$tag" | jq -e --arg b "$repo/base:1" '[.manifests[].annotations["io.podman-multiarch.inputs.bases"]
  | startswith($b + "=sha256:")] | all' >/dev/null || fail "bases not recorded: $(registry_raw "$tag")"
registry_raw "$tag" >"$T/first.json"

TEST "the same build again: nothing sent to any host, the tag untouched (read by podman 5.4.2's run)"
start=$(mark)
build --metadata-file "$T/meta.json" -t "$tag" "$ctx"
expect_rc 0
expect_err "nothing pushed"
[[ $(host_work "$start") == 0 ]] || fail "the hosts logged $(host_work "$start") builds and pushes"
cmp -s <(registry_raw "$tag") "$T/first.json" || fail "the list changed"
jq -e '[.platforms[].change] == ["unchanged","unchanged","unchanged","unchanged"] and .exitCode == 0' "$T/meta.json" >/dev/null ||
  fail "metadata: $(jq -c '[.platforms[] | {platform, change}]' "$T/meta.json")"
[[ $(cat "$T/out") == $(registry_digest "$tag") ]] || fail "stdout: $(cat "$T/out")"

TEST "the same build from two CI runners' fragments: no host builds, publish pushes nothing"
start=$(mark)
build --host amd64 --host arm64 --fragment "$T/a.json" -t "$tag" "$ctx"
expect_rc 0
build --host ppc64le --host s390x --fragment "$T/b.json" -t "$tag" "$ctx"
expect_rc 0
jq -e '[.targets[0].images[].inputs["io.podman-multiarch.inputs"] | startswith("sha256:")] | all' "$T/a.json" >/dev/null ||
  fail "a.json records no inputs: $(cat "$T/a.json")"
pma publish --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain \
  --platform linux/amd64,linux/arm64,linux/ppc64le,linux/s390x "$T/a.json" "$T/b.json"
expect_rc 0
expect_err "nothing pushed"
[[ $(host_work "$start") == 0 ]] || fail "the hosts logged $(host_work "$start") builds and pushes"
cmp -s <(registry_raw "$tag") "$T/first.json" || fail "the list changed"

TEST "--check: exit 0 when unchanged, 5 once a file changed, and nothing built either way"
start=$(mark)
build --check -t "$tag" "$ctx"
expect_rc 0
expect_out "keep"
echo "hello again $$" >"$ctx/hello"
build --check --metadata-file "$T/check.json" -t "$tag" "$ctx"
expect_rc 5
expect_out "rebuilt: context changed"
jq -e '[.skipped[].change] | length == 4 and all(. == "rebuilt: context changed")' "$T/check.json" >/dev/null ||
  fail "check metadata: $(cat "$T/check.json")"
[[ $(host_work "$start") == 0 ]] || fail "--check made the hosts work"
cmp -s <(registry_raw "$tag") "$T/first.json" || fail "--check changed the list"

TEST "a changed file rebuilds every platform, which records the new inputs"
start=$(mark)
build -t "$tag" "$ctx"
expect_rc 0
expect_err "rebuilt: context changed"
[[ $(host_work "$start" build) == 4 ]] || fail "$(host_work "$start" build) builds, not 4"
[[ $(inputs "$tag" linux/amd64) != $(jq -r '.manifests[0].annotations["io.podman-multiarch.inputs"]' "$T/first.json") ]] ||
  fail "the inputs did not change"

TEST "a per-arch image the registry lost is built again, not published broken"
lost=$(per_arch "$tag" linux/s390x)
skopeo delete --authfile "$LAB_AUTHFILE" "docker://$repo/app@$lost" >/dev/null 2>&1 || fail "cannot delete $lost"
start=$(mark)
build --metadata-file "$T/meta.json" -t "$tag" "$ctx"
expect_rc 0
jq -e '(.platforms[] | select(.platform == "linux/s390x") | .change | test("^rebuilt: its image sha256:[0-9a-f]{12} is gone"))
  and ([.platforms[] | select(.platform != "linux/s390x") | .change] | all(. == "unchanged"))' "$T/meta.json" >/dev/null ||
  fail "metadata: $(jq -c '[.platforms[] | {platform, change}]' "$T/meta.json")"
[[ $(registry_platforms "$tag") == "$all4" ]] || fail "platforms: $(registry_platforms "$tag")"
skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$repo/app@$(per_arch "$tag" linux/s390x)" >/dev/null 2>&1 ||
  fail "the new s390x image is not in the registry"

TEST "a base tag moved while the run builds: the run builds on the digest it resolved at its start"
# A release: target late (FROM base:1) waits for target slow's 6 s RUN, so its
# host pulls its base only after the tag has moved (buildah pulls every stage's
# base when a build starts, so a single build could not show it).
mid=$T/mid
mkdir -p "$mid/slow" "$mid/late"
printf 'FROM %s\nRUN sleep 6 && echo %s > /slow\n' "$LAB_BASE_IMAGE" "$repo" >"$mid/slow/Containerfile" # no cached step
printf 'FROM %s\nCOPY --from=slow /slow /slow\n' "$repo/base:1" >"$mid/late/Containerfile"
cat >"$mid/podman-multiarch.bake.yaml" <<YAML
groups: {default: [late]}
targets:
  slow: {context: slow, platforms: [linux/amd64, linux/ppc64le], tags: ["$repo/mid-slow:1"]}
  late: {context: late, platforms: [linux/amd64, linux/ppc64le], contexts: {slow: "target:slow"}, tags: ["$repo/mid:1"]}
YAML
"$PMA_BIN" bake -f "$mid/podman-multiarch.bake.yaml" --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain \
  --pull=always >"$T/mid.out" 2>"$T/mid.err" &
pid=$!
await 60 grep -q "sleep 6" "$T/mid.err" || fail "the build did not start"
move_base
wait "$pid" || fail "the release failed: $(tail -5 "$T/mid.err")"
old_layers=$(diff_ids "$LAB_BASE_IMAGE")
for p in linux/amd64 linux/ppc64le; do
  image=$repo/mid@$(per_arch "$repo/mid:1" "$p")
  [[ $(diff_ids "$image") == $((old_layers + 1)) ]] || fail "$p was built on the moved base ($(diff_ids "$image") layers)"
done
registry_raw "$repo/mid:1" | jq -e --arg pin "$repo/base:1=$(per_arch "$LAB_BASE_IMAGE" linux/amd64)" \
  '.manifests[0].annotations["io.podman-multiarch.inputs.bases"] | contains($pin)' >/dev/null ||
  fail "amd64's recorded base is not the one it was built on"

TEST "after the move, a build sees the new base: every platform rebuilt, saying from which digest to which"
build --metadata-file "$T/meta.json" -t "$tag" "$ctx"
expect_rc 0
jq -e --arg b "$repo/base:1" '[.platforms[].change] | length == 4 and all(startswith("rebuilt: base " + $b + " sha256:"))' \
  "$T/meta.json" >/dev/null || fail "metadata: $(jq -c '[.platforms[] | {platform, change}]' "$T/meta.json")"
reset_base

# A release: base FROM base:1, app FROM the target base, other FROM the lab's busybox.
mkdir -p "$T/rel/base" "$T/rel/app" "$T/rel/other"
printf 'FROM %s\nCOPY b /b\n' "$repo/base:1" >"$T/rel/base/Containerfile"
printf 'FROM base\nCOPY a /a\n' >"$T/rel/app/Containerfile"
printf 'FROM %s\nCOPY o /o\n' "$LAB_BASE_IMAGE" >"$T/rel/other/Containerfile"
echo b >"$T/rel/base/b"
echo a >"$T/rel/app/a"
echo o >"$T/rel/other/o"
cat >"$T/rel/podman-multiarch.bake.yaml" <<YAML
groups:
  default: [app, other]
targets:
  base: {context: base, tags: ["$repo/rel-base:1"]}
  app: {context: app, contexts: {base: "target:base"}, tags: ["$repo/rel-app:1"]}
  other: {context: other, tags: ["$repo/rel-other:1"]}
YAML
# changes META → "target platform change" lines, sorted
changes() { jq -r '.targets | to_entries[] | .key as $t | .value.platforms[] | "\($t) \(.platform) \(.change)"' "$1" | sort; }

TEST "a release built twice: the second run builds and pushes nothing"
bake
expect_rc 0
start=$(mark)
bake --metadata-file "$T/rel.json"
expect_rc 0
[[ $(host_work "$start") == 0 ]] || fail "the hosts logged $(host_work "$start") builds and pushes"
[[ $(changes "$T/rel.json" | grep -vc ' unchanged$') == 0 ]] || fail "changes: $(changes "$T/rel.json")"

TEST "one file changed in app: only app's platforms build"
echo a2 >"$T/rel/app/a"
start=$(mark)
bake --metadata-file "$T/rel.json"
expect_rc 0
[[ $(changes "$T/rel.json" | grep -c ' rebuilt: context changed$') == 4 ]] || fail "changes: $(changes "$T/rel.json")"
[[ $(changes "$T/rel.json" | grep -c '^app ') == 4 && $(changes "$T/rel.json" | grep -c ' unchanged$') == 8 ]] ||
  fail "changes: $(changes "$T/rel.json")"
[[ $(host_work "$start" build) == 4 ]] || fail "the hosts logged $(host_work "$start" build) builds, not 4"

TEST "a new base digest: the target built on it and its dependent rebuild, the other target does not"
move_base
bake --check --metadata-file "$T/check.json"
expect_rc 5
bake --metadata-file "$T/rel.json"
expect_rc 0
[[ $(changes "$T/rel.json" | grep -c "^base .* rebuilt: base $repo/base:1 sha256:") == 4 &&
  $(changes "$T/rel.json" | grep -c '^app .* rebuilt: base target:base sha256:') == 4 &&
  $(changes "$T/rel.json" | grep -c '^other .* unchanged$') == 4 ]] || fail "changes: $(changes "$T/rel.json")"
bake --check
expect_rc 0

finish
