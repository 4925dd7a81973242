# shellcheck shell=bash disable=SC2154
# Cases of podman's test/e2e/manifest_test.go at v4.3.1 (Describe "Podman manifest"),
# re-expressed for the shim (see lib.sh). Checks as Ginkgo's at v4.3.1: Exit(0) is the exit
# code only (ok), ExitWithError() any non-zero exit (anyfail).
#
# Common substitutions (each case notes the ones it uses):
# - imageList docker://k8s.gcr.io/pause:3.1 (a Docker list of 5 platforms): $PAUSE_LIST, a
#   Docker-list copy of the lab's busybox index with schema-2 images for linux/amd64,
#   arm64/v8, ppc64le and s390x. There is no linux/arm (v7) instance, so its digest
#   (imageListARMInstanceDigest) is not checked. imageListInstance (arm64) and the
#   per-platform digests are that list's.
# - quay.io/libpod/busybox[:latest] ($BB_REPO, $BB), ...busybox@sha256:6655df04... (one v2s2
#   image, $BB_SINGLE), ALPINE: copies in this run's repository of the lab registry.
# - The lab registry needs credentials where quay.io and k8s.gcr.io do not: cases that read
#   it run with REGISTRY_AUTH_FILE=$LAB_AUTHFILE, as a logged-in user would.
# - Names are unique to the run (foo -> pmcRUN-foo), so no other test's lists are touched;
#   each case removes what it created (upstream starts each test with empty storage).

use_lab_creds() {
  export REGISTRY_AUTH_FILE=$LAB_AUTHFILE
  note "registry reads use REGISTRY_AUTH_FILE=\$LAB_AUTHFILE (the lab registry needs credentials where the public registries do not)"
}
note_pause() {
  note "imageList k8s.gcr.io/pause:3.1 -> $PAUSE_LIST (4 platforms: no linux/arm v7 instance, its digest is not checked)"
}

# It("create w/o image") (line 47)
c_e431_create_wo_image() {
  local foo amend
  foo=$(N foo)
  defer_rmi "$foo"
  for amend in --amend -a; do
    ok manifest create "$foo"
    anyfail manifest create "$foo"
    ok manifest create "$amend" "$foo"
    ok manifest rm "$foo"
  done
}
defcase e431-create-wo-image "manifest_test.go v4.3.1: create w/o image" c_e431_create_wo_image

# It("create w/ image") (line 67)
c_e431_create_w_image() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_pause
  defer_rmi "$foo"
  ok manifest create "$foo" "$PAUSE_LIST"
}
defcase e431-create-w-image "manifest_test.go v4.3.1: create w/ image" c_e431_create_w_image

# It("inspect") (line 73)
c_e431_inspect() {
  use_lab_creds
  note "BB (quay.io/libpod/busybox:latest, a cached plain image) -> $BB, pulled into the host's storage first; quay.io/libpod/busybox -> $BB_REPO; busybox@sha256:6655df04... (one v2s2 image) -> $BB_SINGLE"
  fx_pull "$BB"
  defer_rmi "$BB"
  ok manifest inspect "$BB"
  ok manifest inspect "$BB_REPO"
  ok manifest inspect "$BB_SINGLE"
}
defcase e431-inspect "manifest_test.go v4.3.1: inspect" c_e431_inspect

# It("add w/ inspect") (line 88)
c_e431_add_w_inspect() {
  local foo id
  foo=$(N foo)
  use_lab_creds
  note_pause
  defer_rmi "$foo"
  ok manifest create "$foo"
  id=$(printf '%s' "$OUT" | tr -d '[:space:]')
  ok manifest inspect "$id"
  ok manifest add --arch=arm64 "$foo" "$PAUSE_INSTANCE"
  ok manifest inspect "$foo"
  out_has "$IL_ARM64"
}
defcase e431-add-w-inspect "manifest_test.go v4.3.1: add w/ inspect" c_e431_add_w_inspect

# It("add with new version") (line 108)
c_e431_add_new_version() {
  local foo id
  foo=$(N foo)
  use_lab_creds
  note_pause
  defer_rmi "$foo"
  ok manifest create "$foo"
  id=$(printf '%s' "$OUT" | tr -d '[:space:]')
  ok manifest inspect "$id"
  ok manifest add --os-version 7.7.7 "$foo" "$PAUSE_INSTANCE"
  ok manifest inspect "$foo"
  out_has 7.7.7
}
defcase e431-add-new-version "manifest_test.go v4.3.1: add with new version" c_e431_add_new_version

# It("tag") (line 129)
c_e431_tag() {
  local foobar foobar2 first
  foobar=$(N foobar) foobar2=$(N foobar2)
  use_lab_creds
  note "quay.io/libpod/busybox (no transport) -> $BB_REPO"
  defer_rmi "$foobar" "$foobar2"
  ok manifest create "$foobar"
  ok manifest add "$foobar" "$BB_REPO"
  ok tag "$foobar" "$foobar2"
  ok manifest inspect "$foobar"
  first=$OUT
  ok manifest inspect "$foobar2"
  [[ $OUT == "$first" ]] || differ "output differs from \`manifest inspect $foobar\`"
}
defcase e431-tag "manifest_test.go v4.3.1: tag" c_e431_tag

# It(" add --all") (line 148)
c_e431_add_all() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_pause
  defer_rmi "$foo"
  ok manifest create "$foo"
  ok manifest add --all "$foo" "$PAUSE_LIST"
  ok manifest inspect "$foo"
  out_has "$IL_AMD64"
  out_has "$IL_ARM64"
  out_has "$IL_PPC64LE"
  out_has "$IL_S390X"
}
defcase e431-add-all "manifest_test.go v4.3.1:  add --all" c_e431_add_all

# It("add --os") (line 168)
c_e431_add_os() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_pause
  defer_rmi "$foo"
  ok manifest create "$foo"
  ok manifest add --os bar "$foo" "$PAUSE_LIST"
  ok manifest inspect "$foo"
  out_has '"os": "bar"'
}
defcase e431-add-os "manifest_test.go v4.3.1: add --os" c_e431_add_os

# It("annotate") (line 181). Upstream skips it for podman-remote 4.3.1, which has no
# annotate; podman-multiarch has one.
c_e431_annotate() {
  needs 4.4 "reading entry annotations back (the 4.3.1 API's manifest inspect drops them; 4.3.1 stores them)"
  local foo
  foo=$(N foo)
  use_lab_creds
  note_pause
  defer_rmi "$foo"
  ok manifest create "$foo"
  ok manifest add "$foo" "$PAUSE_INSTANCE"
  ok manifest annotate --annotation hello=world --arch bar "$foo" "$IL_ARM64"
  ok manifest inspect "$foo"
  out_has '"architecture": "bar"'
  out_has '"hello": "world"'
}
defcase e431-annotate "manifest_test.go v4.3.1: annotate" c_e431_annotate

# It("remove digest") (line 200)
c_e431_remove_digest() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_pause
  defer_rmi "$foo"
  ok manifest create "$foo"
  ok manifest add --all "$foo" "$PAUSE_LIST"
  ok manifest inspect "$foo"
  out_has "$IL_ARM64"
  ok manifest remove "$foo" "$IL_ARM64"
  ok manifest inspect "$foo"
  out_has "$IL_AMD64"
  out_has "$IL_PPC64LE"
  out_has "$IL_S390X"
  out_lacks "$IL_ARM64"
}
defcase e431-remove-digest "manifest_test.go v4.3.1: remove digest" c_e431_remove_digest

# It("remove not-found") (line 228)
c_e431_remove_not_found() {
  local foo
  foo=$(N foo)
  use_lab_creds
  note_pause
  defer_rmi "$foo"
  ok manifest create "$foo"
  ok manifest add "$foo" "$PAUSE_LIST"
  anyfail manifest remove "$foo" sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  ok manifest rm "$foo"
}
defcase e431-remove-not-found "manifest_test.go v4.3.1: remove not-found" c_e431_remove_not_found

# It("push --all") (line 244), It("push") (278), It("push with compression-format") (312),
# It("push progress") (352), It("push --rm to local directory") (450): all SkipIfRemote.
c_e431_push_all() { na "pushes to a dir: destination (the manifest push API accepts registry destinations only; upstream skips it for remote clients)"; }
defcase e431-push-all "manifest_test.go v4.3.1: push --all" c_e431_push_all
c_e431_push() { na "plain \`podman push\` of a list to a dir: destination, no manifest verb (upstream skips it for remote clients)"; }
defcase e431-push "manifest_test.go v4.3.1: push" c_e431_push
c_e431_push_compression() { na "plain \`podman push --compression-format=zstd\` of a list to an oci: destination, no manifest verb (upstream skips it for remote clients)"; }
defcase e431-push-compression "manifest_test.go v4.3.1: push with compression-format" c_e431_push_compression
c_e431_push_progress() { na "plain \`podman push\` of a list to a dir: destination, no manifest verb (upstream skips it for remote clients)"; }
defcase e431-push-progress "manifest_test.go v4.3.1: push progress" c_e431_push_progress

# It("authenticated push") (line 379). Runs under podman-remote upstream too.
c_e431_authenticated_push() {
  local foo creds dest
  foo=$(N foo)
  creds=$LAB_REGISTRY_USER:$LAB_PASS
  dest=$HREPOL
  use_lab_creds
  note "podman-registry (TLS + htpasswd, localhost:PORT): the lab TLS registry as $REGL, repositories under $HREPOL; its user and password for --creds"
  note "ALPINE -> $ALPINE (pulled with REGISTRY_AUTH_FILE)"
  note "NumberOfContainersRunning() == 0: not checked (no container is involved, and other tests may run containers on the lab hosts)"
  defer_rmi "$foo" "$ALPINE" "$dest/alpine:latest"
  ok manifest create "$foo"
  ok pull "$ALPINE"
  ok tag "$ALPINE" "$dest/alpine:latest"
  ok push --tls-verify=false "--creds=$creds" --format=v2s2 "$dest/alpine:latest"
  ok manifest add --tls-verify=false "--creds=$creds" "$foo" "$dest/alpine:latest"
  ok manifest push --tls-verify=false "--creds=$creds" "$foo" "$dest/credstest"
  err_has "Copying blob "
  err_has "Copying config "
  err_has "Writing manifest to image destination"
  if ver_ge "$HOST_VERSION" 4.6; then
    # c/image stopped printing it (containers/image#2001); upstream dropped the check in
    # podman 4.6.0 (commit 3bd4c6a107)
    note "\"Storing signatures\" is not checked on podman >= 4.6: its c/image no longer prints it (upstream dropped the check in v4.6.0, commit 3bd4c6a107)"
  else
    err_has "Storing signatures"
  fi
  anyfail manifest push --tls-verify=false --creds=podmantest:wrongpasswd "$foo" "$dest/credstest"
  ok manifest push --rm --tls-verify=false "--creds=$creds" "$foo" "$dest/rmtest"
  ok images -q "$foo"
}
defcase e431-authenticated-push "manifest_test.go v4.3.1: authenticated push" c_e431_authenticated_push

# It("push with error") (line 443)
c_e431_push_with_error() {
  anyfail manifest push badsrcvalue baddestvalue
  err_nonempty
}
defcase e431-push-with-error "manifest_test.go v4.3.1: push with error" c_e431_push_with_error

c_e431_push_rm_local() { na "pushes to a dir: destination (the manifest push API accepts registry destinations only; upstream skips it for remote clients)"; }
defcase e431-push-rm-local "manifest_test.go v4.3.1: push --rm to local directory" c_e431_push_rm_local

# It("exists") (line 498)
c_e431_exists() {
  local list
  list=$(N manifest-list)
  defer_rmi "$list"
  ok manifest create "$list"
  ok manifest exists "$list"
  pm manifest exists "$(N no-manifest)"
  ((RC == 1)) || differ "exit $RC, expected 1"
}
defcase e431-exists "manifest_test.go v4.3.1: exists" c_e431_exists

# It("rm should not remove referenced images") (line 513)
c_e431_rm_referenced() {
  local list imageName=$BB_REPO
  list=$(N manifestlist)
  use_lab_creds
  note "quay.io/libpod/busybox -> $BB_REPO"
  defer_rmi "$list" "$imageName"
  ok pull "$imageName"
  ok manifest create "$list"
  ok manifest add "$list" "$imageName"
  ok manifest rm "$list"
  ok image exists "$imageName"
}
defcase e431-rm-referenced "manifest_test.go v4.3.1: rm should not remove referenced images" c_e431_rm_referenced

# It("manifest rm should not remove image and should be able to remove tagged manifest list") (line 539)
c_e431_rm_tagged() {
  local name
  name=$(N testmanifest):sometag
  use_lab_creds
  note "ALPINE (a plain image in the e2e cache) -> $ALPINE, pulled into the host's storage first"
  fx_pull "$ALPINE"
  defer_rmi "$ALPINE" "$name"
  pm manifest rm "$ALPINE"
  rc_ok 125 || differ "exit $RC, expected $(_rc_text 125)"
  err_has "image is not a manifest list"
  ok manifest create "$name"
  ok manifest exists "$name"
  ok manifest rm "$name"
  pm manifest exists "$name"
  ((RC == 1)) || differ "exit $RC, expected 1"
}
defcase e431-rm-tagged "manifest_test.go v4.3.1: manifest rm should not remove image and should be able to remove tagged manifest list" c_e431_rm_tagged
