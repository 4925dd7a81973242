# Credentials never show: every command at --log-level debug, plus everything
# the other scenarios printed (their transcripts), is searched for the
# registry password and its encodings. And podman-multiarch never starts a
# program: strace sees one execve, the tool's own.
require_lab
password=$(cat "$LAB_REGISTRY_PASSWORD_FILE")
repo=$LAB_REGISTRY/it-secrets-$$-$RANDOM
ctx=$T/ctx
mkdir -p "$ctx"
printf 'FROM %s\nRUN echo ok > /ok\n' "$LAB_BASE_IMAGE" >"$ctx/Containerfile"
json=$(printf '{"username":"pma","password":"%s"}' "$password")
needles=("$password" "$(printf 'pma:%s' "$password" | base64 -w0)"
  "$(printf '%s' "$json" | base64 -w0)" "$(printf '%s' "$json" | base64 -w0 | tr '+/' '-_')")
debug=(--config "$LAB_CONFIG" --log-level debug --authfile "$LAB_AUTHFILE")
mkdir -p "$T/seen"
keep() { cat "$T/out" "$T/err" >"$T/seen/$1.txt"; }

TEST "every command at --log-level debug keeps the password to itself"
pma build "${debug[@]}" --progress plain -t "$repo/app:1" --metadata-file "$T/seen/meta.json" "$ctx"
expect_rc 0
keep build
pma inspect "${debug[@]}" "$repo/app:1"
expect_rc 0
keep inspect
for host in amd64 ppc64le; do
  pma inspect "${debug[@]}" --host "$host" "$repo/app:1"
  keep "inspect-$host"
  pma manifest create "${debug[@]}" --host "$host" "localhost/secrets-$$:$host" "$repo/app:1" --all
  keep "create-$host"
  pma manifest push "${debug[@]}" --host "$host" --rm "localhost/secrets-$$:$host" "$repo/copy:$host"
  expect_rc 0
  keep "push-$host"
done
pma hosts check "${debug[@]}"
keep hosts
for needle in "${needles[@]}"; do
  ! grep -rqF -- "$needle" "$T/seen" || fail "a credential form leaked: $(grep -rlF -- "$needle" "$T/seen")"
done
grep -q "debug" "$T/seen/build.txt" || fail "no debug output was produced"

TEST "nothing the other scenarios printed holds a credential"
shopt -s nullglob
transcripts=("$PMA_TRANSCRIPTS"/*.log)
((${#transcripts[@]} >= 5)) || fail "only ${#transcripts[@]} transcripts in $PMA_TRANSCRIPTS"
for needle in "${needles[@]}"; do
  ! grep -qF -- "$needle" "${transcripts[@]}" || fail "a credential leaked in: $(grep -lF -- "$needle" "${transcripts[@]}")"
done
echo "  searched $(cat "${transcripts[@]}" | wc -c) bytes of $(ls "${transcripts[@]}" | wc -l) transcripts"

TEST "a whole build starts no program: strace sees only the tool's own execve"
# LeakSanitizer cannot run under ptrace (scripts/sanitize.sh builds): leaks are checked everywhere else.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=execve -o "$T/strace.log" "$PMA_BIN" build --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" \
  --progress quiet -t "$repo/app:2" "$ctx" >"$T/out" 2>"$T/err"
RC=$?
expect_rc 0
execs=$(grep -c 'execve(' "$T/strace.log")
[[ $execs == 1 ]] && grep -qF "execve(\"$PMA_BIN\"" "$T/strace.log" || fail "execve calls: $(grep 'execve(' "$T/strace.log")"
