# shellcheck shell=bash
# Class 2: ignore rules. Every case: COPY . /dst with an ignore file; the image shows
# what was sent and copied.

# files NAME... : one small file per name (directories made as needed)
files() {
  local f
  for f in "$@"; do
    mkdir -p "$(dirname "$CTX/$f")"
    printf '%s\n' "$f" > "$CTX/$f"
  done
}

c_ign_regex_operators() {
  class ignore
  desc "regex operators in patterns are literal: a+b, (x), ^c, \$d, a.c, {e}, |f"
  copy_all
  files 'a+b' aab ab '(x)' x '^c' c 'd$' d 'a.c' abc '{e}' e '|f' f
  printf '%s\n' 'a+b' '(x)' '^c' 'd$' 'a.c' '{e}' '|f' > "$CTX/.containerignore"
  expect all same
}
conf_case ign_regex_operators

c_ign_char_classes() {
  class ignore
  desc "character classes: [!a]c, [a-b]d, [^x]e, \\* escaped star, ? one character"
  copy_all
  files ac bc cc ad bd cd xe ye '*' star q1 q22
  printf '%s\n' '[!a]c' '[a-b]d' '[^x]e' '\*' 'q?' > "$CTX/.containerignore"
  expect all same
}
conf_case ign_char_classes

c_ign_leading_space() {
  class ignore
  desc "a line with a leading space is a pattern (' #notcomment', '  spaced'), '#comment' is a comment, trailing spaces"
  copy_all
  files '#notcomment' '#comment' spaced ' spaced' trail keep
  printf '%s\n' ' #notcomment' '#comment' '  spaced' 'trail   ' > "$CTX/.containerignore"
  expect all same
}
conf_case ign_leading_space

c_ign_bom() {
  class ignore
  desc "a UTF-8 byte order mark before the first pattern"
  copy_all
  files first second keep
  printf '\xef\xbb\xbffirst\nsecond\n' > "$CTX/.containerignore"
  expect all same
}
conf_case ign_bom

c_ign_anchors() {
  class ignore
  desc "/foo, foo/, ./bar, sub/../baz: anchored at the context root, trailing slash, cleaned paths"
  copy_all
  files foo sub/foo dir/x sub/dir/y bar sub/bar baz sub/baz
  printf '%s\n' '/foo' 'dir/' './bar' 'sub/../baz' > "$CTX/.containerignore"
  expect all same
}
conf_case ign_anchors

c_ign_doublestar() {
  class ignore
  desc "**/x, y/**, a/**/b, **/*.log"
  copy_all
  files x s/x s/t/x y/1 y/z/2 yy a/b a/m/b a/m/n/b a/c k.log s/k.log keep
  printf '%s\n' '**/x' 'y/**' 'a/**/b' '**/*.log' > "$CTX/.containerignore"
  expect all same
}
conf_case ign_doublestar

c_ign_reinclude() {
  class ignore
  desc "! re-includes inside an excluded directory; a later exclude wins again"
  copy_all
  files dir/keep dir/drop dir/sub/keep2 dir/sub/drop2 dir/sub/keep3 other
  printf '%s\n' 'dir' '!dir/keep' '!dir/sub/keep*' 'dir/sub/keep3' > "$CTX/.containerignore"
  expect all same
}
conf_case ign_reinclude

c_ign_star_not_go() {
  class ignore
  desc "* then !*.go: only top-level .go files come back (and the Containerfile is sent anyway)"
  copy_all
  files main.go util.go README.md pkg/lib.go pkg/x.txt
  printf '%s\n' '*' '!*.go' > "$CTX/.containerignore"
  expect all same
}
conf_case ign_star_not_go

c_ign_dockerignore_fallback() {
  class ignore
  desc ".dockerignore alone is read; .containerignore beats .dockerignore when both exist"
  copy_all
  files a b c
  printf 'a\n' > "$CTX/.dockerignore"
  expect all same
}
conf_case ign_dockerignore_fallback

c_ign_root_both() {
  class ignore
  desc ".containerignore and .dockerignore at the root: .containerignore wins"
  copy_all
  files a b c
  printf 'a\n' > "$CTX/.containerignore"
  printf 'b\n' > "$CTX/.dockerignore"
  expect all same
}
conf_case ign_root_both

c_ign_specific_docker_vs_container() {
  class ignore
  desc "<Containerfile>.dockerignore beside <Containerfile>.containerignore (-f app.Containerfile)"
  copy_all app.Containerfile
  files a b c
  printf 'a\n' > "$CTX/app.Containerfile.containerignore"
  printf 'b\n' > "$CTX/app.Containerfile.dockerignore"
  flags -f app.Containerfile
  refs local remote
  expect all local same
  expect all remote same
}
conf_case ign_specific_docker_vs_container

c_ign_specific_plus_root() {
  class ignore
  desc "<Containerfile>.containerignore plus a root .containerignore: only the specific one applies"
  copy_all app.Containerfile
  files a b c
  printf 'a\n' > "$CTX/app.Containerfile.containerignore"
  printf 'b\n' > "$CTX/.containerignore"
  flags -f app.Containerfile
  refs local remote
  expect 431 local same
  expect 431 remote "differs:podman-remote 4.3.1 also applies the root .containerignore (b is left out), local podman applies only app.Containerfile.containerignore (related: containers/podman#10908, remote reads ignore files local podman skips)"
  # podman 5.4's build endpoint reads the root .containerignore of the uploaded context and
  # applies it again during COPY: podman-remote 5.4.2 gets the root file's result, not local
  # podman's; podman-multiarch must get local podman's
  expect 542 local same
  expect 542 remote "differs:podman-remote 5.4.2 does not apply app.Containerfile.containerignore at all (a is copied) while its server applies the root .containerignore (b is left out)"
  if [[ $V == 431 ]]; then
    expect_diff remote "file dst/b: only in pma"
  else
    expect_diff remote "file dst/a: only in podman-remote"
  fi
}
conf_case ign_specific_plus_root

c_ign_ignorefile_flag() {
  class ignore
  desc "--ignorefile FILE (outside the context) replaces .containerignore"
  copy_all
  files a b c
  printf 'a\n' > "$CTX/.containerignore"
  printf 'b\n' > "$AUX/custom.ignore"
  flags --ignorefile "$AUX/custom.ignore"
  refs remote local
  expect all same
}
conf_case ign_ignorefile_flag

c_ign_excluded_containerfile() {
  class ignore
  desc "the Containerfile and the ignore file themselves excluded: sent for the build, not copied"
  copy_all
  files a
  printf '%s\n' Containerfile .containerignore > "$CTX/.containerignore"
  expect all same
}
conf_case ign_excluded_containerfile
