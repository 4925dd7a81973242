# shellcheck shell=bash disable=SC2086,SC2154
# Cases of podman's test/system/012-manifest.bats (v4.4.0, v4.9.5, v5.4.2) and its v4.3.1
# predecessor in test/system/010-images.bats, re-expressed for the shim (see lib.sh).
#
# Common substitutions (each case notes the ones it uses):
# - $IMAGE (quay.io/libpod/testimage, in every bats run's storage): a copy of the lab's
#   busybox index in this run's repository, pulled into the host's storage by the case.
# - start_registry (a TLS + htpasswd registry at localhost:PORT with a self-signed cert that
#   nobody trusts): the lab's TLS registry under the name localhost:$LAB_REGISTRY_PORT. Its
#   certificate names localhost, but the lab's CA is trusted only for 127.0.0.1:PORT (certs.d
#   on this machine and in the hosts), so under this name TLS verification fails with x509
#   like upstream's, for podman-multiarch and for the hosts alike. Repositories are per run
#   and host (pmcRUN-HOST/...), not at the registry root.
# - `podman login ... --authfile=F localhost:PORT`: the same, with the real podman client.
# - teardown's `manifest rm` of every name: the case removes what it created (lib.sh).

note_image() { note "\$IMAGE: $IMAGE (lab busybox copy) pulled into the host's storage"; }
note_registry() {
  note "start_registry: the lab TLS registry as $REGL (its CA is trusted only as $LAB_REGISTRY), repositories under $HREPOL"
}

# bats 'podman images - bare manifest list', the shape shared by v4.4.0, v4.9.5, v5.4.2
bare_manifest_list() {
  local mname=$1 iid mid
  note_image
  fx_pull "$IMAGE"
  defer_rmi "$IMAGE" "$mname"
  bats_ok inspect --format '{{.ID}}' "$IMAGE"
  iid=$ALL
  bats_ok manifest create "$mname"
  mid=$ALL
  bats_ok manifest inspect --verbose "$mid"
  all_like '.*"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json"'
  bats_ok manifest inspect -v "$mid"
  all_like '.*"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json"'
  bats_ok images --format '{{.ID}}' --no-trunc
  all_like ".*sha256:$iid"
  bats_ok rmi "$mname"
}

# test/system/010-images.bats v4.3.1 @test "podman images - bare manifest list" (lines 236-248)
c_bats431_bare() {
  local iid mname
  mname=$(N test):1.0
  note_image
  fx_pull "$IMAGE"
  defer_rmi "$IMAGE" "$mname"
  bats_ok inspect --format '{{.ID}}' "$IMAGE"
  iid=$ALL
  bats_ok manifest create "$mname"
  bats_ok images --format '{{.ID}}' --no-trunc
  [[ $ALL == *"sha256:$iid"* ]] || differ "output lacks sha256:$iid"
  bats_ok rmi "$mname"
}
defcase bats431-bare "010-images.bats v4.3.1: podman images - bare manifest list" c_bats431_bare

# test/system/012-manifest.bats v4.4.0 @test "podman images - bare manifest list" (line 6)
c_bats440_bare() { bare_manifest_list "$(N test):1.0"; }
defcase bats440-bare "012-manifest.bats v4.4.0: podman images - bare manifest list" c_bats440_bare

# test/system/012-manifest.bats v4.9.5 @test "podman images - bare manifest list" (line 50)
c_bats495_bare() { bare_manifest_list "$(N test):1.0"; }
defcase bats495-bare "012-manifest.bats v4.9.5: podman images - bare manifest list" c_bats495_bare

# test/system/012-manifest.bats v5.4.2 @test "podman images - bare manifest list" (line 67)
c_bats542_bare() { bare_manifest_list "$(N m):1.0"; }
defcase bats542-bare "012-manifest.bats v5.4.2: podman images - bare manifest list" c_bats542_bare

# 'podman manifest --tls-verify and --authfile': v4.9.5 (line 67) and v5.4.2 (line 85; adds
# the two rm checks). Upstream skips it under podman-remote only because its test registry
# cannot run there; the lab has one.
tls_verify_and_authfile() {
  local v=$1 authfile manifest1 mid opt
  note_registry
  authfile=$CASE_DIR/auth-manifest.json
  manifest1=$HREPOL/test:1.0
  defer_rmi "$manifest1"
  host_login "$authfile" "$REGL" # v4.9.5: in the test; v5.4.2: in setup_file
  bats_ok manifest create "$manifest1"
  mid=$ALL
  bats_ok manifest push --authfile="$authfile" --tls-verify=false "$mid" "$manifest1"
  bats_ok manifest rm "$manifest1"
  if [[ $v == 5.4.2 ]]; then
    bats_rc 1 manifest rm "$manifest1"
    # is "$output" "Error: $manifest1: image not known": mapped to stdout empty and the
    # message in stderr
    [[ -z $OUT ]] || differ "stdout not empty"
    err_has "$manifest1: image not known"
    bats_ok manifest rm --ignore "$manifest1"
    all_is ""
  fi
  # Default is to require TLS; also test explicit opts
  for opt in '' '--insecure=false' '--tls-verify=true' "--authfile=$authfile"; do
    bats_rc 125 manifest inspect $opt "$manifest1"
    err_re "reading image \"docker://$manifest1\": pinging container registry $REGL:.*x509"
  done
  bats_ok manifest inspect --authfile="$authfile" --tls-verify=false "$manifest1"
  all_like '.*"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json"'
  bats_ok manifest inspect --authfile="$authfile" --insecure "$manifest1"
  all_like '.*"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json"'
  REGISTRY_AUTH_FILE=$authfile bats_ok manifest inspect --tls-verify=false "$manifest1"
  all_like '.*"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json"'
}
c_bats495_tls() { tls_verify_and_authfile 4.9.5; }
defcase bats495-tls "012-manifest.bats v4.9.5: podman manifest --tls-verify and --authfile" c_bats495_tls
c_bats542_tls() { tls_verify_and_authfile 5.4.2; }
defcase bats542-tls "012-manifest.bats v5.4.2: podman manifest --tls-verify and --authfile" c_bats542_tls

# validate_instance_compression INDEX MANIFEST ARCH COMPRESSION (upstream's helper, same
# checks: gzip instances have no annotations, zstd ones the zstd annotation; the arch)
validate_instance_compression() {
  local got
  case $4 in
    gzip)
      got=$(jq -r ".manifests[$1].annotations" <<< "$2")
      check_eq ".manifests[$1].annotations (null means gzip)" "$got" null
      ;;
    zstd)
      got=$(jq -r ".manifests[$1].annotations.\"io.github.containers.compression.zstd\"" <<< "$2")
      check_eq ".manifests[$1].annotations.'io.github.containers.compression.zstd'" "$got" true
      ;;
  esac
  got=$(jq -r ".manifests[$1].platform.architecture" <<< "$2")
  check_eq ".manifests[$1].platform.architecture" "$got" "$3"
}

# FROM scratch / ARG TARGETARCH / COPY Dockerfile /i-am-${TARGETARCH}: distinct images per arch
write_targetarch_dockerfile() {
  mkdir -p "$CASE_DIR/ctx"
  # shellcheck disable=SC2016 # ${TARGETARCH} is for the build
  printf 'FROM scratch\nARG TARGETARCH\nCOPY Dockerfile /i-am-${TARGETARCH}\n' > "$CASE_DIR/ctx/Dockerfile"
}

# test/system/012-manifest.bats v4.9.5 @test "manifest list --add-compression with zstd" (line 101)
c_bats495_zstd() {
  needs 4.7 "manifest push --add-compression"
  local authfile manifestlocal manifestpushed arch list img
  note_registry
  note "podman build gets the Containerfile's directory as its context explicitly (upstream: none)"
  note "podman build gets --layers=false (as the v5.4.2 case has), so it leaves no intermediate image: upstream's podman image prune -f, which would delete every dangling image of the shared lab host, is left out"
  write_targetarch_dockerfile
  authfile=$CASE_DIR/auth-manifest.json
  host_login "$authfile" "$REGL"
  manifestlocal=$(N test):1.0
  defer_rmi "$manifestlocal"
  bats_ok manifest create "$manifestlocal"
  for arch in amd arm; do
    img=$(N image_$arch)
    defer_rmi "$img"
    bats_ok build --layers=false -t "$img" --platform "linux/${arch}64" -f "$CASE_DIR/ctx/Dockerfile" "$CASE_DIR/ctx"
    bats_ok manifest add "$manifestlocal" "containers-storage:localhost/$img:latest"
  done
  bats_ok images -a
  manifestpushed=$HREPOL/test:1.0
  bats_ok manifest push --authfile="$authfile" --all --add-compression zstd --tls-verify=false "$manifestlocal" "$manifestpushed"
  list=$(reg_raw "$manifestpushed" "$authfile" insecure) || fail_check "skopeo inspect --raw docker://$manifestpushed failed"
  validate_instance_compression 0 "$list" amd64 gzip
  validate_instance_compression 1 "$list" arm64 gzip
  validate_instance_compression 2 "$list" amd64 zstd
  validate_instance_compression 3 "$list" arm64 zstd
  bats_ok rmi "$(N image_amd)" "$(N image_arm)"
  bats_ok manifest rm "$manifestlocal"
}
defcase bats495-zstd "012-manifest.bats v4.9.5: manifest list --add-compression with zstd" c_bats495_zstd
slow_case bats495-zstd

# test/system/012-manifest.bats v5.4.2 @test "manifest list --add-compression with zstd:chunked" (line 117)
c_bats542_zstd_chunked() {
  needs 4.7 "manifest push --add-compression"
  local authfile img manifestlocal manifestpushed arch smanifest pmanifest obj object objects skopeoObj podmanObj
  note_registry
  note "podman build gets the Containerfile's directory as its context explicitly (upstream: none)"
  write_targetarch_dockerfile
  authfile=$CASE_DIR/auth-manifest.json
  host_login "$authfile" "$REGL"
  img=$(N i)
  manifestlocal=$(N m):1.0
  defer_rmi "$manifestlocal" "$img-amd" "$img-arm"
  bats_ok manifest create "$manifestlocal"
  for arch in amd arm; do
    bats_ok build --layers=false -t "$img-$arch" --platform "linux/${arch}64" -f "$CASE_DIR/ctx/Dockerfile" "$CASE_DIR/ctx"
    bats_ok manifest add "$manifestlocal" "containers-storage:localhost/$img-$arch:latest"
  done
  bats_ok images -a
  manifestpushed=$HREPOL/$manifestlocal
  bats_ok manifest push --authfile="$authfile" --all --compression-format gzip --add-compression zstd:chunked \
    --tls-verify=false "$manifestlocal" "$manifestpushed"
  smanifest=$(reg_raw "$manifestpushed" "$authfile" insecure) || fail_check "skopeo inspect --raw docker://$manifestpushed failed"
  validate_instance_compression 0 "$smanifest" amd64 gzip
  validate_instance_compression 1 "$smanifest" arm64 gzip
  validate_instance_compression 2 "$smanifest" amd64 zstd
  validate_instance_compression 3 "$smanifest" arm64 zstd
  bats_ok manifest inspect --authfile="$authfile" --tls-verify=false "$manifestpushed"
  pmanifest=$OUT
  objects=$(for obj in 0 1 2 3; do
    echo ".manifests[$obj].annotations" ".manifests[$obj].digest" ".manifests[$obj].platform.architecture" \
      ".manifests[$obj].platform.os" ".manifests[$obj].mediaType" ".manifests[$obj].size"
  done)
  for object in $objects '.schemaVersion' '.mediaType'; do
    skopeoObj=$(jq -r "$object" <<< "$smanifest")
    podmanObj=$(jq -r "$object" <<< "$pmanifest" 2> /dev/null) || podmanObj="(manifest inspect printed no JSON)"
    [[ $skopeoObj != "$smanifest" ]] || fail_check "\"$object\" does not exist in skopeo result"
    check_eq "manifest inspect \"$object\" vs skopeo's" "$podmanObj" "$skopeoObj"
  done
  bats_ok rmi "$img-amd" "$img-arm"
  bats_ok manifest rm "$manifestlocal"
}
defcase bats542-zstd-chunked "012-manifest.bats v5.4.2: manifest list --add-compression with zstd:chunked" c_bats542_zstd_chunked
slow_case bats542-zstd-chunked

# podman 5.4.2's multipart `manifests/{name}` handler stores uploaded files in
# <graphroot>/<configured driver>-images/<list id>/, named after the storage.conf driver, not
# the driver in use: on the lab hosts the driver is detected (none configured), so the
# directory is <graphroot>/-images/<id>, which nothing creates, and every add of a file fails
# with "stat /lab/root/-images/ID: no such file or directory" whatever the client. The case
# creates that directory on the host (its storage is on this machine) after each create,
# and removes it with the list.
artifact_dir_workaround() {
  local id dir
  fx images --no-trunc --format '{{.ID}}' --filter "reference=$list"
  id=${FX_OUT#sha256:}
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail_check "cannot find the ID of list $list (podman images: '$FX_OUT')"
  dir=$(lab_host_dir "$HOST")/root/-images
  [[ -d $(lab_host_dir "$HOST")/root/-images ]] || ARTIFACT_DIR_MADE=1
  mkdir -p "$dir/$id"
  ARTIFACT_DIRS+=("$dir/$id")
  note "host workaround: <graphroot>/-images/<list id> is created before the adds (podman 5.4.2 stores uploads under the configured driver's name, empty on the lab hosts) and removed afterwards"
}
artifact_dir_cleanup() {
  local d
  for d in "${ARTIFACT_DIRS[@]}"; do rm -rf "$d"; done
  if ((ARTIFACT_DIR_MADE)); then rmdir "$(lab_host_dir "$HOST")/root/-images" 2> /dev/null || true; fi
}

# test/system/012-manifest.bats v5.4.2, function manifestListAddArtifactOnce (line 182),
# with the flags of the current iteration in listFlags, platformFlags, typeFlag, ...
manifest_list_add_artifact_once() {
  local authfile=$CASE_DIR/auth-manifest.json index artifact firstdigest seconddigest digest config configSize
  local defaulttype filetitle requested expected actual imgtitle
  ITER=$((ITER + 1))
  printf '# iteration %s: listFlags=%s platformFlags=%s typeFlag=%s layerTypeFlag=%s configTypeFlag=%s configFlag=%s titleFlag=%s\n' \
    "$ITER" "$listFlags" "$platformFlags" "$typeFlag" "$layerTypeFlag" "$configTypeFlag" "$configFlag" "$titleFlag" >> "$CASE_DIR/log.steps"
  local where="iteration $ITER (${listFlags}${platformFlags}${typeFlag}${layerTypeFlag}${configTypeFlag}${configFlag}${titleFlag})"
  bats_ok manifest create $listFlags "$list"
  artifact_dir_workaround
  bats_ok manifest add "$list" ${platformFlags} --artifact ${typeFlag} ${layerTypeFlag} ${configTypeFlag} ${configFlag} ${titleFlag} "$CASE_DIR/listed.txt"
  bats_ok manifest add "$list" ${platformFlags} --artifact ${typeFlag} ${layerTypeFlag} ${configTypeFlag} ${configFlag} ${titleFlag} "$CASE_DIR/zeroes"
  bats_ok manifest inspect "$list"
  bats_ok tag "$list" "$REGL/$list"
  bats_ok manifest push --authfile="$authfile" --tls-verify=false "$REGL/$list"
  index=$(reg_raw "$REGL/$list" "$authfile" insecure) || fail_check "$where: skopeo inspect (status)"
  if [[ -n $listFlags ]]; then
    check_eq "$where: .annotations[global]" "$(jq -r '.annotations["global"]' <<< "$index")" local
  fi
  if [[ -n $platformFlags ]]; then
    check_eq "$where: .manifests[1].platform.os" "$(jq -r '.manifests[1].platform.os' <<< "$index")" linux
    check_eq "$where: .manifests[1].platform.architecture" "$(jq -r '.manifests[1].platform.architecture' <<< "$index")" amd64
  fi
  if [[ -n $typeFlag ]]; then
    actual=$(jq -r '.manifests[0].artifactType' <<< "$index")
    check_eq "$where: .manifests[0].artifactType" "${actual#null}" "${typeFlag#--artifact-type=}"
    actual=$(jq -r '.manifests[1].artifactType' <<< "$index")
    check_eq "$where: .manifests[1].artifactType" "${actual#null}" "${typeFlag#--artifact-type=}"
  fi
  firstdigest=$(jq -r '.manifests[0].digest' <<< "$index")
  seconddigest=$(jq -r '.manifests[1].digest' <<< "$index")
  for digest in $firstdigest $seconddigest; do
    case $digest in
      "$firstdigest") filetitle=listed.txt defaulttype=text/plain ;;
      "$seconddigest") filetitle=zeroes defaulttype=application/octet-stream ;;
    esac
    artifact=$(reg_raw "$REGL/${list%:*}@$digest" "$authfile" insecure) || fail_check "$where: skopeo inspect $digest (status)"
    actual=$(jq -r '.artifactType' <<< "$artifact")
    if [[ -n $typeFlag ]]; then
      check_eq "$where: typeFlag=$typeFlag, .artifactType" "${actual#null}" "${typeFlag#--artifact-type=}"
    else
      check_eq "$where: typeFlag=NULL, .artifactType" "$actual" application/vnd.unknown.artifact.v1
    fi
    actual=$(jq -r '.layers[0].mediaType' <<< "$artifact")
    if [[ -n $layerTypeFlag ]]; then
      check_eq "$where: layer0.mediaType" "$actual" "${layerTypeFlag#--artifact-layer-type=}"
    else
      check_eq "$where: layer0.mediaType (default)" "$actual" "$defaulttype"
    fi
    requested=${configTypeFlag#--artifact-config-type=}
    actual=$(jq -r '.config.mediaType' <<< "$artifact")
    if [[ -n $requested ]]; then
      check_eq "$where: .config.mediaType (requested)" "$actual" "$requested"
    else
      config=${configFlag#--artifact-config=}
      if [[ -z $config ]]; then
        expected=application/vnd.oci.empty.v1+json
      else
        configSize=$(wc -c < "$config")
        if ((configSize > 0)); then expected=application/vnd.oci.image.config.v1+json; else expected=application/vnd.oci.empty.v1+json; fi
      fi
      check_eq "$where: .config.mediaType (default)" "$actual" "$expected"
    fi
    imgtitle=$(jq -r '.layers[0].annotations["org.opencontainers.image.title"]' <<< "$artifact")
    if [[ -n $titleFlag ]]; then
      check_eq "$where: .image.title" "$imgtitle" null
    else
      check_eq "$where: .image.title" "$imgtitle" "$filetitle"
    fi
  done
  bats_ok rmi "$list" "$REGL/$list"
}

# test/system/012-manifest.bats v5.4.2 @test "manifest list --add --artifact" (line 297)
c_bats542_artifact() {
  needs 5.0 "artifacts in lists (manifest add --artifact; create --annotation)"
  note_registry
  note "the list is named $(N m)-$HOST:1.0 and pushed to $REGL/<that name> (a repository per host)"
  local list listFlags="" platformFlags="" typeFlag="" configTypeFlag="" configFlag="" layerTypeFlag="" titleFlag=""
  ITER=0 ARTIFACT_DIRS=() ARTIFACT_DIR_MADE=0
  defer_fn artifact_dir_cleanup
  list=$(N m)-$HOST:1.0
  defer_rmi "$list" "$REGL/$list"
  host_login "$CASE_DIR/auth-manifest.json" "$REGL"
  truncate -s 20M "$CASE_DIR/zeroes"
  echo oh yeah > "$CASE_DIR/listed.txt"
  echo '{}' > "$CASE_DIR/minimum-config.json"
  # as upstream, each loop variable keeps its last value for the loops after it
  for listFlags in "" "--annotation global=local"; do manifest_list_add_artifact_once; done
  for platformFlags in "" "--os=linux --arch=amd64"; do manifest_list_add_artifact_once; done
  for typeFlag in "" --artifact-type="" --artifact-type=application/octet-stream --artifact-type=text/plain; do
    manifest_list_add_artifact_once
  done
  for configTypeFlag in "" --artifact-config-type=application/octet-stream --artifact-config-type=text/plain; do
    for configFlag in "" --artifact-config= --artifact-config="$CASE_DIR/minimum-config.json"; do
      manifest_list_add_artifact_once
    done
  done
  for layerTypeFlag in "" --artifact-layer-type=application/octet-stream --artifact-layer-type=text/plain; do
    manifest_list_add_artifact_once
  done
  for titleFlag in "" "--artifact-exclude-titles"; do manifest_list_add_artifact_once; done
}
defcase bats542-artifact "012-manifest.bats v5.4.2: manifest list --add --artifact" c_bats542_artifact
slow_case bats542-artifact artifact
