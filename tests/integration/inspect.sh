# podman-multiarch inspect: what the registry serves, read directly and
# through podman 4.3.1 (amd64) and 5.4.2 (ppc64le) hosts; `manifest push --retry`
# against a registry that comes up during the retries.
# Expected values come from skopeo, curl and python, never from our code.
require_lab
repo=$LAB_REGISTRY/it-inspect-$$-$RANDOM
base=${LAB_BASE_IMAGE%:*}
raw=$(registry_raw "$LAB_BASE_IMAGE")
arm64=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' <<<"$raw")
password=$(jq -r --arg r "$LAB_REGISTRY" '.auths[$r].auth' "$LAB_AUTHFILE" | base64 -d | cut -d: -f2-)

# Fixture: the base image's instances in a new repository, and a hand-written
# index over them: pretty-printed, keys in unusual order, annotations with
# characters JSON encoders like to escape. Re-encoding it would change its digest.
skopeo copy -q --all --authfile "$LAB_AUTHFILE" --dest-authfile "$LAB_AUTHFILE" "docker://$LAB_BASE_IMAGE" "docker://$repo:base"
jq --indent 3 '{schemaVersion, mediaType,
  manifests: [.manifests[] | {size, digest, mediaType, platform,
    annotations: {"org.example.note": ("<b> & é " + .platform.architecture)}}],
  annotations: {"org.example.build": "42", "org.opencontainers.image.source": "https://example.invalid/x"}}' \
  <<<"$raw" >"$T/crafted.json"
printf 'user = "pma:%s"\n' "$password" >"$T/curl.conf"
curl -sS -K "$T/curl.conf" --cacert "$LAB_CA" -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
  --data-binary @"$T/crafted.json" "https://$LAB_REGISTRY/v2/${repo#*/}/manifests/crafted" -o /dev/null -w '%{http_code}\n' |
  grep -qx 201 || { echo "fixture upload failed"; exit 1; }
curl_digest=$(sha256sum <"$T/crafted.json" | cut -d' ' -f1)
i() { pma inspect --config "$LAB_CONFIG" "$@"; }

# expected_table FILE — the table `inspect` must print for the index in FILE, built with python.
expected_table() {
  python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
body = open(sys.argv[1], 'rb').read()
ref, digest = sys.argv[2], sys.argv[3]
index = json.loads(body)
def size(n):
    units, v, u = ["B", "kB", "MB"], float(n), 0
    while v >= 999.5: v, u = v / 1000, u + 1
    return ("%.3g" % v) + units[u]
rows = [["PLATFORM", "DIGEST", "SIZE", "ANNOTATIONS"]]
for m in index["manifests"]:
    p = m["platform"]
    rows.append(["/".join(x for x in (p["os"], p["architecture"], p.get("variant", "")) if x), m["digest"], size(m["size"]),
                 ",".join(k + "=" + v for k, v in sorted(m.get("annotations", {}).items()))])
widths = [max(len(r[c]) for r in rows) for c in range(4)]
print(f"{ref}  {digest}  {index['mediaType']}")
ann = index.get("annotations", {})
if ann: print("annotations: " + ",".join(k + "=" + v for k, v in sorted(ann.items())))
for r in rows:
    print("  ".join(r[c].ljust(widths[c]) if c < 3 else r[c] for c in range(4)).rstrip())
EOF
}

TEST "inspect a list: the exact table, digest and media type of the registry"
i --authfile "$LAB_AUTHFILE" "$repo:crafted"
expect_rc 0
expected_table "$T/crafted.json" "$repo:crafted" "sha256:$curl_digest" >"$T/want"
diff -u "$T/want" "$T/out" >"$T/diff" || fail "table differs: $(cat "$T/diff")"
[[ ! -s $T/err ]] || fail "stderr is not empty"

TEST "inspect --raw is byte-identical to the registry's manifest"
i --raw --authfile "$LAB_AUTHFILE" "$repo:crafted"
expect_rc 0
cmp -s "$T/out" "$T/crafted.json" || fail "--raw differs from the uploaded bytes"
registry_raw "$repo:crafted" >"$T/skopeo.raw"
cmp -s "$T/out" "$T/skopeo.raw" || fail "--raw differs from skopeo inspect --raw"

TEST "inspect --format json: every field as the registry has it"
i --format json --authfile "$LAB_AUTHFILE" "$repo:crafted"
expect_rc 0
python3 - "$T/out" "$T/crafted.json" "sha256:$curl_digest" <<'EOF' || fail "JSON differs from the registry"
import json, sys
got, index, digest = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
assert got["digest"] == digest and got["isList"] is True, got
assert got["mediaType"] == index["mediaType"] and got["annotations"] == index["annotations"]
assert got["size"] == len(open(sys.argv[2], 'rb').read())
assert len(got["manifests"]) == len(index["manifests"])
for g, m in zip(got["manifests"], index["manifests"]):
    assert (g["digest"], g["size"], g["mediaType"], g["annotations"]) == (m["digest"], m["size"], m["mediaType"], m["annotations"]), g
    assert (g["os"], g["architecture"], g["variant"]) == (m["platform"]["os"], m["platform"]["architecture"], m["platform"].get("variant", "")), g
EOF

TEST "inspect a single-arch image: one row, not a list, platform from its config"
i --authfile "$LAB_AUTHFILE" "$base@$arm64"
expect_rc 0
size=$(registry_raw "$base@$arm64" | wc -c)
cat >"$T/want" <<EOF
$base@$arm64  $arm64  application/vnd.oci.image.manifest.v1+json  (a single image, not a list)
PLATFORM        DIGEST                                                                   SIZE  ANNOTATIONS
linux/arm64/v8  $arm64  ${size}B
EOF
diff -u "$T/want" "$T/out" >"$T/diff" || fail "table differs: $(cat "$T/diff")"
[[ $(config_arch "$base@$arm64") == linux/arm64 ]] || fail "fixture is not arm64"

TEST "inspect a missing tag or repository: a clear error, exit 1"
i --authfile "$LAB_AUTHFILE" "$repo:craftd"
expect_rc 1
[[ $(cat "$T/err") == "podman-multiarch: error: $repo:craftd: no tag craftd in $repo — did you mean $repo:crafted?" ]] ||
  fail "message"
i --authfile "$LAB_AUTHFILE" "$repo-nothing:1"
expect_rc 1
[[ $(cat "$T/err") == "podman-multiarch: error: $repo-nothing:1: no such repository $repo-nothing" ]] || fail "message"
i --authfile "$LAB_AUTHFILE" "$base@sha256:$(printf '0%.0s' {1..64})"
expect_rc 1
expect_err "no manifest sha256:000"

TEST "inspect with wrong or no credentials: auth error, exit 1, no secret shown"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$LAB_REGISTRY" "$(printf 'pma:not-the-password' | base64)" >"$T/wrong.json"
i --authfile "$T/wrong.json" "$repo:crafted"
expect_rc 1
[[ $(cat "$T/err") == "podman-multiarch: error: $LAB_REGISTRY refused the credentials from $T/wrong.json (key $LAB_REGISTRY) for ${repo#*/}: authentication required — check the user name and password (--creds USER:PASSWORD or --authfile FILE)" ]] ||
  fail "message"
expect_no_err "not-the-password"
i "$repo:crafted"
expect_rc 1
[[ $(cat "$T/err") == "podman-multiarch: error: $LAB_REGISTRY requires authentication to read ${repo#*/} and no credentials were found for it — podman login $LAB_REGISTRY, or --authfile / --creds" ]] ||
  fail "message"

TEST "TLS: plain HTTP is refused unless --tls-verify=false"
i "$LAB_PLAIN_BASE_IMAGE"
expect_rc 1
expect_err "TLS handshake with $LAB_PLAIN_REGISTRY failed — if $LAB_PLAIN_REGISTRY serves plain HTTP, --tls-verify=false allows it"
i --tls-verify=false --format json "$LAB_PLAIN_BASE_IMAGE"
expect_rc 0
expect_json ".digest == \"$LAB_BASE_IMAGE_DIGEST\""

for host in amd64 ppc64le; do
  TEST "inspect --host $host: the entries podman reads match the registry's"
  i --host "$host" --format json --authfile "$LAB_AUTHFILE" "$repo:crafted"
  expect_rc 0
  want=$(jq -c '[.manifests[] | {digest, size, mediaType}]' "$T/crafted.json")
  got=$(jq -c '[.manifests[] | {digest, size, mediaType}]' "$T/out")
  [[ $got == "$want" ]] || fail "entries: $got"
  expect_json '.digest == null'
  if [[ $host == amd64 ]]; then # podman 4.3.1 cannot tell annotations, media type or list-ness
    expect_json '.mediaType == null and .annotations == null and .isList == null and all(.manifests[]; .annotations == null)'
  else
    expect_json ".mediaType == \"application/vnd.oci.image.index.v1+json\" and .isList == true"
    expect_json "$(jq -c '.annotations' "$T/crafted.json") as \$a | .annotations == \$a"
  fi
  i --host "$host" --authfile "$LAB_AUTHFILE" "$repo:crafted"
  expect_rc 0
  expect_err "read through host $host (podman "
  i --host "$host" --authfile "$LAB_AUTHFILE" "$repo:nope"
  expect_rc 1
  [[ $(cat "$T/err") == "podman-multiarch: error: $repo:nope: no such image in the registry (as read by host $host)" ]] ||
    fail "message"
  i --host "$host" --raw --authfile "$LAB_AUTHFILE" "$repo:crafted"
  expect_rc 2
  expect_err "--raw needs the registry's bytes"
  [[ $(host_list_count "$host") == 0 ]] || fail "a list was left on $host"
done
# The temporary lists are named podman-multiarch-inspect-*: none may be left.
for host in amd64 ppc64le; do
  sock_var="LAB_SOCK_$host"
  left=$(curl -s --unix-socket "${!sock_var}" "http://d/v4.0.0/libpod/images/json?all=true" |
    jq '[.[] | select((.Names // []) | any(test("podman-multiarch-inspect")))] | length')
  [[ $left == 0 ]] || fail "$left temporary inspect lists left on $host"
done

TEST "manifest push --retry: a registry that comes up during the retries gets the list"
port=45010
mkdir -p "$T/reg"
cat >"$T/reg/config.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $T/reg/data}}
http: {addr: 127.0.0.1:$port}
EOF
list=localhost/it-retry-$$:1
pma manifest create --config "$LAB_CONFIG" --host amd64 "$list"
pma manifest add --config "$LAB_CONFIG" --host amd64 --tls-verify=false "$list" "${LAB_PLAIN_BASE_IMAGE%:*}@$arm64"
expect_rc 0
(sleep 1.5 && exec docker-registry serve "$T/reg/config.yml" >"$T/reg/log" 2>&1) &
registry_pid=$!
pma manifest push --config "$LAB_CONFIG" --host amd64 --tls-verify=false --retry 4 --retry-delay 1s --rm --digestfile "$T/digest" "$list" "127.0.0.1:$port/rt/app:1"
expect_rc 0
expect_err "retry 1/4 in"
expect_err "connection refused"
served=$(curl -s -H 'Accept: application/vnd.oci.image.index.v1+json' "http://127.0.0.1:$port/v2/rt/app/manifests/1" | sha256sum | cut -d' ' -f1)
[[ $(cat "$T/digest") == "sha256:$served" ]] || fail "digestfile != served digest ($served)"
[[ ! -s $T/out ]] || fail "manifest push printed on stdout (podman prints nothing)"

TEST "manifest push --retry 0: no retry; auth failures are never retried"
pma manifest create --config "$LAB_CONFIG" --host amd64 "$list"
pma manifest add --config "$LAB_CONFIG" --host amd64 --tls-verify=false "$list" "${LAB_PLAIN_BASE_IMAGE%:*}@$arm64"
pma manifest push --config "$LAB_CONFIG" --host amd64 --tls-verify=false --retry 0 "$list" "127.0.0.1:1/rt/app:1"
expect_rc 1
expect_no_err "retry"
pma manifest push --config "$LAB_CONFIG" --host amd64 --authfile "$T/wrong.json" --all=false --retry 3 "$list" "$repo:retry"
expect_rc 1
expect_no_err "retry 1/"
pma manifest rm --config "$LAB_CONFIG" --host amd64 "$list"
kill "$registry_pid" 2>/dev/null
wait "$registry_pid" 2>/dev/null
