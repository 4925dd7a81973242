# Signing keys against the real thing: a key pair from generate-sigstore-key is one
# skopeo 1.18 (trixie, containers/image 5.34, the code podman 5.4.2 verifies with) signs
# with, and whose public key its sigstoreSigned policy accepts; another key is refused.
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
