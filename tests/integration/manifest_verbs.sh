# podman-multiarch manifest VERB against podman 4.3.1 (amd64) and 5.4.2 (ppc64le):
# a hand assembly whose result is read from the registry with skopeo; the seed flow
# of podman's docs verbatim (docker:// references, --authfile, REGISTRY_AUTH_FILE),
# compared with podman's own remote client on the same host.
require_lab
# shellcheck source=../lab/lab-lib.sh
source "$PMA_SOURCE_ROOT/tests/lab/lab-lib.sh"
repo=$LAB_REGISTRY/it-manifest-$$-$RANDOM
raw=$(skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$LAB_BASE_IMAGE")
base=${LAB_BASE_IMAGE%:*}
amd64=$(jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest' <<<"$raw")
arm64=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' <<<"$raw")
ppc64le=$(jq -r '.manifests[] | select(.platform.architecture == "ppc64le") | .digest' <<<"$raw")
s390x=$(jq -r '.manifests[] | select(.platform.architecture == "s390x") | .digest' <<<"$raw")
m() { pma manifest "$1" --config "$LAB_CONFIG" "${@:2}"; }
# podman's own remote client of the host's version.
podman_of() {
  local host=$1
  shift
  if [[ $host == "$LAB_PODMAN5_HOST" ]]; then
    lab_podman5 --url "unix://$(lab_sock "$host")" "$@"
  else
    podman --url "unix://$(lab_sock "$host")" "$@"
  fi
}
# entries REF → "digest platform" lines of the registry's index, in order.
entries() { registry_raw "$1" | jq -r '.manifests[] | "\(.digest) \(.platform.os)/\(.platform.architecture)/\(.platform.variant // "")"'; }
is_id() { [[ $(cat "$T/out") =~ ^[0-9a-f]{64}$ ]] || fail "stdout is not one list ID: $(head -c 200 "$T/out")"; }

# Per-arch tags, as the blog's per-host `podman push` leaves them.
for arch in amd64 arm64 s390x; do
  skopeo copy -q --authfile "$LAB_AUTHFILE" "docker://$base@${!arch}" "docker://$repo/seed:$arch" ||
    fail "setup: per-arch tag $arch"
done

for host in amd64 ppc64le; do
  list=localhost/it-hand-$$:$host

  TEST "hand assembly on $host: create, add 4 by digest, annotate a variant, remove one, push --all"
  m create --host "$host" "$list"
  expect_rc 0
  is_id
  id=$(cat "$T/out")
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$base@$amd64" --os linux --arch amd64 --annotation org.example.note=hi
  expect_rc 0
  [[ $(cat "$T/out") == "$id" ]] || fail "add printed $(cat "$T/out"), not the list's ID $id"
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$base@$arm64" --os linux --arch arm64
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$base@$ppc64le" --os linux --arch ppc64le
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$base@$s390x" --os linux --arch s390x
  expect_rc 0
  m annotate --host "$host" "$list" "$arm64" --variant v8
  expect_rc 0
  [[ $(cat "$T/out") == "$id" ]] || fail "annotate printed $(cat "$T/out")"
  m remove --host "$host" "$list" "$ppc64le"
  expect_rc 0
  [[ $(cat "$T/out") == "$id" ]] || fail "remove printed $(cat "$T/out")"
  m exists --host "$host" "$list"
  expect_rc 0
  m push --host "$host" --authfile "$LAB_AUTHFILE" "$list" "$repo/hand:$host" --all --digestfile "$T/digest"
  expect_rc 0
  [[ ! -s $T/out ]] || fail "push printed on stdout (podman prints nothing)"
  index=$(registry_raw "$repo/hand:$host")
  want=$(jq -cn --arg a "$amd64" --arg b "$arm64" --arg c "$s390x" '[
    {digest: $a, platform: {architecture: "amd64", os: "linux"}, annotations: {"org.example.note": "hi"}},
    {digest: $b, platform: {architecture: "arm64", os: "linux", variant: "v8"}, annotations: null},
    {digest: $c, platform: {architecture: "s390x", os: "linux"}, annotations: null}]')
  got=$(jq -c '[.manifests[] | {digest, platform, annotations}]' <<<"$index")
  [[ $got == "$want" ]] || fail "index entries: $got"
  [[ $(jq -r .mediaType <<<"$index") == application/vnd.oci.image.index.v1+json ]] || fail "media type"
  [[ $(cat "$T/digest") == "$(registry_digest "$repo/hand:$host")" ]] || fail "digestfile != registry digest"

  TEST "rm on $host prints podman's Untagged/Deleted lines; a missing list fails unless --ignore"
  m rm --host "$host" "$list"
  expect_rc 0
  [[ $(cat "$T/out") == "Untagged: $list"$'\n'"Deleted: $id" ]] || fail "rm printed: $(cat "$T/out")"
  m exists --host "$host" "$list"
  expect_rc 1
  m rm --host "$host" "$list"
  expect_rc 1
  expect_err "$list: image not known"
  m rm --host "$host" --ignore "$list"
  expect_rc 0
  [[ ! -s $T/out && ! -s $T/err ]] || fail "rm --ignore printed something"
  skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$base@$amd64" >/dev/null || fail "an image went away"

  TEST "the seed flow on $host, verbatim: docker:// references, --authfile and REGISTRY_AUTH_FILE, same as podman"
  seed=localhost/it-seed-$$:$host
  m create --host "$host" "$seed"
  expect_rc 0
  is_id
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$seed" "docker://$repo/seed:amd64"
  expect_rc 0
  is_id
  REGISTRY_AUTH_FILE=$LAB_AUTHFILE m add --host "$host" "$seed" "docker://$repo/seed:s390x"
  expect_rc 0
  m add --host "$host" --authfile "$LAB_AUTHFILE" "$seed" "docker://$repo/seed@$arm64" --arch arm64 --variant v8
  expect_rc 0
  m push --host "$host" --authfile "$LAB_AUTHFILE" "$seed" "docker://$repo/seed:latest-$host"
  expect_rc 0
  mine=$(entries "$repo/seed:latest-$host")
  [[ $(wc -l <<<"$mine") == 3 ]] || fail "pushed index: $mine"
  # podman's own remote client, same steps, same host.
  p=localhost/it-seed-podman-$$:$host
  podman_of "$host" manifest create "$p" >"$T/podman.out" 2>&1 || fail "podman create: $(cat "$T/podman.out")"
  [[ $(cat "$T/podman.out") =~ ^[0-9a-f]{64}$ ]] || fail "podman create printed: $(cat "$T/podman.out")"
  podman_of "$host" manifest add --authfile "$LAB_AUTHFILE" "$p" "docker://$repo/seed:amd64" >/dev/null &&
    REGISTRY_AUTH_FILE=$LAB_AUTHFILE podman_of "$host" manifest add "$p" "docker://$repo/seed:s390x" >/dev/null &&
    podman_of "$host" manifest add --authfile "$LAB_AUTHFILE" --arch arm64 --variant v8 "$p" "docker://$repo/seed@$arm64" >/dev/null &&
    podman_of "$host" manifest push --authfile "$LAB_AUTHFILE" --all "$p" "docker://$repo/seed:podman-$host" >"$T/podman.out" 2>/dev/null ||
    fail "podman's seed flow failed"
  [[ ! -s $T/podman.out ]] || fail "podman's push printed on stdout: $(cat "$T/podman.out")"
  theirs=$(entries "$repo/seed:podman-$host")
  [[ $mine == "$theirs" ]] || fail "entries differ from podman's: $mine / $theirs"
  podman_of "$host" manifest rm "$p" >/dev/null 2>&1
  m inspect --host "$host" --authfile "$LAB_AUTHFILE" "docker://$repo/seed:latest-$host"
  expect_rc 0
  expect_json '.manifests | length == 3'
  expect_out '    "schemaVersion": 2' # indented as podman prints it
  pma inspect --authfile "$LAB_AUTHFILE" "docker://$repo/seed:latest-$host"
  expect_rc 0
  expect_out "linux/s390x"

  TEST "after failed adds on $host, the empty list is not pushed; --allow-empty does as podman"
  m add --host "$host" --creds pma:wrong "$seed-x" "docker://$repo/seed:amd64"
  expect_rc 1
  m create --host "$host" "$seed-empty"
  m add --host "$host" --creds pma:wrong "$seed-empty" "docker://$repo/seed:amd64"
  expect_rc 1
  expect_err "authentication required"
  m push --host "$host" --authfile "$LAB_AUTHFILE" "$seed-empty" "$repo/seed:empty-$host"
  expect_rc 2
  expect_err "has no images: pushing it would publish an empty list"
  skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$repo/seed:empty-$host" >/dev/null 2>&1 && fail "an empty list was pushed"
  m push --host "$host" --authfile "$LAB_AUTHFILE" --allow-empty --rm "$seed-empty" "$repo/seed:empty-$host"
  expect_rc 0
  [[ $(registry_raw "$repo/seed:empty-$host" | jq '.manifests | length') == 0 ]] || fail "--allow-empty"
  m rm --host "$host" "$seed"
done

TEST "an auth file keyed by namespace and repository only: add and push get the right credential"
ns=$(jq -r --arg r "$LAB_REGISTRY" '.auths[$r].auth' "$LAB_AUTHFILE")
jq -n --arg ns "$LAB_REGISTRY/lab" --arg repo "$repo/keyed" --arg a "$ns" \
  '{auths: {($ns): {auth: $a}, ($repo): {auth: $a}}}' >"$T/keyed.json"
list=localhost/it-keyed-$$:1
m create --host ppc64le "$list"
m add --host ppc64le --authfile "$T/keyed.json" "$list" "docker://$base@$amd64"
expect_rc 0
m push --host ppc64le --authfile "$T/keyed.json" --rm "$list" "docker://$repo/keyed:1"
expect_rc 0
[[ $(entries "$repo/keyed:1") == "$amd64 linux/amd64/" ]] || fail "keyed push: $(entries "$repo/keyed:1")"

TEST "containers-storage: references name an image on the host (podman's own tests use them)"
podman_of amd64 pull -q --authfile "$LAB_AUTHFILE" "$base@$s390x" >/dev/null || fail "setup pull"
list=localhost/it-storage-$$:1
m create --host amd64 "$list" "containers-storage:$base@$s390x"
expect_rc 0
is_id
m inspect --host amd64 "$list"
expect_json '.manifests | length == 1'
expect_json '.manifests[0].platform.architecture == "s390x"'
m rm --host amd64 "$list"
podman_of amd64 rmi "$base@$s390x" >/dev/null 2>&1 # a foreign-arch image confuses other tests' `podman images`

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

TEST "inspect reads a registry list (directly, as the registry serves it); a missing one fails"
m inspect --host ppc64le --authfile "$LAB_AUTHFILE" "$repo/hand:ppc64le"
expect_rc 0
expect_json '.manifests | length == 3'
m inspect --host amd64 --authfile "$LAB_AUTHFILE" --verbose "$repo/hand:amd64"
expect_rc 0
expect_json '.mediaType == "application/vnd.oci.image.index.v1+json"'
m inspect --host ppc64le --authfile "$LAB_AUTHFILE" "$repo/hand:nope"
expect_rc 1
expect_err "no tag nope"

TEST "push with one argument goes to the list's own name, as in podman 4.6+"
list=$repo/own:1
m create --host ppc64le "$list" "docker://$base@$s390x" --authfile "$LAB_AUTHFILE"
expect_rc 0
m push --host ppc64le --authfile "$LAB_AUTHFILE" --rm "$list"
expect_rc 0
[[ $(entries "$list") == "$s390x linux/s390x/" ]] || fail "own-name push: $(entries "$list")"

TEST "usage errors"
m frobnicate
expect_rc 2
m annotate --host amd64 localhost/x:1 notadigest
expect_rc 2
expect_err "'notadigest' is not an entry digest"
m add --host amd64 localhost/x:1
expect_rc 2
expect_err "usage: podman-multiarch manifest add LIST IMAGE..."
m add --host amd64 localhost/x:1 "$base@$amd64" --annotation novalue
expect_rc 2
expect_err "no value given for annotation 'novalue'"
m inspect --host amd64 --insecure --tls-verify "$repo/hand:amd64"
expect_rc 2
expect_err "--insecure may not be used with --tls-verify"
