# Runs that overlap on the same hosts and the same tags, next to a host
# owner's images: a run removes only the names it gave (never an image by ID),
# and no tag loses platforms silently. Real podman services, real registry;
# the rows go to $PMA_BUILD_ROOT/reliability/contention.md.
require_lab
repo=$LAB_REGISTRY/it-contention-$$-$RANDOM
owner=localhost/owner-$$-$RANDOM:1
ctx=$T/ctx
mkdir -p "$ctx" "$T/slow" "$T/fast"
printf 'FROM %s\nRUN echo contention-%s > /c\nCOPY . /ctx/\n' "$LAB_BASE_IMAGE" "$$" >"$ctx/Containerfile"
echo data >"$ctx/data"
printf 'FROM %s\nRUN sleep 6 && echo slow-%s > /s\n' "$LAB_BASE_IMAGE" "$$" >"$T/slow/Containerfile"
printf 'FROM %s\nRUN echo fast-%s > /f\n' "$LAB_BASE_IMAGE" "$$" >"$T/fast/Containerfile"
a1=linux/amd64@a1=unix://$LAB_SOCK_amd64
reliability_section contention "Runs that overlap" "Each row runs \`podman-multiarch build\` twice at once, or next to an \
image of the host's owner, on the lab's real podman services (a1: podman 4.3.1) and TLS+auth registry. \
\"names left\" counts the names (\`localhost/podman-multiarch-*\`) the rows' runs still have on the hosts afterwards."
started_row=$(date +%s)
cleanup_owner() {
  curl -s -m 10 -X DELETE --unix-socket "$LAB_SOCK_amd64" "http://d/v4.0.0/libpod/images/$(jq -rn --arg r "$owner" '$r|@uri')" >/dev/null
}
trap 'cleanup_owner; rm -rf "$T"' EXIT

# bg NAME ARGS… — podman-multiarch build ARGS in the background; out/err in $T/NAME.{out,err}.
bg() {
  local name=$1
  shift
  "$PMA_BIN" build "$@" >"$T/$name.out" 2>"$T/$name.err" &
  eval "pid_$name=$!"
}
# wait_bg NAME → sets rc_NAME.
wait_bg() {
  local pid_var="pid_$1"
  wait "${!pid_var}"
  eval "rc_$1=$?"
  echo "  \$ podman-multiarch build ($1) → $(eval echo "\$rc_$1")"
}

TEST "a fully cached build equal to the host owner's image leaves it alone"
# The owner builds the same context with podman itself; ours is then fully
# cached and podman gives back the owner's image.
(cd "$ctx" && podman --url "unix://$LAB_SOCK_amd64" build -q --authfile "$LAB_AUTHFILE" --platform linux/amd64 -t "$owner" . \
  >"$T/owner.out" 2>&1) ||
  fail "the owner's podman build failed: $(cat "$T/owner.out")"
owner_id=$(image_id amd64 "$owner")
pma build --host "$a1" --authfile "$LAB_AUTHFILE" --progress plain --platform linux/amd64 --allow-shrink \
  --metadata-file "$T/meta.json" -t "$repo/app:cached" "$ctx"
expect_rc 0
[[ $(jq -r '.platforms[0].imageId' "$T/meta.json") == "$owner_id" ]] ||
  fail "not the case under test: the build gave $(jq -r '.platforms[0].imageId' "$T/meta.json"), the owner has $owner_id"
[[ $(image_id amd64 "$owner") == "$owner_id" ]] || fail "the owner's $owner is gone"
reliability_row "a fully cached build gives back the host owner's image (podman's own \`localhost/mine:1\`)" \
  "published; the owner's image keeps its name and ID" \
  "exit $RC; owner's image $([[ $(image_id amd64 "$owner") == "$owner_id" ]] && echo kept || echo REMOVED)"

TEST "two runs with the same context and different tags, the second started as the first pushes"
bg one --host "$a1" --authfile "$LAB_AUTHFILE" --progress plain --platform linux/amd64 --allow-shrink \
  --metadata-file "$T/one.json" -t "$repo/app:one" "$ctx"
await 30 grep -q "push" "$T/one.err" || fail "the first run never pushed"
bg two --host "$a1" --authfile "$LAB_AUTHFILE" --progress plain --platform linux/amd64 --allow-shrink \
  --metadata-file "$T/two.json" -t "$repo/app:two" "$ctx"
wait_bg one
wait_bg two
[[ $rc_one == 0 && $rc_two == 0 ]] || fail "exit codes $rc_one and $rc_two: $(cat "$T/one.err" "$T/two.err")"
for n in one two; do
  [[ $(jq -r .verified "$T/$n.json") == true ]] || fail "run $n not verified"
done
[[ $(image_id amd64 "$owner") == "$owner_id" ]] || fail "the owner's $owner is gone"
reliability_row "two runs, same context, different tags, the second started as the first pushes" \
  "both published and verified; neither removes the other's image" "exit $rc_one and $rc_two; both verified"

TEST "Ctrl-C of one run leaves another run's --no-push result alone"
pma build --host "$a1" --progress plain --platform linux/amd64 --no-push --metadata-file "$T/kept.json" "$ctx"
expect_rc 0
kept=$(jq -r '.platforms[0].imageName' "$T/kept.json")
kept_id=$(jq -r '.platforms[0].imageId' "$T/kept.json")
[[ $(image_id amd64 "$kept") == "$kept_id" ]] || fail "--no-push did not keep $kept"
bg cut --host "$a1" --authfile "$LAB_AUTHFILE" --progress plain --platform linux/amd64 --allow-shrink \
  -t "$repo/app:cut" "$T/slow"
await 30 grep -q "STEP 2/2" "$T/cut.err" || fail "the build never started"
sleep 0.5
kill -INT "$pid_cut"
wait_bg cut
[[ $rc_cut == 130 ]] || fail "the interrupted run exited $rc_cut"
[[ $(image_id amd64 "$kept") == "$kept_id" ]] || fail "the interrupted run removed another run's --no-push result"
[[ $(image_id amd64 "$owner") == "$owner_id" ]] || fail "the owner's $owner is gone"
reliability_row "Ctrl-C of a run while another run's \`--no-push\` result and the owner's image sit on the same host" \
  "exit 130; both images kept" \
  "exit $rc_cut; --no-push result $([[ $(image_id amd64 "$kept") == "$kept_id" ]] && echo kept || echo REMOVED)"
curl -s -m 10 -X DELETE --unix-socket "$LAB_SOCK_amd64" "http://d/v4.0.0/libpod/images/$(jq -rn --arg r "$kept" '$r|@uri')" >/dev/null

TEST "a run to the same tag that another run grew meanwhile is refused before its list push"
# The slow run plans two platforms while the tag is empty; a fast run publishes
# three there while the slow one builds.
tag=$repo/app:shared
bg slow --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain --platform linux/amd64,linux/s390x \
  --metadata-file "$T/slow.json" -t "$tag" "$T/slow"
await 30 grep -q "STEP 2/2" "$T/slow.err" || fail "the slow build never started"
pma build --config "$LAB_CONFIG" --authfile "$LAB_AUTHFILE" --progress plain \
  --platform linux/amd64,linux/s390x,linux/arm64/v8 -t "$tag" "$T/fast"
fast_rc=$RC
fast_index=$(registry_digest "$tag")
wait_bg slow
[[ $fast_rc == 0 ]] || fail "the fast run failed"
[[ $rc_slow == 2 ]] || fail "the slow run exited $rc_slow, not 2: $(cat "$T/slow.err")"
grep -q "changed while this run built: it serves linux/amd64, linux/s390x, linux/arm64/v8 now" "$T/slow.err" ||
  fail "the refusal does not name what the tag serves: $(grep error: "$T/slow.err")"
[[ $(registry_digest "$tag") == "$fast_index" ]] || fail "the tag no longer serves the fast run's list"
reliability_row "run B (2 platforms) builds while run A publishes 3 platforms to the same tag" \
  "B refused right before its list push (exit 2), naming the 3 platforms; the tag keeps A's list" \
  "exit $rc_slow, \"$(grep -m1 -o 'changed while this run built[^(]*' "$T/slow.err")\"; tag $([[ $(registry_digest "$tag") == "$fast_index" ]] && echo "keeps A's list" || echo CHANGED)"

TEST "nothing of the runs is left on the hosts"
left=$(run_names_since "$started_row")
[[ $left == 0 ]] || fail "$left names of these runs are left on the hosts"
reliability_row "after all the rows above" "no name of any of these runs left on any host" "names left: $left"
