# podman-multiarch manifest VERB against podman 4.3.1 (amd64) and 5.4.2 (ppc64le):
# a hand assembly whose result is read from the registry with skopeo.
require_lab
repo=$LAB_REGISTRY/it-manifest-$$-$RANDOM
raw=$(skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$LAB_BASE_IMAGE")
base=${LAB_BASE_IMAGE%:*}
amd64=$(jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest' <<<"$raw")
arm64=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' <<<"$raw")
ppc64le=$(jq -r '.manifests[] | select(.platform.architecture == "ppc64le") | .digest' <<<"$raw")
s390x=$(jq -r '.manifests[] | select(.platform.architecture == "s390x") | .digest' <<<"$raw")
m() { pma manifest "$1" --config "$LAB_CONFIG" "${@:2}"; }

for host in amd64 ppc64le; do
  list=localhost/it-hand-$$:$host

  TEST "hand assembly on $host: create, add 4 by digest, annotate a variant, remove one, push --all"
  m create --host "$host" "$list"
  expect_rc 0
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$base@$amd64" --os linux --arch amd64 --annotation org.example.note=hi
  expect_rc 0
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$base@$arm64" --os linux --arch arm64
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$base@$ppc64le" --os linux --arch ppc64le
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$base@$s390x" --os linux --arch s390x
  expect_rc 0
  m annotate --host "$host" "$list" "$arm64" --variant v8
  expect_rc 0
  m remove --host "$host" "$list" "$ppc64le"
  expect_rc 0
  m exists --host "$host" "$list"
  expect_rc 0
  m push --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$repo/hand:$host" --all --digestfile "$T/digest"
  expect_rc 0
  index=$(registry_raw "$repo/hand:$host")
  want=$(jq -cn --arg a "$amd64" --arg b "$arm64" --arg c "$s390x" '[
    {digest: $a, platform: {architecture: "amd64", os: "linux"}, annotations: {"org.example.note": "hi"}},
    {digest: $b, platform: {architecture: "arm64", os: "linux", variant: "v8"}, annotations: null},
    {digest: $c, platform: {architecture: "s390x", os: "linux"}, annotations: null}]')
  got=$(jq -c '[.manifests[] | {digest, platform, annotations}]' <<<"$index")
  [[ $got == "$want" ]] || fail "index entries: $got"
  [[ $(jq -r .mediaType <<<"$index") == application/vnd.oci.image.index.v1+json ]] || fail "media type"
  [[ $(cat "$T/digest") == "$(registry_digest "$repo/hand:$host")" ]] || fail "digestfile != registry digest"
  [[ $(cat "$T/out") == "$(cat "$T/digest")" ]] || fail "printed digest != digestfile"

  TEST "rm on $host removes the list, not the images; exists says so"
  m rm --host "$host" "$list"
  expect_rc 0
  m exists --host "$host" "$list"
  expect_rc 1
  m rm --host "$host" "$list"
  expect_rc 1
  expect_err "no such manifest list"
  skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$base@$amd64" >/dev/null || fail "an image went away"
done

TEST "index annotations: accepted on podman 5.4, refused with the version on 4.3"
list=localhost/it-index-$$:1
m create --host ppc64le "$list"
m add --host ppc64le --authfile "$LAB_AUTHFILE" "$list" "$base@$amd64"
m annotate --host ppc64le "$list" --index --annotation org.opencontainers.image.source=https://example.com
expect_rc 0
m push --host ppc64le --authfile "$LAB_AUTHFILE" "$list" "$repo/index:1" --rm
expect_rc 0
registry_raw "$repo/index:1" | jq -e '.annotations["org.opencontainers.image.source"] == "https://example.com"' >/dev/null ||
  fail "index annotation missing"
m create --host amd64 "$list"
m annotate --host amd64 "$list" --index --annotation a=b
expect_rc 1
expect_err "host amd64: annotating the list itself needs podman 5.4 or newer (this host runs 4.3.1)"
m create --host amd64 localhost/it-index-$$:2 --annotation a=b
expect_rc 1
expect_err "index annotations need podman 5.0 or newer (this host runs 4.3.1)"
m rm --host amd64 "$list"

TEST "inspect reads a registry list through a 5.x host"
m inspect --host ppc64le --authfile "$LAB_AUTHFILE" "$repo/hand:ppc64le"
expect_rc 0
expect_json '.manifests | length == 3'
m inspect --host ppc64le --authfile "$LAB_AUTHFILE" "$repo/hand:nope"
expect_rc 1
expect_err "no such manifest list or image"

TEST "usage errors"
m frobnicate
expect_rc 2
m annotate --host amd64 localhost/x:1 notadigest
expect_rc 2
expect_err "'notadigest' is not an entry digest"
m add --host amd64 localhost/x:1
expect_rc 2
expect_err "usage: podman-multiarch manifest add LIST IMAGE..."
