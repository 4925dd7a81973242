# meson install into a temporary root: binary, man pages (rendered by man(1)
# without warnings) and completion scripts, each exercised in its real shell,
# found where that shell looks under the install prefix.
require_lab
: "${PMA_BUILD_ROOT:?}"
dest=$T/dest

TEST "meson install puts every file where the system looks"
meson install -C "$PMA_BUILD_ROOT" --destdir "$dest" --no-rebuild --quiet >"$T/out" 2>"$T/err" || fail "meson install failed"
prefix=$(meson introspect "$PMA_BUILD_ROOT" --buildoptions | jq -r '.[] | select(.name == "prefix") | .value')
root=$dest$prefix
for file in bin/podman-multiarch \
  share/man/man1/podman-multiarch.1 share/man/man1/podman-multiarch-build.1 share/man/man1/podman-multiarch-hosts.1 \
  share/man/man1/podman-multiarch-inspect.1 share/man/man1/podman-multiarch-manifest.1 \
  share/man/man1/podman-multiarch-version.1 share/man/man1/podman-multiarch-completion.1 \
  share/man/man5/podman-multiarch.yaml.5 \
  share/bash-completion/completions/podman-multiarch share/zsh/site-functions/_podman-multiarch \
  share/fish/vendor_completions.d/podman-multiarch.fish; do
  [[ -s $root/$file ]] || fail "not installed: $file"
done
# Every page in man/ is installed, and nothing else.
want=$(cd "$PMA_SOURCE_ROOT/man" && ls ./*.md | sed 's|^\./||; s|\.md$||' | sort)
got=$(cd "$root/share/man" && ls man1 man5 | grep -v ':$' | grep . | sort)
[[ $want == "$got" ]] || fail "installed pages: $got"
export PATH=$root/bin:$PATH XDG_DATA_DIRS=$root/share:/usr/share PODMAN_MULTIARCH_CONFIG=$LAB_CONFIG

TEST "every man page renders with man -l, without warnings"
for page in "$root"/share/man/man*/*; do
  MANWIDTH=80 man --warnings -l "$page" >"$T/page.txt" 2>"$T/man-err"
  [[ ! -s $T/man-err ]] || fail "$(basename "$page"): $(head -3 "$T/man-err")"
  grep -q "^NAME" "$T/page.txt" && grep -q "^SYNOPSIS" "$T/page.txt" && grep -q "^SEE ALSO" "$T/page.txt" ||
    fail "$(basename "$page") lacks NAME, SYNOPSIS or SEE ALSO"
  if [[ $page == *.1 ]]; then
    grep -q "^EXIT STATUS" "$T/page.txt" && grep -q "^EXAMPLES" "$T/page.txt" || fail "$(basename "$page") lacks EXIT STATUS or EXAMPLES"
  fi
done

# comp_bash LINE — what bash offers for LINE (cursor at the end), with
# bash-completion loading the installed script on demand.
comp_bash() {
  bash --norc -c '
    source /usr/share/bash-completion/bash_completion
    __load_completion podman-multiarch || exit 3
    complete -p podman-multiarch | grep -q -- "-F _podman_multiarch" || exit 4
    COMP_LINE=$1 COMP_POINT=${#1}
    read -ra COMP_WORDS <<<"$1"
    [[ $1 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _podman_multiarch podman-multiarch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$1" >"$T/out" 2>"$T/err"
  RC=$?
  echo "  bash: '$1' → $(tr '\n' ' ' <"$T/out")"
}
# expect_lines "a b c" — stdout is exactly these lines.
expect_lines() { [[ $(tr '\n' ' ' <"$T/out" | sed 's/ $//') == "$1" ]] || fail "offered: $(tr '\n' ' ' <"$T/out")"; }
lab_platforms=$(for h in $LAB_HOSTS; do v=LAB_PLATFORM_$h; echo "${!v}"; done | sort | tr '\n' ' ' | sed 's/ $//')

TEST "bash: commands, flags, fixed values, the lab's platforms and hosts, files"
comp_bash "podman-multiarch b"
expect_rc 0
expect_lines "build bake"
comp_bash "podman-multiarch build --pl"
expect_lines "--platform --platform-build-arg --platform-target --platform-file"
comp_bash "podman-multiarch build --platform "
expect_lines "$lab_platforms"
comp_bash "podman-multiarch build --platform linux/amd64,linux/s"
expect_lines "linux/amd64,linux/s390x"
comp_bash "podman-multiarch build --host "
expect_lines "$(tr ' ' '\n' <<<"$LAB_HOSTS" | tr '\n' ' ' | sed 's/ $//')"
comp_bash "podman-multiarch hosts check --farm "
expect_lines "lab"
comp_bash "podman-multiarch build --progress p"
expect_lines "plain"
comp_bash "podman-multiarch build --emulation="
expect_lines "never fallback always"
comp_bash "podman-multiarch manifest a"
expect_lines "add annotate"
comp_bash "podman-multiarch manifest push --dig"
expect_lines "--digestfile"
mkdir -p "$T/ctx/sub" && touch "$T/ctx/file.txt"
comp_bash "podman-multiarch build $T/ctx/"
expect_lines "$T/ctx/sub"
comp_bash "podman-multiarch build --authfile $T/ctx/f"
expect_lines "$T/ctx/file.txt"

TEST "zsh: compinit finds _podman-multiarch in site-functions, and it completes"
cat >"$T/comp.zsh" <<'EOF'
fpath=($1 $fpath)
autoload -U compinit && compinit -u -d $3
[[ $_comps[podman-multiarch] == _podman-multiarch ]] || { print "not registered: $_comps[podman-multiarch]"; exit 5 }
# The widget-only functions print what they would offer.
_describe() { local -a c; c=("${(@P)${@[-1]}}"); print -rl -- "${c[@]%%:*}" }
_files() { print -r -- "_files $*" }
words=(${(z)2}); [[ $2 == *' ' ]] && words+=('')
CURRENT=${#words}
$_comps[podman-multiarch]
EOF
comp_zsh() {
  zsh -f "$T/comp.zsh" "$root/share/zsh/site-functions" "$1" "$T/zcompdump" >"$T/out" 2>"$T/err"
  RC=$?
  echo "  zsh: '$1' → $(tr '\n' ' ' <"$T/out")"
}
comp_zsh "podman-multiarch ver"
expect_rc 0
expect_lines "version"
comp_zsh "podman-multiarch build --platform "
expect_lines "$lab_platforms"
comp_zsh "podman-multiarch inspect --format "
expect_lines "table json"
comp_zsh "podman-multiarch build "
expect_lines "_files -/"

TEST "fish: the vendor completion is found and completes"
comp_fish() {
  fish -c "complete -C '$1'" >"$T/out" 2>"$T/err"
  RC=$?
  echo "  fish: '$1' → $(cut -f1 "$T/out" | tr '\n' ' ')"
}
comp_fish "podman-multiarch build --"
expect_rc 0
grep -qxF -- $'--platform\tPlatforms to build, comma list, repeatable (default: every platform the hosts serve)' "$T/out" ||
  fail "no --platform with its description"
comp_fish "podman-multiarch build --platform "
[[ $(cut -f1 "$T/out" | tr '\n' ' ' | sed 's/ $//') == "$lab_platforms" ]] || fail "platforms"
expect_out $'linux/s390x\tserved by s390x'
comp_fish "podman-multiarch completion "
[[ $(cut -f1 "$T/out" | sort | tr '\n' ' ') == "bash fish zsh " ]] || fail "shells"

TEST "__complete is fast, silent on a broken configuration, and probes only local hosts"
start=$(date +%s%N)
"$root/bin/podman-multiarch" __complete build --host '' >/dev/null
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "  __complete build --host: ${elapsed_ms} ms"
((elapsed_ms < 500)) || fail "took ${elapsed_ms} ms"
printf 'hosts: [oops\n' >"$T/broken.yaml"
PODMAN_MULTIARCH_CONFIG=$T/broken.yaml pma __complete build --host ''
expect_rc 0
[[ $(cat "$T/out") == ":0" && ! -s $T/err ]] || fail "not silent"
# No declared platforms: the local host is asked (every lab host runs on this machine's architecture).
PODMAN_MULTIARCH_CONFIG='' CONTAINER_HOST=unix://$LAB_SOCK_s390x pma __complete build --platform ''
expect_out $'\tserved by local'
PODMAN_MULTIARCH_CONFIG='' CONTAINER_HOST=ssh://nobody@192.0.2.1/run/podman.sock pma __complete build --platform ''
[[ $(cat "$T/out") == ":0" ]] || fail "a remote host was dialled"
