# A registry (or a proxy) that echoes the request's Authorization header in
# its error bodies: the password, base64(user:password) and the bearer token
# never reach stdout, stderr or the metadata file, and the error still says
# what happened. The fake registry is tests/faults/echo_registry.py.
python3 "$PMA_SOURCE_ROOT/tests/faults/echo_registry.py" "$T/port" &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [[ -s $T/port ]] && break; sleep 0.1; done
reg=127.0.0.1:$(cat "$T/port")
password='Echo-Pass-3x7!q'
basic=$(printf 'pma:%s' "$password" | base64 -w0)
token=fake-bearer-TOKEN-4f9c2a7e1b
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$reg" "$basic" >"$T/auth.json"
needles=("$password" "$basic" "$token")
reliability_section secrets "Registries that echo credentials" "A plain-HTTP registry \
(\`tests/faults/echo_registry.py\`) puts the request's Authorization header in its 401 and 500 bodies; each row \
searches stdout, stderr and the metadata file for the password, base64(user:password) and the bearer token."
# clean [FILE…] — no credential form in stdout, stderr or the files; one matrix row.
clean() {
  local needle leaked=()
  for needle in "${needles[@]}"; do
    grep -qF -- "$needle" "$T/out" "$T/err" "$@" && leaked+=("${needle:0:4}…")
  done
  ((${#leaked[@]} == 0)) || fail "a credential leaked: ${leaked[*]}"
  local said
  said=$(grep -m1 'error:' "$T/err" | sed "s/^podman-multiarch: error: //; s|$T|\$TMP|g; s|$reg|REG|g; s/|/\\\\|/g" | cut -c1-110)
  reliability_row "$current${source:+ ($source)}" "no credential printed or written; the error says what happened" \
    "exit $RC; leaked: ${leaked[*]:-none}; \"$said\""
}

TEST "the fake registry really echoes what it is sent"
curl -s -u "pma:$password" "http://$reg/v2/basic/app/manifests/1" >"$T/out"
grep -qF "Basic $basic" "$T/out" || fail "the Basic header is not echoed"
curl -s -H "Authorization: Bearer $token" "http://$reg/v2/bearer/app/manifests/1" >"$T/out"
grep -qF "Bearer $token" "$T/out" || fail "the bearer token is not echoed"

TEST "inspect: an echoed bearer token and the Basic header the token server saw"
pma inspect --authfile "$T/auth.json" --tls-verify=false "$reg/bearer/app:1"
expect_rc 1
expect_err "$reg refused the credentials from $T/auth.json (key $reg) for bearer/app: you sent Authorization: Bearer *****; the token server saw Basic *****"
clean

TEST "inspect: an echoed Basic header, with --creds and at --log-level debug"
pma inspect --creds "pma:$password" --tls-verify=false --log-level debug "$reg/basic/app:1"
expect_rc 1
expect_err "refused the credentials from --creds for basic/app: you sent Authorization: Basic *****"
clean

TEST "inspect --format json and --raw: a 500 that echoes the token"
pma inspect --authfile "$T/auth.json" --tls-verify=false --format json "$reg/status500/app:1"
expect_rc 1
expect_err "*****"
clean
pma inspect --authfile "$T/auth.json" --tls-verify=false --raw "$reg/status500/app:1"
expect_rc 1
clean

TEST "build: the credential check before building hides the echoed credentials everywhere"
require_lab
mkdir -p "$T/ctx"
printf 'FROM scratch\nLABEL x=1\n' >"$T/ctx/Containerfile"
for source in --authfile --creds; do
  value=$T/auth.json
  [[ $source == --creds ]] && value=pma:$password
  rm -f "$T/meta.json"
  pma build --config "$LAB_CONFIG" --host amd64 --platform linux/amd64 "$source" "$value" --tls-verify=false \
    --progress json --log-level debug --metadata-file "$T/meta.json" -t "$reg/bearer/app:1" "$T/ctx"
  expect_rc 1
  expect_err "before building: $reg refused the credentials"
  expect_err "you sent Authorization: Bearer *****"
  [[ -s $T/meta.json ]] || fail "no metadata file"
  grep -qF "before building" "$T/meta.json" || fail "the metadata file lacks the error"
  clean "$T/meta.json"
done
