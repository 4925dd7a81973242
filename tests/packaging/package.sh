#!/usr/bin/env bash
# The packages, built as a distribution builds them and installed as a user installs them:
#   1. `meson dist`: the release tarball, of the tree as it is (committed or not);
#   2. one version: meson.build, debian/changelog and podman-multiarch.spec agree;
#   3. dpkg-buildpackage, source and binary, the tarball as the .orig (dh_auto_test
#      runs the unit tests in the tarball's build from scratch); lintian clean;
#   4. a fresh minimal bookworm root (debootstrap): `apt-get install ./the.deb`, then
#      --version, man -w, bash completion of `build --pl<TAB>`, the zsh and fish
#      scripts where those shells look on Debian;
#   5. rpmspec -P, rpmlint and rpmbuild (dependency checks off: the Fedora -devel
#      packages are not Debian's) of the spec inside the tarball, unit tests in %check;
#   6. each package holds exactly what `meson install` puts down (plus its docs).
# Usage: tests/packaging/package.sh BUILD_DIR   (as root; reaches Debian's mirror)
# Products and logs: BUILD_DIR/package/.
set -euo pipefail
source_root=$(cd "$(dirname "$0")/../.." && pwd)
build_root=$(cd "${1:?usage: package.sh BUILD_DIR}" && pwd)
work=$build_root/package
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

failures=0
started=$SECONDS
step_started=$SECONDS
step() {
  echo "== $* (at $((SECONDS - started)) s)"
  step_started=$SECONDS
}
took() { echo "   took $((SECONDS - step_started)) s"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# run LOG CMD... — runs CMD with its output in LOG; on failure shows the log's end and stops.
run() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -40 "$log"
    echo "FAIL: $* (log: $log)"
    exit 1
  fi
}

# installed BUILD_DIR — the files meson install puts down from that build (the man
# pages as the packages hold them, compressed).
installed() { meson introspect "$1" --installed | jq -r '.[]' | sed 's/\.gz$//' | sort; }
# unit_tests_passed LOG — a package build's log shows meson test's summary: some passed, none failed.
unit_tests_passed() { grep -q '^Ok: *[1-9]' "$1" && ! grep -q '^Fail: *[1-9]' "$1"; }

root=$work/bookworm-root
cleanup() {
  # debootstrap mounts /proc and /sys inside the root; a killed run leaves them.
  if [[ -d $root ]]; then
    findmnt -rno TARGET | grep "^$root/" | sort -r | xargs -r umount -l || true
  fi
}
trap cleanup EXIT
cleanup
rm -rf --one-file-system "$work"
mkdir -p "$work"

step "meson dist: the release tarball"
# meson dist archives a commit: a copy of the tree (tracked and new files, not the
# ignored ones) committed in a scratch repository, so uncommitted work is what is tested.
tree=$work/tree
mkdir -p "$tree"
if git -C "$source_root" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$source_root" ls-files -z --cached --others --exclude-standard |
    (cd "$source_root" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) |
    tar -C "$source_root" --null -T - -cf - | tar -C "$tree" -xf -
else
  tar -C "$source_root" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$tree" -xf -
fi
run "$work/dist.log" sh -c "cd '$tree' && git init -q && git add -A &&
  git -c user.name=package -c user.email=package@localhost commit -q -m tree &&
  meson setup '$work/dist-build' && meson dist -C '$work/dist-build' --no-tests --formats xztar"
version=$(meson introspect "$work/dist-build" --projectinfo | jq -r .version)
tarball=$work/dist-build/meson-dist/podman-multiarch-$version.tar.xz
[[ -s $tarball ]] || fail "meson dist wrote no $tarball"
echo "   $(basename "$tarball"): $(stat -c %s "$tarball") bytes, $(tar -tJf "$tarball" | grep -vc '/$') files"
for file in meson.build LICENSE README.md podman-multiarch.spec src/main.cpp man/podman-multiarch.1.md; do
  tar -tJf "$tarball" "podman-multiarch-$version/$file" >/dev/null 2>&1 || fail "the tarball lacks $file"
done
tar -tJf "$tarball" "podman-multiarch-$version/.release-tarball" >/dev/null 2>&1 ||
  fail "the tarball lacks the .release-tarball mark (scripts/mark-release-tarball.sh)"
# No build trees, no .git, no debian/ (a distribution brings its own: .gitattributes).
if tar -tJf "$tarball" | grep -E '^[^/]+/(build[^/]*|\.git|debian)/' | head -3 | grep .; then
  fail "the tarball holds build trees, .git or debian/"
fi
took

step "one version: meson.build $version"
deb_version=$(dpkg-parsechangelog -l "$source_root/debian/changelog" -S Version)
rpm_version=$(rpmspec -q --srpm --qf '%{version}' "$source_root/podman-multiarch.spec" 2>/dev/null)
[[ ${deb_version%-*} == "$version" ]] || fail "debian/changelog says $deb_version, meson.build $version"
[[ $rpm_version == "$version" ]] || fail "podman-multiarch.spec says $rpm_version, meson.build $version"
echo "   debian/changelog $deb_version, podman-multiarch.spec $rpm_version"

step "dpkg-buildpackage from the tarball"
mkdir -p "$work/deb"
cp "$tarball" "$work/deb/podman-multiarch_$version.orig.tar.xz"
tar -C "$work/deb" -xJf "$tarball"
cp -a "$tree/debian" "$work/deb/podman-multiarch-$version/"
run "$work/dpkg-buildpackage.log" sh -c "cd '$work/deb/podman-multiarch-$version' && dpkg-buildpackage -us -uc"
deb=$(echo "$work"/deb/podman-multiarch_"$deb_version"_*.deb)
deb_files=$(installed "$work/deb/podman-multiarch-$version/obj-$(dpkg-architecture -qDEB_HOST_GNU_TYPE)")
[[ -s $deb ]] || fail "no .deb"
unit_tests_passed "$work/dpkg-buildpackage.log" || fail "the unit tests did not run and pass in the package build"
echo "   $(basename "$deb"): $(stat -c %s "$deb") bytes, installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
echo "   Depends: $(dpkg-deb -f "$deb" Depends)"
if dpkg-deb -f "$deb" Depends | grep -Eq 'podman|buildah|skopeo|registry|qemu'; then fail "Depends names a lab package"; fi
took

step "lintian (errors, warnings, info, pedantic)"
# lintian refuses nothing as root but says so on stderr.
lintian -I --pedantic --fail-on error,warning,info,pedantic "$work"/deb/podman-multiarch_"$deb_version"_*.changes \
  >"$work/lintian.txt" 2>"$work/lintian.err" || fail "lintian: $(cat "$work/lintian.txt")"
grep -v 'running with root privileges' "$work/lintian.err" >&2 || true
echo "   lintian: $(wc -l <"$work/lintian.txt") tags"
took

step "a fresh minimal bookworm root: apt-get install ./$(basename "$deb")"
run "$work/debootstrap.log" debootstrap --variant=minbase bookworm "$root" "$mirror"
cp "$deb" "$root/tmp/"
cat >"$root/tmp/check.sh" <<'EOF'
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/tmp/apt.log 2>&1
# man-db and bash-completion: what a user who asks for man pages and completion has.
apt-get install -y -q --no-install-recommends "$1" man-db bash-completion >>/tmp/apt.log 2>&1
echo "version: $(podman-multiarch --version)"
echo "man -w: $(man -w podman-multiarch) $(man -w podman-multiarch-build) $(man -w 5 podman-multiarch.yaml)"
echo "bash: $(bash --norc -c '
  source /usr/share/bash-completion/bash_completion
  __load_completion podman-multiarch || exit 3
  COMP_WORDS=(podman-multiarch build --pl) COMP_CWORD=2 COMP_LINE="podman-multiarch build --pl" COMP_POINT=27
  _podman_multiarch podman-multiarch --pl build
  echo "${COMPREPLY[*]}"')"
echo "zsh: $(ls /usr/share/zsh/vendor-completions/_podman-multiarch)"
echo "fish: $(ls /usr/share/fish/vendor_completions.d/podman-multiarch.fish)"
EOF
if unshare --mount --propagation private sh -c "mount -t proc proc '$root/proc' &&
     chroot '$root' sh /tmp/check.sh '/tmp/$(basename "$deb")'" >"$work/root.txt" 2>&1; then
  sed 's/^/   /' "$work/root.txt"
  grep -qx "version: podman-multiarch version $version" "$work/root.txt" || fail "--version in the root"
  grep -q '^man -w: /usr/share/man/man1/podman-multiarch.1.gz /usr/share/man/man1/podman-multiarch-build.1.gz /usr/share/man/man5/podman-multiarch.yaml.5.gz$' \
    "$work/root.txt" || fail "man -w in the root"
  grep -qx 'bash: --platform --platform-build-arg --platform-target --platform-file' "$work/root.txt" ||
    fail "bash completion of build --pl in the root"
else
  tail -30 "$work/root.txt"
  tail -20 "$root/tmp/apt.log" 2>/dev/null || true
  fail "installing or running the package in a fresh bookworm root"
fi
cleanup
took

step "rpmspec -P, rpmlint, rpmbuild -tb (dependency checks off)"
macros=$source_root/tests/packaging/rpm-macros
run "$work/rpmspec.txt" rpmspec --load "$macros" -P "$source_root/podman-multiarch.spec"
grep -q 'meson setup --buildtype=plain' "$work/rpmspec.txt" || fail "rpmspec -P: %meson did not expand"
# rpmlint of the spec (the built RPM is not Fedora's: Debian's rpm neither compresses man
# pages nor strips, and Debian's rpmlint applies openSUSE's rules to packages).
rpmlint -r "$source_root/podman-multiarch.rpmlintrc" "$source_root/podman-multiarch.spec" >"$work/rpmlint.txt" 2>&1 &&
  grep -q ' 0 errors, 0 warnings' "$work/rpmlint.txt" || fail "rpmlint: $(grep -E ': [EW]: ' "$work/rpmlint.txt")"
# Without optimisation: this checks the spec, not the compiler (and saves CI minutes).
run "$work/rpmbuild.log" rpmbuild --load "$macros" --define "_topdir $work/rpm" --define "optflags -O0" \
  --nodeps --noclean -tb "$tarball"
rpm=$(echo "$work"/rpm/RPMS/*/podman-multiarch-"$version"-1.*.rpm)
[[ -s $rpm ]] || fail "no .rpm"
unit_tests_passed "$work/rpmbuild.log" || fail "the unit tests did not run and pass in %check"
echo "   $(basename "$rpm"): $(stat -c %s "$rpm") bytes"
rpm_build=$(dirname "$(echo "$work"/rpm/BUILD/podman-multiarch-"$version"/*/meson-info)")
took

step "each package holds what meson install puts down"
# same WHAT LIST INSTALLED — LIST (a package's files) is INSTALLED (what meson installs).
same() { [[ $2 == "$3" ]] || fail "the $1 differs from meson install: $(diff <(echo "$2") <(echo "$3"))"; }
# Besides docs, licenses, lintian overrides and build-id links: the packaging's own.
same .deb "$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print substr($6, 2)}' | grep -Ev '^/usr/share/(doc|lintian)/' |
  sed 's/\.gz$//' | sort)" "$deb_files"
same .rpm "$(rpm -qlp "$rpm" 2>/dev/null | grep -Ev '^/usr/share/(doc|licenses)/|^/usr/lib/\.build-id(/|$)' |
  sed 's/\.gz$//' | sort)" "$(installed "$rpm_build")"
echo "   $(wc -l <<<"$deb_files") files in each"
took

echo "packages: $((SECONDS - started)) s, $failures failure(s)"
((failures == 0))
