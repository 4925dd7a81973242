# Fragments from CI runners: two "runners" (build --fragment on disjoint host
# sets, podman 4.3.1 and 5.4.2) push by digest and write fragments; publish
# merges them into one verified index. Then what publish refuses — a missing
# platform, a platform in two fragments, an image not in the registry, an
# image of another architecture than claimed — with the tag unchanged.
# Registry checks use skopeo, not podman-multiarch.
require_lab
cfg=$LAB_CONFIG
repo=$LAB_REGISTRY/lab/fragments-$$-$RANDOM
tag=$repo/app:1
ctx=$T/ctx
mkdir -p "$ctx"
# No RUN step: nothing runs under qemu, and each image is still of its
# platform (the lab's base image is a list of all four).
cat >"$ctx/Containerfile" <<CF
FROM $LAB_BASE_IMAGE
COPY hello /hello
CF
echo "hello from $$" >"$ctx/hello"
all=linux/amd64,linux/arm64,linux/ppc64le,linux/s390x
build() { pma build --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain "$@"; }
publish() { pma publish --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain "$@"; }
# unchanged — the tag serves what $T/before.json holds, byte for byte.
unchanged() { cmp -s <(registry_raw "$tag") "$T/before.json" || fail "the tag changed"; }
# names_left FRAGMENT — names the fragment's run gave that are still on the lab hosts.
names_left() {
  local id h sock_var n=0 filters
  id=$(jq -r .runId "$1")
  filters=$(jq -rn '{"reference":["localhost/podman-multiarch-*"]} | tojson | @uri')
  for h in $LAB_HOSTS; do
    sock_var="LAB_SOCK_$h"
    n=$((n + $(curl -s -m 10 --unix-socket "${!sock_var}" "http://d/v4.0.0/libpod/images/json?all=true&filters=$filters" |
      jq --arg id "$id" '[.[] | .Names[]? | select(contains($id))] | length')))
  done
  echo "$n"
}

TEST "runner A (amd64 + arm64, podman 4.3.1) pushes by digest and writes its fragment, no tag moved"
build --host amd64 --host arm64 --fragment "$T/a.json" -t "$tag" "$ctx"
expect_rc 0
expect_err "no list published, no tag moved"
grep -qE "^linux/amd64 $repo/app@sha256:[0-9a-f]{64}$" "$T/out" || fail "no amd64 reference on stdout"
grep -qE "^linux/arm64/v8 $repo/app@sha256:[0-9a-f]{64}$" "$T/out" || fail "no arm64 reference on stdout"
jq -e --arg tag "$tag" '.["podman-multiarch-fragment"] == 1 and (.runId | length > 0) and (.runner.hostname | length > 0)
  and (.targets | length == 1) and .targets[0].tags == [$tag]
  and .targets[0].platforms == ["linux/amd64", "linux/arm64/v8"]
  and ([.targets[0].images[] | select(.podmanVersion == "4.3.1" and (.stagingTag | length > 0))] | length == 2)
  and ([.targets[0].images[] | select(.digest as $d | .reference | endswith("@" + $d))] | length == 2)' "$T/a.json" >/dev/null ||
  fail "a.json: $(cat "$T/a.json")"
skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$tag" >/dev/null 2>&1 && fail "the tag exists"
[[ $(names_left "$T/a.json") == 0 ]] || fail "runner A left $(names_left "$T/a.json") names on the hosts"

TEST "runner B (ppc64le on podman 5.4.2 + s390x) writes the other fragment"
build --host ppc64le --host s390x --fragment "$T/b.json" -t "$tag" "$ctx"
expect_rc 0
jq -e '.targets[0].platforms == ["linux/ppc64le", "linux/s390x"]
  and (.targets[0].images[] | select(.platform == "linux/ppc64le") | .podmanVersion == "5.4.2" and (has("stagingTag") | not))' \
  "$T/b.json" >/dev/null || fail "b.json: $(cat "$T/b.json")"
for entry in $(jq -r '.targets[0].images[] | .reference + "=" + .platform' "$T/a.json" "$T/b.json"); do
  want=${entry#*=}
  [[ $(config_arch "${entry%%=*}") == "${want%/v8}" ]] || fail "${entry%%=*} is $(config_arch "${entry%%=*}"), not $want"
done
[[ $(names_left "$T/b.json") == 0 ]] || fail "runner B left names on the hosts"

TEST "a file that is not a fragment is a usage error naming it"
echo '{"targets": []}' >"$T/bogus.json"
publish "$T/a.json" "$T/bogus.json"
expect_rc 2
expect_err "$T/bogus.json: not a podman-multiarch fragment"

TEST "publish merges both into one verified index of the fragments' digests"
publish --platform "$all" --metadata-file "$T/meta.json" --digestfile "$T/digest" "$T/a.json" "$T/b.json"
expect_rc 0
expect_err "verified: the registry serves every platform"
[[ $(registry_platforms "$tag") == "linux/amd64 linux/arm64/v8 linux/ppc64le linux/s390x " ]] ||
  fail "registry platforms: $(registry_platforms "$tag")"
digest=$(registry_digest "$tag")
[[ $(cat "$T/out") == "$digest" ]] || fail "printed digest $(cat "$T/out") != registry $digest"
[[ $(cat "$T/digest") == "$digest" ]] || fail "digestfile != registry digest"
jq -e --arg d "$digest" '.exitCode == 0 and (.targets | length == 1) and .targets[0].indexDigest == $d
  and .targets[0].verified and (.targets[0].platforms | length == 4)' "$T/meta.json" >/dev/null ||
  fail "metadata: $(cat "$T/meta.json")"
want=$(jq -r '.targets[0].images[] | .platform + " " + .digest' "$T/a.json" "$T/b.json" | sort)
pma inspect --config "$cfg" --authfile "$LAB_AUTHFILE" --format json "$tag"
expect_rc 0
got=$(jq -r '.manifests[] | .platform + " " + .digest' "$T/out" | sort)
[[ $got == "$want" ]] || fail "inspect shows: $got; the fragments have: $want"
registry_raw "$tag" >"$T/before.json"

TEST "a missing platform is refused when --platform states it: exit 4, the tag unchanged"
publish --platform "$all" "$T/a.json"
expect_rc 4
expect_err "linux/ppc64le: no fragment has an image for it"
expect_err "linux/s390x: no fragment has an image for it"
unchanged

TEST "a platform in two fragments is refused, naming both: exit 2, the tag unchanged"
jq '.runner.hostname = "runner-c" | .runId = "1764000000-0c0c0c0c"' "$T/a.json" >"$T/c.json"
publish "$T/a.json" "$T/b.json" "$T/c.json"
expect_rc 2
expect_err "linux/amd64 of lab/fragments-"
expect_err "is in two fragments: $T/a.json (runner "
expect_err ", $T/c.json (runner runner-c, run 1764000000-0c0c0c0c) has sha256:"
unchanged

TEST "a fragment whose image is not in the registry is refused: exit 4, the tag unchanged"
missing=sha256:$(echo "not pushed $$" | sha256sum | cut -d' ' -f1)
jq --arg d "$missing" --arg r "$repo/app@$missing" \
  '(.targets[0].images[] | select(.platform == "linux/s390x")) |= (.digest = $d | .reference = $r)' \
  "$T/b.json" >"$T/b-missing.json"
publish --platform "$all" "$T/a.json" "$T/b-missing.json"
expect_rc 4
expect_err "$repo/app@$missing from $T/b-missing.json (runner "
expect_err ") is not in the registry"
unchanged

TEST "a fragment whose image is of another architecture than it claims is refused: exit 4, the tag unchanged"
# The amd64 image claims arm64 and the arm64 image amd64: each platform still once.
jq '.targets[0].images |= map(.platform |= (if . == "linux/amd64" then "linux/arm64/v8" else "linux/amd64" end))' \
  "$T/a.json" >"$T/a-swapped.json"
publish --platform "$all" "$T/a-swapped.json" "$T/b.json"
expect_rc 4
expect_err_re "says linux/arm64/v8, but the config of $repo/app@sha256:[0-9a-f]{64} says linux/amd64"
expect_err "it would be mislabelled in the list"
unchanged
