# shellcheck shell=bash
# Class 1: what the build context carries (names, times, links, modes, the Containerfile).
# Every case: FROM scratch, COPY . /dst, unless said otherwise.

copy_all() { printf 'FROM scratch\nCOPY . /dst\n' | cf "${1:-Containerfile}"; }

c_ctx_unicode_names() {
  class context
  desc "non-ASCII names: café.txt, répertoire/x, 日本語/ファイル"
  copy_all
  echo cafe > "$CTX/café.txt"
  mkdir -p "$CTX/répertoire" "$CTX/日本語"
  echo x > "$CTX/répertoire/x"
  echo y > "$CTX/日本語/ファイル"
  expect all same
}
conf_case ctx_unicode_names

c_ctx_byte_ff_name() {
  class context
  desc "names that are not UTF-8: a file and a directory with byte 0xff"
  copy_all
  echo ff > "$CTX/bad"$'\xff'"name"
  mkdir "$CTX/dir"$'\xff'
  echo inner > "$CTX/dir"$'\xff'"/f"$'\xe9'
  expect all same
}
conf_case ctx_byte_ff_name

c_ctx_subsecond_mtimes() {
  class context
  desc "sub-second mtimes (.4, .5, .6, .999999999) on files and a directory (.5)"
  copy_all
  mkdir -p "$CTX/d"
  for t in 4 5 6; do
    echo "$t" > "$CTX/f$t"
    touch -d "@1700000000.$t" "$CTX/f$t"
  done
  echo n > "$CTX/d/n"
  touch -d @1700000000.999999999 "$CTX/d/n"
  touch -d @1700000000.5 "$CTX/d"
  refs remote local
  expect all same
}
conf_case ctx_subsecond_mtimes

c_ctx_pre_epoch_mtime() {
  class context
  desc "a file dated before 1970 (-1.5 s) and one at exactly 0"
  copy_all
  echo o > "$CTX/old"
  touch -d @-1.5 "$CTX/old"
  echo z > "$CTX/zero"
  touch -d @0 "$CTX/zero"
  refs remote local
  expect all remote same
  # the build service stores a pre-1970 mtime as 0 (checked by uploading a PAX tar that says
  # -1.5 straight to the API: the layer says 0); local podman copies the file itself and its
  # layer says -1. No API client can get local podman's -1.
  expect all local "differs:podman's build service turns a pre-1970 mtime in the uploaded context into 0 (even from a PAX header saying -1.5), local podman keeps it (-1 in the layer): a service/local difference in podman itself"
  expect_diff "file dst/old: mtime -1 != 0"
}
conf_case ctx_pre_epoch_mtime

c_ctx_long_paths() {
  class context
  desc "a path longer than 100 bytes (and than 255 in total), a symlink target longer than 100 bytes"
  copy_all
  local long=$CTX/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/cccccccccccccccccccccccccccccccccccccccccccccccccc/dddddddddddddddddddddddddddddddddddddddddddddddddd
  mkdir -p "$long"
  echo deep > "$long/file-with-a-rather-long-name-to-push-the-path-over-255-bytes-xxxxxxxxxxxxxxxxxxxxxx.txt"
  ln -s "/some/very/long/target/path/that/is/longer/than/one/hundred/bytes/for/the/ustar/linkname/field/xxxxxxxxxxxxxxxxxx" "$CTX/longlink"
  expect all same
}
conf_case ctx_long_paths

c_ctx_symlinks() {
  class context
  desc "symlinks: relative, absolute, to a directory, dangling, chained"
  copy_all
  mkdir -p "$CTX/sub/deeper"
  echo t > "$CTX/sub/target"
  ln -s target "$CTX/sub/rel"
  ln -s ../sub/target "$CTX/sub/deeper/up"
  ln -s /etc/passwd "$CTX/abs"
  ln -s sub "$CTX/dirlink"
  ln -s does-not-exist "$CTX/dangling"
  ln -s rel "$CTX/sub/chain"
  expect all same
}
conf_case ctx_symlinks

c_ctx_hardlink() {
  class context
  desc "a hard link pair and a file with three links"
  copy_all
  echo shared > "$CTX/one"
  ln "$CTX/one" "$CTX/two"
  mkdir "$CTX/d"
  echo three > "$CTX/d/a"
  ln "$CTX/d/a" "$CTX/d/b"
  ln "$CTX/d/a" "$CTX/c"
  expect all same
}
conf_case ctx_hardlink

c_ctx_special_modes() {
  class context
  desc "setuid, setgid, sticky and unusual modes; a file owned by 1234:5678"
  copy_all
  local m
  for m in 4755 2755 6711 0600 0444 0700 0777 0000; do
    echo "$m" > "$CTX/mode$m"
    chmod "$m" "$CTX/mode$m"
  done
  mkdir "$CTX/sticky" "$CTX/setgid-dir" "$CTX/private"
  chmod 1777 "$CTX/sticky"
  chmod 2775 "$CTX/setgid-dir"
  chmod 0700 "$CTX/private"
  echo owned > "$CTX/owned"
  chown 1234:5678 "$CTX/owned"
  expect all same
}
conf_case ctx_special_modes

c_ctx_empty_dir() {
  class context
  desc "an empty directory, a nested empty directory, an empty file"
  copy_all
  mkdir -p "$CTX/empty" "$CTX/nested/empty2"
  : > "$CTX/emptyfile"
  expect all same
}
conf_case ctx_empty_dir

c_ctx_copy_forms() {
  class context
  desc "COPY with --chown and --chmod, ADD of a local tar (extracted), COPY of a glob"
  cf << 'EOF'
FROM scratch
COPY --chown=10:20 a /owned/
COPY --chmod=0640 b /modes/b
ADD files.tar /unpacked/
COPY *.txt /glob/
EOF
  echo a > "$CTX/a"
  echo b > "$CTX/b"
  echo 1 > "$CTX/one.txt"
  echo 2 > "$CTX/two.txt"
  mkdir "$AUX/t"
  echo in-tar > "$AUX/t/inner"
  touch -d @1600000000 "$AUX/t/inner"
  tar -C "$AUX/t" --owner=7 --group=8 -cf "$CTX/files.tar" inner
  # --chmod needs podman 4.? (buildah 1.2x): both hosts have it
  expect all same
}
conf_case ctx_copy_forms

c_ctx_file_in_ignored_dir() {
  class context
  desc "-f build/app.Containerfile with build in .containerignore: the Containerfile is still sent, build/ is not copied"
  copy_all build/app.Containerfile
  printf 'build\n' > "$CTX/.containerignore"
  echo other > "$CTX/build/other"
  echo keep > "$CTX/keep"
  flags -f build/app.Containerfile
  expect all same
}
conf_case ctx_file_in_ignored_dir

c_ctx_file_outside() {
  class context
  desc "-f names a Containerfile outside the context"
  printf 'FROM scratch\nCOPY . /dst\nLABEL where=outside\n' > "$AUX/outside.Containerfile"
  echo inside > "$CTX/inside"
  flags -f "$AUX/outside.Containerfile"
  refs local remote
  expect all local same
  # podman-remote tars the out-of-context Containerfile into the uploaded context under its
  # absolute path, so COPY . copies it (and the host path) into the image
  expect all remote "differs:podman-remote puts a Containerfile from outside the context into the uploaded context under its absolute host path, where COPY . copies it (containers/podman#29194)"
  expect_diff "only in podman-remote"
}
conf_case ctx_file_outside

c_ctx_stdin_containerfile() {
  class context
  desc "-f - : the Containerfile on standard input, with a context directory"
  printf 'FROM scratch\nCOPY . /dst\nLABEL from=stdin\n' > "$AUX/stdin.Containerfile"
  echo inside > "$CTX/inside"
  flags -f -
  stdin "$AUX/stdin.Containerfile"
  refs local remote
  expect all local same
  # podman-remote writes standard input to /var/tmp/buildNNN and tars it into the context under
  # that absolute path: COPY . copies it (as for -f outside the context)
  expect all remote "differs:podman-remote adds the Containerfile read from standard input to the uploaded context as var/tmp/buildNNN, where COPY . copies it (containers/podman#29194, same cause)"
  expect_diff remote "only in podman-remote"
}
conf_case ctx_stdin_containerfile

c_ctx_dockerfile_only() {
  class context
  desc "a context with a Dockerfile and no Containerfile"
  printf 'FROM scratch\nCOPY . /dst\nLABEL name=Dockerfile\n' > "$CTX/Dockerfile"
  echo x > "$CTX/x"
  expect all same
}
conf_case ctx_dockerfile_only

c_ctx_both_files() {
  class context
  desc "Containerfile and Dockerfile side by side: Containerfile wins"
  printf 'FROM scratch\nCOPY . /dst\nLABEL name=Containerfile\n' > "$CTX/Containerfile"
  printf 'FROM scratch\nCOPY . /dst\nLABEL name=Dockerfile\n' > "$CTX/Dockerfile"
  expect all same
}
conf_case ctx_both_files

c_ctx_no_layers() {
  class context
  desc "an image without any layer (FROM scratch, LABEL only)"
  printf 'FROM scratch\nLABEL only=label\n' | cf
  expect all same
}
conf_case ctx_no_layers
