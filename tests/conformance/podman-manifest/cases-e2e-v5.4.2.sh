# shellcheck shell=bash disable=SC2154
# Cases of podman's test/e2e/manifest_test.go at v5.4.2 (Describe "Podman manifest"),
# re-expressed for the shim (see lib.sh). Checks as Ginkgo's at v5.4.2 (test/utils/matchers.go):
# ExitCleanly() = exit 0 and empty stderr (clean); ExitWithError(CODE, MSG) = that exit code
# and MSG in stderr, or an empty stderr for MSG "" (xfail); Exit(0) = exit code only (ok).
# Where upstream has an expectation for remote clients (IsRemote()), it is the one used.
#
# Common substitutions (each case notes the ones it uses):
# - imageList docker://quay.io/libpod/testimage:00000004 (a Docker list of amd64, arm64,
#   ppc64le, s390x): $IMAGE_LIST, a Docker-list copy of the lab's busybox index with schema-2
#   images for the same platforms (arm64 has variant v8); imageListInstance and the
#   per-platform digests are that list's.
# - BB, quay.io/libpod/busybox, ...busybox@sha256:6655df04..., ALPINE, CITEST_IMAGE: copies in
#   this run's repository of the lab registry (see run.sh).
# - The lab registry needs credentials where quay.io does not: cases that read it run with
#   REGISTRY_AUTH_FILE=$LAB_AUTHFILE, as a logged-in user would.
# - Names are unique to the run (foo -> pmcRUN-foo); each case removes what it created.

note_imagelist() {
  note "imageList quay.io/libpod/testimage:00000004 -> $IMAGE_LIST (same 4 platforms; arm64 instance has variant v8)"
}

# It("create w/o image and attempt push w/o dest") (line 85)
c_e542_create_wo_image() {
  local foo amend
  foo=$HREPO/foo
  note "foo -> $foo: the one-argument push goes to the list's own name as typed, upstream docker.io/library/foo (no internet here), so the list is named in the lab registry, pushed without credentials"
  note "\"requested access to the resource is denied\" (Docker Hub's answer to an unauthenticated push) -> \"authentication required\" (the lab registry's; real podman-remote 5.4.2 prints it for this push)"
  defer_rmi "$foo"
  for amend in --amend -a; do
    clean manifest create "$foo"
    xfail 125 "image name \"$foo:latest\" is already associated with image " manifest create "$foo"
    xfail 125 "authentication required" manifest push --all "$foo"
    out_lacks "accepts 2 arg(s), received 1"
    clean manifest create "$amend" "$foo"
    clean manifest rm "$foo"
  done
}
defcase e542-create-wo-image "manifest_test.go v5.4.2: create w/o image and attempt push w/o dest" c_e542_create_wo_image

# It("create w/ image") (line 111)
c_e542_create_w_image() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  defer_rmi "$foo"
  clean manifest create "$foo" "$IMAGE_LIST"
}
defcase e542-create-w-image "manifest_test.go v5.4.2: create w/ image" c_e542_create_w_image

# It("inspect") (line 117)
c_e542_inspect() {
  use_lab_creds
  note "BB (a cached plain image) -> $BB, pulled into the host's storage first; quay.io/libpod/busybox -> $BB_REPO; busybox@sha256:6655df04... (one v2s2 image) -> $BB_SINGLE"
  fx_pull "$BB"
  defer_rmi "$BB"
  clean manifest inspect "$BB"
  clean manifest inspect "$BB_REPO"
  # inspect manifest of single image; IsRemote(): stderr must be empty (locally: a warning)
  ok manifest inspect "$BB_SINGLE"
  [[ -z $ERR ]] || differ "stderr not empty (remote expectation: empty)"
}
defcase e542-inspect "manifest_test.go v5.4.2: inspect" c_e542_inspect

# It("add w/ inspect") (line 139)
c_e542_add_w_inspect() {
  local foo id
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  defer_rmi "$foo"
  clean manifest create "$foo"
  id=$(printf '%s' "$OUT" | tr -d '[:space:]')
  clean manifest inspect "$id"
  clean manifest add --arch=arm64 "$foo" "$IMAGE_LIST_INSTANCE"
  clean manifest inspect "$foo"
  out_has "$IL_ARM64"
}
defcase e542-add-w-inspect "manifest_test.go v5.4.2: add w/ inspect" c_e542_add_w_inspect

# It("add with new version") (line 159)
c_e542_add_new_version() {
  local foo id
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  defer_rmi "$foo"
  clean manifest create "$foo"
  id=$(printf '%s' "$OUT" | tr -d '[:space:]')
  clean manifest inspect "$id"
  clean manifest add --os-version 7.7.7 "$foo" "$IMAGE_LIST_INSTANCE"
  clean manifest inspect "$foo"
  out_has 7.7.7
}
defcase e542-add-new-version "manifest_test.go v5.4.2: add with new version" c_e542_add_new_version

# It("tag") (line 180)
c_e542_tag() {
  local foobar foobar2 first
  foobar=$(N foobar) foobar2=$(N foobar2)
  use_lab_creds
  note "quay.io/libpod/busybox (no transport) -> $BB_REPO"
  defer_rmi "$foobar" "$foobar2"
  clean manifest create "$foobar"
  clean manifest add "$foobar" "$BB_REPO"
  clean tag "$foobar" "$foobar2"
  clean manifest inspect "$foobar"
  first=$OUT
  clean manifest inspect "$foobar2"
  [[ $OUT == "$first" ]] || differ "output differs from \`manifest inspect $foobar\`"
}
defcase e542-tag "manifest_test.go v5.4.2: tag" c_e542_tag

# verifyInstanceCompression (upstream helper): some instance of ARCH is zstd-annotated
# (zstd), or has no annotations (gzip)
verify_instance_compression() { # INDEX-JSON COMPRESSION ARCH -> true|false
  jq -r --arg c "$2" --arg a "$3" '[.manifests[] | select(.platform.architecture == $a) |
    if $c == "zstd" then (.annotations["io.github.containers.compression.zstd"] // "") == "true"
    else ((.annotations // {}) | length) == 0 end] | any' <<< "$1"
}

# It("push with --add-compression and --force-compression") (line 199). Runs under
# podman-remote upstream (the ppc64le skip is about the CI machine's arch: no registry image).
c_e542_push_add_compression() {
  needs 4.7 "manifest push --add-compression/--force-compression"
  local foobar list index c want push
  foobar=$(N foobar)
  list=$HPREPO/list
  use_lab_creds
  note "registry container (REGISTRY_IMAGE, plain HTTP, no auth, localhost:5007): the lab's plain registry, $list"
  note "build/basicalpine (FROM quay.io/libpod/alpine): a Containerfile FROM $LAB_BASE_IMAGE with a label naming the case, built with --authfile \$LAB_AUTHFILE (upstream's images live in the test's own storage; here a FROM-only build is the base image itself, whose storage record concurrent cases' pulls of the same image rewrite: seen breaking the second push on a fresh lab)"
  note "containers.conf [engine] add_compression = [\"zstd\"] is given to podman-multiarch through CONTAINERS_CONF, as upstream gives it to podman"
  defer_rmi "$foobar" "$(N imageone)" "$(N imagetwo)"
  mkdir -p "$CASE_DIR/basicalpine"
  printf 'FROM %s\nLABEL pmc.case=%s\n' "$LAB_BASE_IMAGE" "$(N basicalpine)" > "$CASE_DIR/basicalpine/Containerfile"
  clean build -q --authfile "$LAB_AUTHFILE" --platform linux/amd64 -t "$(N imageone)" "$CASE_DIR/basicalpine"
  clean build -q --authfile "$LAB_AUTHFILE" --platform linux/arm64 -t "$(N imagetwo)" "$CASE_DIR/basicalpine"
  clean manifest create "$foobar"
  clean manifest add "$foobar" "containers-storage:localhost/$(N imageone):latest"
  clean manifest add "$foobar" "containers-storage:localhost/$(N imagetwo):latest"
  for push in 1 2 3 4; do
    case $push in
      1) ok manifest push --all --compression-format gzip --add-compression zstd --tls-verify=false --remove-signatures "$foobar" "$list" ;;
      2) ok manifest push --all --add-compression zstd --tls-verify=false --compression-format gzip --force-compression --remove-signatures "$foobar" "$list" ;;
      3)
        # same thing with add_compression from config file, without --add-compression
        printf '[engine]\nadd_compression = ["zstd"]\n' > "$CASE_DIR/containers.conf"
        CONTAINERS_CONF=$CASE_DIR/containers.conf ok manifest push --all --tls-verify=false --compression-format gzip --force-compression --remove-signatures "$foobar" "$list"
        ;;
      4) ok manifest push --all --add-compression zstd --force-compression=false --tls-verify=false --remove-signatures "$foobar" "$list" ;;
    esac
    # 4 images must be pushed two for gzip and two for zstd
    err_has "Copying 4 images generated from 2 images in list"
    index=$(skopeo inspect --tls-verify=false --raw "docker://$list:latest") || fail_check "push $push: skopeo inspect failed"
    for c in zstd:amd64 zstd:arm64 gzip:arm64 gzip:amd64; do
      want=true
      # blobs of zstd are (wrongly, by c/image) reused for gzip instances without --force-compression
      [[ $push == 4 && $c == gzip:* ]] && want=false
      check_eq "push $push: verifyInstanceCompression(${c%%:*}, ${c#*:})" "$(verify_instance_compression "$index" "${c%%:*}" "${c#*:}")" "$want"
    done
  done
}
defcase e542-push-add-compression "manifest_test.go v5.4.2: push with --add-compression and --force-compression" c_e542_push_add_compression
slow_case e542-push-add-compression

# It("add --all") (line 321)
c_e542_add_all() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  defer_rmi "$foo"
  clean manifest create "$foo"
  clean manifest add --all "$foo" "$IMAGE_LIST"
  clean manifest inspect "$foo"
  out_has "$IL_AMD64"
  out_has "$IL_ARM64"
  out_has "$IL_PPC64LE"
  out_has "$IL_S390X"
}
defcase e542-add-all "manifest_test.go v5.4.2: add --all" c_e542_add_all

# It("add --annotation") (line 340)
c_e542_add_annotation() {
  local foo got
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  na_below 4.4 "reading the entry's annotations back needs podman 4.4 (the 4.3.1 API's manifest inspect decodes lists into Schema2List, which has no annotations)"
  defer_rmi "$foo"
  clean manifest create "$foo"
  # podman-remote rejects it before sending anything: a usage error for podman-multiarch
  xfail 125u "no value given for annotation" manifest add --annotation hoge "$foo" "$IMAGE_LIST"
  na_point
  clean manifest add --annotation hoge=fuga --annotation key=val,withcomma "$foo" "$IMAGE_LIST"
  clean manifest inspect "$foo"
  got=$(jq -c '.manifests[0].annotations' <<< "$OUT" 2> /dev/null) || differ "stdout is not JSON"
  [[ $got == '{"hoge":"fuga","key":"val,withcomma"}' ]] ||
    differ "Manifests[0].Annotations is $got, expected {\"hoge\":\"fuga\",\"key\":\"val,withcomma\"}"
}
defcase e542-add-annotation "manifest_test.go v5.4.2: add --annotation" c_e542_add_annotation

# It("add --os") (line 361)
c_e542_add_os() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  defer_rmi "$foo"
  clean manifest create "$foo"
  clean manifest add --os bar "$foo" "$IMAGE_LIST"
  clean manifest inspect "$foo"
  out_has '"os": "bar"'
}
defcase e542-add-os "manifest_test.go v5.4.2: add --os" c_e542_add_os

# It("annotate") (line 374). Runs under podman-remote upstream.
c_e542_annotate() {
  needs 5.4 "index annotations (manifest create --annotation: 5.0; annotate --index: 5.4)"
  local foo want
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  note "the expected JSON's entry: size $IL_ARM64_SIZE (the lab instance's; upstream's is 527 bytes)"
  defer_rmi "$foo"
  clean manifest create --annotation up=down "$foo"
  clean manifest add "$foo" "$IMAGE_LIST_INSTANCE"
  clean manifest annotate --annotation hello=world,withcomma --arch bar "$foo" "$IL_ARM64"
  clean manifest annotate --index --annotation top=bottom "$foo"
  clean manifest inspect "$foo"
  want=$(jq -cnS --arg mt "$IL_ARM64_MEDIATYPE" --arg d "$IL_ARM64" --argjson size "$IL_ARM64_SIZE" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: $mt, digest: $d, size: $size,
                 platform: {architecture: "bar", os: "linux"},
                 annotations: {hello: "world,withcomma"}}],
    annotations: {top: "bottom", up: "down"}}')
  local got
  got=$(jq -cS . <<< "$OUT" 2> /dev/null) || differ "stdout is not JSON"
  [[ $got == "$want" ]] || differ "MatchJSON: got $got, expected $want"
}
defcase e542-annotate "manifest_test.go v5.4.2: annotate" c_e542_annotate

# It("remove digest") (line 430)
c_e542_remove_digest() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  defer_rmi "$foo"
  clean manifest create "$foo"
  clean manifest add --all "$foo" "$IMAGE_LIST"
  clean manifest inspect "$foo"
  out_has "$IL_ARM64"
  clean manifest remove "$foo" "$IL_ARM64"
  clean manifest inspect "$foo"
  out_has "$IL_AMD64"
  out_has "$IL_PPC64LE"
  out_has "$IL_S390X"
  out_lacks "$IL_ARM64"
}
defcase e542-remove-digest "manifest_test.go v5.4.2: remove digest" c_e542_remove_digest

# It("remove not-found") (line 457)
c_e542_remove_not_found() {
  local foo bogus=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  foo=$(N foo)
  use_lab_creds
  note_imagelist
  note "the message: upstream expects the remote client's \"removing from manifest list foo: removing from manifest foo\" (podman-remote loses the server's reason); podman's local text, which has the reason, is accepted too"
  defer_rmi "$foo"
  clean manifest create "$foo"
  clean manifest add "$foo" "$IMAGE_LIST"
  pm manifest remove "$foo" "$bogus"
  rc_ok 125 || differ "exit $RC, expected $(_rc_text 125)"
  local remote="removing from manifest list $foo: removing from manifest $foo"
  local localmsg="removing from manifest list $foo: no instance matching digest \"$bogus\" found in manifest list: file does not exist"
  [[ $ERR == *"$remote"* || $ERR == *"$localmsg"* ]] || differ "stderr lacks \"$remote\" (remote) and \"$localmsg\" (local)"
  clean manifest rm "$foo"
}
defcase e542-remove-not-found "manifest_test.go v5.4.2: remove not-found" c_e542_remove_not_found

# It("push --all") (482), It("push") (504), It("push with compression-format and
# compression-level") (526), It("push progress") (579), It("push --rm to local directory")
# (683): SkipIfRemote; It("push must retry") (606): SkipIfRemote.
c_e542_push_all() { na "pushes to a dir: destination (the manifest push API accepts registry destinations only; upstream skips it for remote clients)"; }
defcase e542-push-all "manifest_test.go v5.4.2: push --all" c_e542_push_all
c_e542_push() { na "plain \`podman push\` of a list to a dir: destination, no manifest verb (upstream skips it for remote clients)"; }
defcase e542-push "manifest_test.go v5.4.2: push" c_e542_push
c_e542_push_compression() { na "pushes to oci: destinations (manifest push --compression-level 50 to oci:, then plain \`podman push\` to oci:; the API accepts registry destinations only; upstream skips it for remote clients)"; }
defcase e542-push-compression "manifest_test.go v5.4.2: push with compression-format and compression-level" c_e542_push_compression
c_e542_push_progress() { na "plain \`podman push\` of a list to a dir: destination, no manifest verb (upstream skips it for remote clients)"; }
defcase e542-push-progress "manifest_test.go v5.4.2: push progress" c_e542_push_progress
c_e542_push_retry() { na "podman-local behaviour: c/image's \"Failed, retrying in 1s ... (1/3)\" warnings are logged by the server, not relayed to remote clients (upstream: SkipIfRemote \"warning is not relayed in remote setup\"); podman-multiarch's own --retry is tested by its fault suite"; }
defcase e542-push-retry "manifest_test.go v5.4.2: push must retry" c_e542_push_retry

# It("authenticated push") (line 618). Runs under podman-remote upstream.
c_e542_authenticated_push() {
  local foo creds dest
  foo=$(N foo)
  creds=$LAB_REGISTRY_USER:$LAB_PASS
  dest=$HREPOL
  use_lab_creds
  note "podman-registry (TLS + htpasswd, localhost:PORT): the lab TLS registry as $REGL, repositories under $HREPOL; its user and password for --creds"
  note "CITEST_IMAGE (in the e2e cache) -> $CITEST_IMAGE, pulled into the host's storage first"
  note "NumberOfContainersRunning() == 0: not checked (no container is involved, and other tests may run containers on the lab hosts)"
  fx_pull "$CITEST_IMAGE"
  defer_rmi "$foo" "$CITEST_IMAGE" "$dest/citest:latest"
  clean manifest create "$foo"
  clean tag "$CITEST_IMAGE" "$dest/citest:latest"
  ok push -q --tls-verify=false "--creds=$creds" --format=v2s2 "$dest/citest:latest"
  clean manifest add --tls-verify=false "--creds=$creds" "$foo" "$dest/citest:latest"
  ok manifest push --tls-verify=false "--creds=$creds" "$foo" "$dest/credstest"
  err_has "Copying blob "
  err_has "Copying config "
  err_has "Writing manifest to image destination"
  if ver_ge "$HOST_VERSION" 4.6; then
    xfail 125 ": authentication required" manifest push --compression-format=gzip --compression-level=2 \
      --tls-verify=false --creds=podmantest:wrongpasswd "$foo" "$dest/credstest"
  else
    # podman-remote never sends --compression-level; podman-multiarch does, and refuses it
    # on a host that would ignore it (man page: "--compression-level n (podman 4.6+)")
    note "on podman < 4.6 the wrong-password push (with --compression-level=2) is expected to be refused for --compression-level, naming podman 4.6 (podman-multiarch's documented version check), instead of \": authentication required\""
    xfail 125 "4.6" manifest push --compression-format=gzip --compression-level=2 \
      --tls-verify=false --creds=podmantest:wrongpasswd "$foo" "$dest/credstest"
  fi
  clean manifest push -q --rm --tls-verify=false "--creds=$creds" "$foo" "$dest/rmtest"
  clean images -q "$foo"
}
defcase e542-authenticated-push "manifest_test.go v5.4.2: authenticated push" c_e542_authenticated_push

# It("push with error") (line 677)
c_e542_push_with_error() {
  xfail 125 "retrieving local image from image name badsrcvalue: badsrcvalue: image not known" \
    manifest push badsrcvalue baddestvalue
}
defcase e542-push-with-error "manifest_test.go v5.4.2: push with error" c_e542_push_with_error

c_e542_push_rm_local() { na "pushes to a dir: destination (the manifest push API accepts registry destinations only; upstream skips it for remote clients)"; }
defcase e542-push-rm-local "manifest_test.go v5.4.2: push --rm to local directory" c_e542_push_rm_local

# It("exists") (line 735)
c_e542_exists() {
  local list
  list=$(N manifest-list)
  defer_rmi "$list"
  clean manifest create "$list"
  clean manifest exists "$list"
  xfail 1 "" manifest exists "$(N no-manifest)"
}
defcase e542-exists "manifest_test.go v5.4.2: exists" c_e542_exists

# It("rm should not remove referenced images") (line 750)
c_e542_rm_referenced() {
  local list imageName=$BB_REPO
  list=$(N manifestlist)
  use_lab_creds
  note "quay.io/libpod/busybox -> $BB_REPO"
  defer_rmi "$list" "$imageName"
  clean pull -q "$imageName"
  clean manifest create "$list"
  clean manifest add "$list" "$imageName"
  clean manifest rm "$list"
  clean image exists "$imageName"
}
defcase e542-rm-referenced "manifest_test.go v5.4.2: rm should not remove referenced images" c_e542_rm_referenced

# It("manifest rm should not remove image and should be able to remove tagged manifest list") (line 776)
c_e542_rm_tagged() {
  local name
  name=$(N testmanifest):sometag
  use_lab_creds
  note "ALPINE (a plain image in the e2e cache) -> $ALPINE, pulled into the host's storage first"
  fx_pull "$ALPINE"
  defer_rmi "$ALPINE" "$name"
  xfail 125 "image is not a manifest list" manifest rm "$ALPINE"
  clean manifest create "$name"
  clean manifest exists "$name"
  clean manifest rm "$name"
  xfail 1 "" manifest exists "$name"
}
defcase e542-rm-tagged "manifest_test.go v5.4.2: manifest rm should not remove image and should be able to remove tagged manifest list" c_e542_rm_tagged
