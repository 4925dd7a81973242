# podman-multiarch build against the real lab: 4 platforms over unix + ssh,
# podman 4.3.1 and 5.4.2 mixed, TLS + auth registry. Every check reads the
# registry with skopeo, not with podman-multiarch.
require_lab
cfg=$LAB_CONFIG
repo=$LAB_REGISTRY/it-$$-$RANDOM
ctx=$T/ctx
mkdir -p "$ctx"
cat >"$ctx/Containerfile" <<CF
ARG BASE=$LAB_BASE_IMAGE
FROM \${BASE}
ARG FAIL_ON=none
RUN uname -m > /arch && [ "\$(uname -m)" != "\$FAIL_ON" ]
COPY . /ctx/
CF
echo keep >"$ctx/kept.txt"
build() { pma build --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain "$@"; }
none="0 0 0 0 "

TEST "4 platforms, mixed podman versions, unix + ssh: the registry serves exactly them"
start=$(date +%s)
build -t "$repo/app:1.0" --metadata-file "$T/meta.json" --digestfile "$T/digest" "$ctx"
expect_rc 0
[[ $(registry_platforms "$repo/app:1.0") == "linux/amd64 linux/arm64/v8 linux/ppc64le linux/s390x " ]] ||
  fail "registry platforms: $(registry_platforms "$repo/app:1.0")"
digest=$(registry_digest "$repo/app:1.0")
[[ $(cat "$T/out") == "$digest" ]] || fail "printed digest $(cat "$T/out") != registry $digest"
[[ $(cat "$T/digest") == "$digest" ]] || fail "digestfile != registry digest"
[[ $(jq -r .indexDigest "$T/meta.json") == "$digest" ]] || fail "metadata indexDigest != registry digest"
jq -e '.verified and (.platforms | length == 4) and (.skipped | length == 0) and .mediaType == "application/vnd.oci.image.index.v1+json"' \
  "$T/meta.json" >/dev/null || fail "metadata: $(cat "$T/meta.json")"
for entry in $(registry_raw "$repo/app:1.0" | jq -r '.manifests[] | .digest + "=" + .platform.os + "/" + .platform.architecture'); do
  d=${entry%%=*} want=${entry#*=}
  [[ $(config_arch "$repo/app@$d") == "$want" ]] || fail "config of $d is $(config_arch "$repo/app@$d"), index says $want"
done
expect_err "[linux/arm64/v8@arm64]"
expect_err "verified: the registry serves every platform"

TEST "nothing is left on the hosts: no list, no per-arch image"
[[ $(images_created_since "$start") == "$none" ]] || fail "images left per host: $(images_created_since "$start")"
for h in $LAB_HOSTS; do [[ $(host_list_count "$h") == 0 ]] || fail "a list is left on $h"; done

TEST "each image ran its RUN step on its own architecture"
podman_amd64=(podman --url "unix://$LAB_SOCK_amd64")
for platform in linux/amd64 linux/arm64 linux/ppc64le linux/s390x; do
  arch=$("${podman_amd64[@]}" run --rm --authfile "$LAB_AUTHFILE" --platform "$platform" "$repo/app:1.0" cat /arch 2>/dev/null)
  want=$(case $platform in linux/amd64) echo x86_64 ;; linux/arm64) echo aarch64 ;; *) echo "${platform#linux/}" ;; esac)
  [[ $arch == "$want" ]] || fail "$platform image says it was built on '$arch'"
  "${podman_amd64[@]}" rmi -f "$repo/app:1.0" >/dev/null 2>&1
done

TEST "a failed platform publishes nothing (exit 4); the tag keeps its index byte for byte"
registry_raw "$repo/app:1.0" >"$T/before.json"
start=$(date +%s)
build -t "$repo/app:1.0" --build-arg FAIL_ON=s390x "$ctx"
expect_rc 4
expect_err "nothing published: 1 of 4 platforms failed"
expect_err "host s390x (linux/s390x): build failed"
registry_raw "$repo/app:1.0" >"$T/after.json"
cmp -s "$T/before.json" "$T/after.json" || fail "the index changed"
# Only the layers the failing build committed stay (the layer cache, as after podman build).
[[ $(run_names_since "$start") == 0 ]] || fail "names left after a failed run: $(run_names_since "$start")"

TEST "--allow-partial publishes the others (exit 3) and names what it left out"
build -t "$repo/partial:1" --build-arg FAIL_ON=s390x --allow-partial --metadata-file "$T/partial.json" "$ctx"
expect_rc 3
[[ $(registry_platforms "$repo/partial:1") == "linux/amd64 linux/arm64/v8 linux/ppc64le " ]] ||
  fail "partial index: $(registry_platforms "$repo/partial:1")"
jq -e '.skipped | length == 1 and (.[0].platform == "linux/s390x")' "$T/partial.json" >/dev/null ||
  fail "metadata skipped: $(jq -c .skipped "$T/partial.json")"

TEST "--require: a required platform that failed means nothing is published"
build -t "$repo/required:1" --build-arg FAIL_ON=s390x --require linux/s390x "$ctx"
expect_rc 4
expect_err "required platform linux/s390x failed"
skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$repo/required:1" >/dev/null 2>&1 && fail "the tag exists"

TEST "shrink protection: fewer platforms than the tag serves is refused, --allow-shrink allows it"
build -t "$repo/app:1.0" --platform linux/amd64,linux/s390x "$ctx"
expect_rc 2
expect_err "serves linux/arm64/v8, linux/ppc64le now, which this run would drop"
cmp -s <(registry_raw "$repo/app:1.0") "$T/before.json" || fail "the index changed"
build -t "$repo/app:1.0" --platform linux/amd64,linux/s390x --allow-shrink "$ctx"
expect_rc 0
[[ $(registry_platforms "$repo/app:1.0") == "linux/amd64 linux/s390x " ]] || fail "after shrink: $(registry_platforms "$repo/app:1.0")"

TEST "several tags get the same index, also in another repository"
build -t "$repo/multi:1" -t "$repo/multi:latest" -t "$repo/other:1" --platform linux/arm64,linux/ppc64le "$ctx"
expect_rc 0
d1=$(registry_digest "$repo/multi:1")
[[ $(registry_digest "$repo/multi:latest") == "$d1" ]] || fail "latest differs"
[[ $(registry_digest "$repo/other:1") == "$d1" ]] || fail "other repository differs"
[[ $(registry_platforms "$repo/other:1") == "linux/arm64/v8 linux/ppc64le " ]] || fail "other: $(registry_platforms "$repo/other:1")"

TEST "the list is filled while the builds run, in plan order whichever platform finishes first"
cat >"$ctx/Slow" <<CF
FROM $LAB_BASE_IMAGE
ARG SLOW=none
RUN [ "\$(uname -m)" != "\$SLOW" ] || sleep 3
CF
# amd64, first in the plan, finishes last: the index still lists it first.
build -t "$repo/order:1" -f "$ctx/Slow" --build-arg SLOW=x86_64 "$ctx"
expect_rc 0
order=$(registry_raw "$repo/order:1" | jq -r '[.manifests[].platform.architecture] | join(" ")')
[[ $order == "amd64 arm64 ppc64le s390x" ]] || fail "index order: $order"
# s390x, last in the plan, finishes last: the others join the list before it is done.
build -t "$repo/order:2" -f "$ctx/Slow" --build-arg SLOW=s390x "$ctx"
expect_rc 0
assembling=$(grep -n "assembling the list" "$T/err" | cut -d: -f1)
s390x_done=$(grep -n "^\[linux/s390x@s390x\] done:" "$T/err" | cut -d: -f1)
((assembling < s390x_done)) || fail "the list was assembled only after the last build (lines $assembling, $s390x_done)"
order=$(registry_raw "$repo/order:2" | jq -r '[.manifests[].platform.architecture] | join(" ")')
[[ $order == "amd64 arm64 ppc64le s390x" ]] || fail "index order: $order"
rm -f "$ctx/Slow"

TEST "a mislabelled image is refused before publishing"
cat >"$T/mislabel.Containerfile" <<CF
FROM --platform=linux/amd64 $LAB_BASE_IMAGE
CF
cp "$T/mislabel.Containerfile" "$ctx/Mislabel"
build -t "$repo/mislabel:1" -f "$ctx/Mislabel" --platform linux/arm64 "$ctx"
expect_rc 4
expect_err "the image built for linux/arm64/v8 is linux/amd64"
skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$repo/mislabel:1" >/dev/null 2>&1 && fail "the tag exists"
rm -f "$ctx/Mislabel"

TEST "--dry-run prints the plan and touches nothing"
start=$(date +%s)
build -t "$repo/dry:1" --dry-run --format json "$ctx"
expect_rc 0
expect_json '.platforms | length == 4 and (map(.host) | sort == ["amd64", "arm64", "ppc64le", "s390x"])'
expect_json '.platforms[] | select(.host == "ppc64le") | .pushTo | endswith("@@unknown-digest@@")'
expect_json '.platforms[] | select(.host == "amd64") | .pushTo | endswith(":1-staging-linux-amd64")'
skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$repo/dry:1" >/dev/null 2>&1 && fail "dry run pushed"
[[ $(images_created_since "$start") == "$none" ]] || fail "dry run left images"
build -t "$repo/dry:1" --dry-run "$ctx"
expect_out "PLATFORM"
expect_out "linux/s390x"

TEST "--no-push builds, reports image IDs and pushes nothing"
build --no-push --platform linux/s390x,linux/amd64 "$ctx"
expect_rc 0
grep -E '^linux/s390x s390x [0-9a-f]{64}$' "$T/out" >/dev/null || fail "no image ID for s390x"
id=$(awk '$1 == "linux/s390x" {print $3}' "$T/out")
curl -s --unix-socket "$LAB_SOCK_s390x" "http://d/v4.0.0/libpod/images/$id/json" | jq -e '.Architecture == "s390x"' >/dev/null ||
  fail "the s390x image is not on its host"
curl -s -X DELETE --unix-socket "$LAB_SOCK_s390x" "http://d/v4.0.0/libpod/images/$id" >/dev/null
id=$(awk '$1 == "linux/amd64" {print $3}' "$T/out")
curl -s -X DELETE --unix-socket "$LAB_SOCK_amd64" "http://d/v4.0.0/libpod/images/$id" >/dev/null

TEST "the registry password never appears, at any log level"
password=$(cat "$LAB_REGISTRY_PASSWORD_FILE")
b64=$(printf 'pma:%s' "$password" | base64 -w0)
for level in error warn info debug; do
  build -t "$repo/secret:1" --platform linux/arm64 --log-level "$level" --metadata-file "$T/secret.json" "$ctx"
  expect_rc 0
  for needle in "$password" "$b64"; do
    ! grep -qF -- "$needle" "$T/out" "$T/err" "$T/secret.json" || fail "a credential leaked at --log-level $level"
  done
done

TEST ".containerignore: an ignored 50 GB sparse file is never read; a ! exception is kept"
mkdir -p "$T/ign/data" "$T/ign/logs"
truncate -s 50G "$T/ign/data/huge.img" # reading it would take minutes
echo secret >"$T/ign/logs/a.log"
echo keep >"$T/ign/logs/keep.log"
echo src >"$T/ign/main.c"
printf 'data\nlogs\n!logs/keep.log\n' >"$T/ign/.containerignore"
cat >"$T/ign/Containerfile" <<CF
FROM $LAB_BASE_IMAGE
COPY . /ctx/
RUN find /ctx | sort > /listing
CF
start=$(date +%s)
build -t "$repo/ignore:1" --platform linux/amd64 "$T/ign"
expect_rc 0
(($(date +%s) - start < 60)) || fail "took $(($(date +%s) - start)) s: the sparse file was read?"
expect_err "excluded by .containerignore"
listing=$("${podman_amd64[@]}" run --rm --authfile "$LAB_AUTHFILE" "$repo/ignore:1" cat /listing 2>&1)
"${podman_amd64[@]}" rmi -f "$repo/ignore:1" >/dev/null 2>&1
grep -qx /ctx/logs/keep.log <<<"$listing" || fail "the ! exception is missing: $listing"
grep -qx /ctx/main.c <<<"$listing" || fail "main.c is missing"
! grep -q huge.img <<<"$listing" || fail "the ignored file is in the image"
! grep -q a.log <<<"$listing" || fail "logs/a.log is in the image"

TEST "emulation: a platform no host serves natively falls back to a host with qemu; --emulation never refuses"
# A lone podman 4.3.1 host cannot read the authenticated registry: the shrink
# check and the verification read it from here instead.
build -t "$repo/emu:1" --host "plain=unix://$LAB_SOCK_amd64" --platform linux/arm64 "$ctx"
expect_rc 0
expect_err "verified: the registry serves every platform at the pushed digest"
expect_err "linux/arm64/v8 → plain (emulated (emulator not reported by the host))"
[[ $(registry_platforms "$repo/emu:1") == "linux/arm64/v8 " ]] || fail "emulated index: $(registry_platforms "$repo/emu:1")"
build -t "$repo/emu:1" --host "plain=unix://$LAB_SOCK_amd64" --platform linux/s390x "$ctx"
expect_rc 2
expect_err "serves linux/arm64/v8 now, which this run would drop"
build -t "$repo/emu:2" --host "plain=unix://$LAB_SOCK_amd64" --platform linux/arm64 --emulation never "$ctx"
expect_rc 4
expect_err "no host can build linux/arm64/v8; considered: plain (serves linux/amd64)"

TEST "--format docker publishes a Docker manifest list; --progress json emits one event per line"
build -t "$repo/docker:1" --format docker --platform linux/amd64,linux/ppc64le --progress json "$ctx"
expect_rc 0
[[ $(registry_raw "$repo/docker:1" | jq -r .mediaType) == application/vnd.docker.distribution.manifest.list.v2+json ]] ||
  fail "media type: $(registry_raw "$repo/docker:1" | jq -r .mediaType)"
jq -e -s 'length > 5 and all(has("event") and has("time")) and any(.event == "phase" and .phase == "done")' "$T/err" >/dev/null ||
  fail "stderr is not JSON events"

TEST "bad input is refused before any host is contacted"
build -t "quay.io/Acme/App:bad tag" "$ctx"
expect_rc 2
expect_err "invalid image reference 'quay.io/Acme/App:bad tag': whitespace at position 21"
build -t "$repo/x:1" --platform linux/arm65 "$ctx"
expect_rc 2
expect_err "did you mean 'arm64'?"
build -t "$repo/x:1" --build-arg =x "$ctx"
expect_rc 2
build "$ctx"
expect_rc 2
expect_err "build needs -t NAME"
build -t "$repo/x:1" --progress fancy "$ctx"
expect_rc 2
expect_err "invalid --progress 'fancy'"

TEST "annotation levels: images, list entries, and the index itself (podman 5 coordinator)"
build -t "$repo/annotated:1" --platform linux/amd64,linux/s390x \
  --annotation org.example.image=yes --annotation manifest-descriptor:org.example.entry=yes \
  --annotation index:org.opencontainers.image.source=https://example.com/app "$ctx"
expect_rc 0
index=$(registry_raw "$repo/annotated:1")
jq -e '.annotations["org.opencontainers.image.source"] == "https://example.com/app"' <<<"$index" >/dev/null ||
  fail "index annotation missing: $index"
jq -e 'all(.manifests[]; .annotations["org.example.entry"] == "yes")' <<<"$index" >/dev/null ||
  fail "entry annotation missing: $index"
d=$(jq -r '.manifests[0].digest' <<<"$index")
registry_raw "$repo/annotated@$d" | jq -e '.annotations["org.example.image"] == "yes"' >/dev/null ||
  fail "image annotation missing"
build -t "$repo/annotated:2" --host "plain=unix://$LAB_SOCK_amd64" --platform linux/amd64 --allow-shrink \
  --annotation index:a=b "$ctx"
expect_rc 2
expect_err "no reachable host can assemble the list: that needs podman 5.0 (for index annotations) or newer (plain runs 4.3.1)"

TEST "--progress tty draws one lane per platform on a terminal; --jobs is accepted"
script -qec "$PMA_BIN build --config $cfg --authfile $LAB_AUTHFILE -t $repo/tty:1 --platform linux/amd64,linux/s390x --jobs 2 $ctx" \
  /dev/null >"$T/tty.out" 2>&1
RC=$?
expect_rc 0
grep -q '\[linux/s390x@s390x\].*done' "$T/tty.out" || fail "no s390x lane: $(tail -5 "$T/tty.out")"
grep -q $'\033\[1A' "$T/tty.out" || fail "lanes are not redrawn in place"
[[ $(registry_platforms "$repo/tty:1") == "linux/amd64 linux/s390x " ]] || fail "tty run did not publish"

TEST "the SSH bridge sleeps while it has nothing to move (no busy poll)"
# arm64 (over SSH) is done at once; amd64 builds 3 s longer. Meanwhile the
# bridge waits on its sockets: a wake-up per 100 ms, not thousands a second.
printf 'FROM %s\nARG SLOW=none\nRUN [ "$(uname -m)" != "$SLOW" ] || sleep 3\n' "$LAB_BASE_IMAGE" >"$ctx/Slow"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -c -e trace=poll -o "$T/polls" \
  "$PMA_BIN" build --config "$cfg" --authfile "$LAB_AUTHFILE" --progress quiet -t "$repo/poll:1" \
  --platform linux/amd64,linux/arm64 -f "$ctx/Slow" --build-arg SLOW=x86_64 "$ctx" >"$T/out" 2>"$T/err"
RC=$?
rm -f "$ctx/Slow"
expect_rc 0
polls=$(awk '$NF == "poll" {print $4}' "$T/polls")
((polls < 10000)) || fail "$polls poll() calls in a 4-second build (a busy loop made 130,000)"

TEST "Ctrl-C during the builds: exit 130 at once, nothing published, nothing left on the hosts"
mkdir -p "$T/slow"
printf 'FROM %s\nRUN sleep 6\n' "$LAB_BASE_IMAGE" >"$T/slow/Containerfile"
start=$(date +%s)
: >"$T/err" # before the job starts: the wait below must not read the last run's output
"$PMA_BIN" build --config "$cfg" --authfile "$LAB_AUTHFILE" --progress plain -t "$repo/interrupted:1" "$T/slow" \
  >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 100); do grep -q "build" "$T/err" 2>/dev/null && break; sleep 0.1; done
sleep 1
kill -INT "$pid"
signalled=$(date +%s%N)
wait "$pid"
RC=$?
elapsed_ms=$((($(date +%s%N) - signalled) / 1000000))
expect_rc 130
limit_ms=3000
[[ $PMA_BIN == */asan/* ]] && limit_ms=6000 # ASan and UBSan run 2-3 times slower, beside lint and fuzz
((elapsed_ms < limit_ms)) || fail "exit took ${elapsed_ms} ms after SIGINT"
expect_err "interrupted: nothing published"
sleep 7 # a server-side build that outlived the connection would have committed by now
[[ $(run_names_since "$start") == 0 ]] || fail "names left: $(run_names_since "$start")"
skopeo inspect --raw --authfile "$LAB_AUTHFILE" "docker://$repo/interrupted:1" >/dev/null 2>&1 && fail "the tag was published"
for h in $LAB_HOSTS; do [[ $(host_list_count "$h") == 0 ]] || fail "a list is left on $h"; done
