# Signing against the real thing. Keys: a pair from generate-sigstore-key is one skopeo
# 1.18 (trixie, containers/image 5.34, the code podman 5.4.2 verifies with) signs with.
# Releases: what build --sign-by-sigstore-private-key publishes, judged by podman 5.4.2's
# own policy evaluation (podman pull --signature-policy, in the lab's trixie chroot, with
# storage of its own), read and appended to by skopeo 1.18; and what a failure leaves.
# (bookworm's skopeo 1.9.3 and podman 4.3.1 are built without sigstore: docs/signing.md.)
require_lab
# shellcheck source=../lab/lab-lib.sh
source "$PMA_SOURCE_ROOT/tests/lab/lab-lib.sh"
cd "$T" || exit 1 # lab_trixie shows the current directory inside the chroot
repo=$LAB_REGISTRY/it-sign-$$-$RANDOM
printf 'correct horse\n' >"$T/pass"
printf 'other\n' >"$T/pass2"

TEST "generate-sigstore-key writes PREFIX.private (0600) and PREFIX.pub (0644)"
pma generate-sigstore-key --output-prefix "$T/k" --passphrase-file "$T/pass"
expect_rc 0
expect_out "Key written to \"$T/k.private\" and \"$T/k.pub\""
[[ $(stat -c %a "$T/k.private") == 600 && $(stat -c %a "$T/k.pub") == 644 ]] ||
  fail "modes $(stat -c %a "$T/k.private") $(stat -c %a "$T/k.pub")"
head -1 "$T/k.private" | grep -qx -- '-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----' || fail "$(head -1 "$T/k.private")"
openssl pkey -pubin -in "$T/k.pub" -noout -text 2>/dev/null | grep -q 'prime256v1' || fail "not a P-256 public key"
grep -rqF 'correct horse' "$T/out" "$T/err" "$T/k.private" && fail "the passphrase was printed or stored"

TEST "an existing key is never overwritten; no passphrase and no terminal is a usage error"
cp "$T/k.private" "$T/k.private.before"
pma generate-sigstore-key --output-prefix "$T/k" --passphrase-file "$T/pass2"
expect_rc 2
expect_err "refusing to overwrite the existing $T/k.private"
cmp -s "$T/k.private" "$T/k.private.before" || fail "the private key changed"
pma generate-sigstore-key --output-prefix "$T/n" </dev/null
expect_rc 2
expect_err "cannot prompt for a passphrase for key $T/n.private: standard input is not a terminal"
[[ ! -e $T/n.private && ! -e $T/n.pub ]] || fail "files were written"
pma generate-sigstore-key --output-prefix "$T/other" --passphrase-file "$T/pass2"
expect_rc 0

TEST "skopeo 1.18 signs with the key, and a policy with its public key accepts, another key's refuses"
mkdir -p "$T/regd"
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$repo" >"$T/regd/it.yaml"
for k in k other; do
  printf '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","keyPath":"%s"}]}}}\n' \
    "$repo" "$T/$k.pub" >"$T/policy-$k.json"
done
lab_trixie skopeo --registries.d "$T/regd" copy -q --all --authfile "$LAB_AUTHFILE" \
  --sign-by-sigstore-private-key "$T/k.private" --sign-passphrase-file "$T/pass" \
  "docker://$LAB_BASE_IMAGE" "docker://$repo:1" >"$T/out" 2>"$T/err" || fail "skopeo could not sign with it"
lab_trixie skopeo --policy "$T/policy-k.json" --registries.d "$T/regd" copy -q --authfile "$LAB_AUTHFILE" \
  "docker://$repo:1" "dir:$T/pulled" >"$T/out" 2>"$T/err" || fail "the policy with its public key refused it"
lab_trixie skopeo --policy "$T/policy-other.json" --registries.d "$T/regd" copy -q --authfile "$LAB_AUTHFILE" \
  "docker://$repo:1" "dir:$T/refused" >"$T/out" 2>"$T/err" && fail "another key's policy accepted it"
expect_err "cryptographic signature verification failed"
lab_trixie skopeo --registries.d "$T/regd" copy -q --authfile "$LAB_AUTHFILE" \
  --sign-by-sigstore-private-key "$T/k.private" --sign-passphrase-file "$T/pass2" \
  "docker://$LAB_BASE_IMAGE" "docker://$repo:2" >"$T/out" 2>"$T/err" && fail "a wrong passphrase signed"
true

# --- Signed releases -------------------------------------------------------------------

mkdir -p "$T/ctx" "$T/judge/home/.config/containers/registries.d"
printf 'FROM %s\nRUN echo signed-%s > /release\n' "$LAB_BASE_IMAGE" "$$-$RANDOM" >"$T/ctx/Containerfile"
cp "$T/regd/it.yaml" "$T/judge/home/.config/containers/registries.d/"
# A policy requiring KEY's signature for $repo; IDENTITY: matchRepoDigestOrExact (podman's
# default) or matchRepository.
policy() {
  printf '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"%s":[{"type":"sigstoreSigned","keyPath":"%s","signedIdentity":{"type":"%s"}}]}}}\n' \
    "$repo" "$T/$1.pub" "${2:-matchRepoDigestOrExact}" >"$T/policy-$1-${2:-exact}.json"
  echo "$T/policy-$1-${2:-exact}.json"
}
# podman 5.4.2 pulls ARCH of REF under POLICY (its own storage; nothing of the lab's hosts).
judge() {
  lab_trixie env HOME="$T/judge/home" podman --root "$T/judge/st" --runroot "$T/judge/rr" --storage-driver vfs \
    pull -q --authfile "$LAB_AUTHFILE" --signature-policy "$3" --arch "$2" "$1" >"$T/out" 2>"$T/err"
}
signed_build() {
  pma build --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain \
    --sign-by-sigstore-private-key "$T/k.private" --sign-passphrase-file "$T/pass" "$@"
}
archs="amd64 arm64 ppc64le s390x"

TEST "a signed release of 4 platforms and 2 tags: podman 5.4.2 accepts every platform with the key, refuses another key"
signed_build --log-level debug --metadata-file "$T/meta.json" -t "$repo:1" -t "$repo:latest" "$T/ctx"
expect_rc 0
key_line=$(sed -n 2p "$T/k.private")
for needle in 'correct horse' "$key_line"; do
  grep -qF -- "$needle" "$T/out" "$T/err" "$T/meta.json" && fail "the passphrase or the key was printed or recorded"
done
jq -e '.signatures.new == 10 and .signatures.kept == 0' "$T/meta.json" >/dev/null || fail "metadata: $(jq -c .signatures "$T/meta.json")"
expect_err "pushing the list to $repo:podman-multiarch-staging-"
expect_err_re "signed and verified 5 manifests \(10 new signatures, 0 kept\) in [0-9]+ ms"
grep -n "moving $repo:1 to the signed list" "$T/err" | head -1 >"$T/moved"
[[ $(grep -n "signed and verified" "$T/err" | cut -d: -f1) -lt $(cut -d: -f1 "$T/moved") ]] || fail "a tag moved before the signatures were verified"
registry_raw "$repo:1" >/dev/null || fail "no list at :1"
skopeo list-tags --authfile "$LAB_AUTHFILE" "docker://$repo" | grep -q podman-multiarch-staging && fail "the staging tag is left"
accept=$(policy k)
for arch in $archs; do
  judge "$repo:1" "$arch" "$accept" || fail "podman 5.4.2 refused $arch of :1: $(cat "$T/err")"
done
judge "$repo:latest" s390x "$accept" || fail "podman 5.4.2 refused s390x of :latest: $(cat "$T/err")"
judge "$repo:1" arm64 "$(policy other)" && fail "podman 5.4.2 accepted another key"
expect_err "cryptographic signature verification failed: invalid signature when validating ASN.1 encoded signature"
pma inspect --authfile "$LAB_AUTHFILE" --verify-key "$T/k.pub" "$repo:latest"
expect_rc 0
[[ $(grep -c '  yes$' "$T/out") == 5 ]] || fail "not 5 signed manifests: $(cat "$T/out")"
pma inspect --authfile "$LAB_AUTHFILE" --verify-key "$T/other.pub" --format json "$repo:1"
expect_rc 1
expect_json '.signatures.all == false and .signatures.index == false and ([.signatures.manifests[].signed] | any) == false'

TEST "podman 4.3.1 (bookworm: sigstore patched out) refuses what podman 5.4.2 accepts"
mkdir -p "$T/old/home/.config/containers/registries.d" && cp "$T/regd/it.yaml" "$T/old/home/.config/containers/registries.d/"
HOME=$T/old/home podman --root "$T/old/st" --runroot "$T/old/rr" --storage-driver vfs pull -q --authfile "$LAB_AUTHFILE" \
  --signature-policy "$accept" --arch amd64 "$repo:1" >"$T/out" 2>"$T/err" && fail "podman 4.3.1 accepted a sigstore signature"
expect_err "Debian-local change: sigstore disabled"

TEST "the same release again: nothing pushed, every signature kept, no attachment grows"
sig=$repo:$(registry_digest "$repo:1" | tr : -).sig
before=$(registry_digest "$sig")
signed_build -t "$repo:1" -t "$repo:latest" "$T/ctx"
expect_rc 0
expect_err "signatures: 5 kept, 0 added"
expect_err "nothing pushed"
[[ $(registry_digest "$sig") == "$before" ]] || fail "the index's attachment changed"

TEST "skopeo 1.18 and podman-multiarch read each other's signatures in one attachment"
lab_trixie skopeo --policy "$accept" --registries.d "$T/regd" copy -q --authfile "$LAB_AUTHFILE" \
  "docker://$repo:latest" "dir:$T/by-skopeo" >"$T/out" 2>"$T/err" || fail "skopeo 1.18 refused our signature: $(cat "$T/err")"
lab_trixie skopeo --registries.d "$T/regd" copy -q --all --authfile "$LAB_AUTHFILE" \
  --sign-by-sigstore-private-key "$T/k.private" --sign-passphrase-file "$T/pass" \
  "docker://$repo:1" "docker://$repo:sk" >"$T/out" 2>"$T/err" || fail "skopeo could not sign: $(cat "$T/err")"
[[ $(registry_digest "$repo:sk") == $(registry_digest "$repo:1") ]] || fail "skopeo copied other bytes"
registry_raw "$sig" | jq -r '.layers[].digest' >"$T/layers"
[[ $(wc -l <"$T/layers") == 3 ]] || fail "the index's attachment has $(wc -l <"$T/layers") signatures, not ours (2) + skopeo's"
pma inspect --authfile "$LAB_AUTHFILE" --verify-key "$T/k.pub" "$repo:sk"
expect_rc 0 # our reader accepts skopeo's signatures
judge "$repo:1" ppc64le "$accept" || fail "podman 5.4.2 refused ours beside skopeo's: $(cat "$T/err")"
# The payloads: the same document but for the tag it names and the creator and time.
for d in $(cat "$T/layers"); do
  curl -s --cacert "$PMA_LAB_DIR/registry/ca.crt" -u "pma:$(cat "$PMA_LAB_DIR/registry/password")" \
    "https://$LAB_REGISTRY/v2/${repo#*/}/blobs/$d" | jq -c '{critical, optional: (.optional | keys)}'
done | sed "s|$repo:[a-z0-9]*|REPO:TAG|" | sort -u >"$T/shapes"
[[ $(wc -l <"$T/shapes") == 1 ]] || fail "our payloads and skopeo's differ in form: $(cat "$T/shapes")"

TEST "an image without a signature in the list is refused, the signed ones in it accepted"
printf 'FROM %s\nRUN echo unsigned-%s > /release\n' "$LAB_BASE_IMAGE" "$$" >"$T/ctx/Containerfile"
pma build --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --platform linux/s390x -t "$repo:unsigned" "$T/ctx"
expect_rc 0
amd64=$(registry_raw "$repo:1" | jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest')
s390x=$(registry_raw "$repo:unsigned" | jq -r '.manifests[0].digest')
list=localhost/it-sign-mixed-$$
pma manifest create --config "$LAB_CONFIG" --host ppc64le "$list"
pma manifest add --config "$LAB_CONFIG" --host ppc64le --authfile "$LAB_AUTHFILE" "$list" "docker://$repo@$amd64"
pma manifest add --config "$LAB_CONFIG" --host ppc64le --authfile "$LAB_AUTHFILE" "$list" "docker://$repo@$s390x"
pma manifest push --config "$LAB_CONFIG" --host ppc64le --authfile "$LAB_AUTHFILE" -q --rm "$list" "docker://$repo:mixed"
expect_rc 0
anyrepo=$(policy k matchRepository)
judge "$repo:mixed" amd64 "$anyrepo" || fail "the signed amd64 image was refused: $(cat "$T/err")"
judge "$repo:mixed" s390x "$anyrepo" && fail "the unsigned s390x image was accepted"
expect_err "A signature was required, but no signature exists"
pma inspect --authfile "$LAB_AUTHFILE" --verify-key "$T/k.pub" "$repo:mixed"
expect_rc 1
expect_err "not every manifest has a valid signature by $T/k.pub"

TEST "manifest push --sign-by-sigstore-private-key: the destination moves to a signed list"
pma manifest create --config "$LAB_CONFIG" --host amd64 "$list"
pma manifest add --config "$LAB_CONFIG" --host amd64 --authfile "$LAB_AUTHFILE" --all "$list" "docker://$repo:1"
pma manifest push --config "$LAB_CONFIG" --host amd64 --authfile "$LAB_AUTHFILE" -q --rm --digestfile "$T/digest" \
  --sign-by-sigstore-private-key "$T/k.private" --sign-passphrase-file "$T/pass" "$list" "docker://$repo:verb"
expect_rc 0
[[ $(cat "$T/digest") == $(registry_digest "$repo:verb") ]] || fail "--digestfile $(cat "$T/digest")"
judge "$repo:verb" amd64 "$accept" || fail "podman 5.4.2 refused the verb's push: $(cat "$T/err")"

TEST "bake signs every target's images and list, each under its own tags"
mkdir -p "$T/rel/one" "$T/rel/two"
printf 'FROM %s\nRUN echo one-%s > /one\n' "$LAB_BASE_IMAGE" "$$" >"$T/rel/one/Containerfile"
printf 'FROM one\nRUN echo two > /two\n' >"$T/rel/two/Containerfile"
cat >"$T/rel/podman-multiarch.bake.yaml" <<YAML
groups:
  default: [two]
targets:
  one:
    context: one
    platforms: [linux/amd64, linux/s390x]
    tags: ["$repo-one:1"]
  two:
    context: two
    platforms: [linux/amd64, linux/s390x]
    contexts: {one: "target:one"}
    tags: ["$repo-two:1"]
YAML
for target in one two; do
  sed "s|$repo|$repo-$target|" "$T/regd/it.yaml" >"$T/judge/home/.config/containers/registries.d/$target.yaml"
done
pma bake -f "$T/rel/podman-multiarch.bake.yaml" --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain \
  --sign-by-sigstore-private-key "$T/k.private" --sign-passphrase-file "$T/pass"
expect_rc 0
[[ $(grep -c "signed and verified 3 manifests (3 new signatures, 0 kept)" "$T/err") == 2 ]] ||
  fail "not both targets signed: $(grep signed "$T/err")"
for target in one two; do
  sed "s|\"$repo\"|\"$repo-$target\"|" "$accept" >"$T/policy-$target.json"
  judge "$repo-$target:1" s390x "$T/policy-$target.json" || fail "podman 5.4.2 refused $target: $(cat "$T/err")"
done

TEST "failures leave every tag where it was: a wrong passphrase, a key others can read, Ctrl-C before the move"
printf 'FROM %s\nRUN echo changed-%s > /release\n' "$LAB_BASE_IMAGE" "$$-$RANDOM" >"$T/ctx/Containerfile"
served=$(registry_digest "$repo:1")
pma build --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" -t "$repo:1" \
  --sign-by-sigstore-private-key "$T/k.private" --sign-passphrase-file "$T/pass2" "$T/ctx"
expect_rc 2
expect_err "private key $T/k.private: wrong passphrase (or a damaged file)"
expect_no_out "linux/amd64" # nothing was built
cp "$T/k.private" "$T/open.private" && chmod 644 "$T/open.private"
pma build --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" -t "$repo:1" \
  --sign-by-sigstore-private-key "$T/open.private" --sign-passphrase-file "$T/pass" "$T/ctx"
expect_rc 2
expect_err "the signing key $T/open.private is open to others (mode 0644): refusing to use it"
"$PMA_BIN" build --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain -t "$repo:1" \
  --sign-by-sigstore-private-key "$T/k.private" --sign-passphrase-file "$T/pass" "$T/ctx" >"$T/out" 2>"$T/err" &
pid=$!
await 60 grep -q "pushing the list to $repo:podman-multiarch-staging-" "$T/err" || fail "the list push never started"
kill -INT "$pid"
wait "$pid"
RC=$?
expect_rc 130
expect_no_err "to the signed list"
[[ $(registry_digest "$repo:1") == "$served" ]] || fail ":1 moved"
skopeo list-tags --authfile "$LAB_AUTHFILE" "docker://$repo" | grep -q podman-multiarch-staging && fail "the staging tag is left"
grep -rqF 'correct horse' "$T/out" "$T/err" && fail "the passphrase was printed"
true

