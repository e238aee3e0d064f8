#!/usr/bin/env bash
# Unpacks a current package-lint for editors/emacs's TestEmacsLint into
# $LSPSHARE_PACKAGE_LINT_DIR (default ~/.cache/lspshare-test/package-lint).
# Debian 12's elpa-package-lint (0.16) predates Emacs 28: it knows no
# function added since Emacs 27, and calls any package that needs Emacs 28
# or later uninstallable. Debian 13's (trixie) knows Emacs 30. It is plain
# Elisp, so its .deb is unpacked, not installed, through a private apt
# configuration: the machine's apt set-up stays untouched.
#
# Idempotent and cached: once package-lint.el is there, nothing is fetched.
set -euo pipefail

dir=${LSPSHARE_PACKAGE_LINT_DIR:-$HOME/.cache/lspshare-test/package-lint}
if [ -f "$dir/package-lint.el" ]; then
  echo "71-package-lint: $(sed -n 's/^;; Version: //p' "$dir/package-lint.el") cached in $dir"
  exit 0
fi

start=$SECONDS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debs" "$tmp/root"
echo "71-package-lint: fetching package-lint from Debian trixie into $dir"
. "$(dirname "$0")/../lib/apt-suite.bash"
apt_suite "$tmp/apt" trixie
(cd "$tmp/debs" && apt-get "${apt_opts[@]}" -qq download elpa-package-lint)
dpkg -x "$tmp"/debs/elpa-package-lint_*.deb "$tmp/root"
src=$(echo "$tmp"/root/usr/share/emacs/site-lisp/elpa-src/package-lint-*)
[ -f "$src/package-lint.el" ] || { echo "71-package-lint: no package-lint.el in the package" >&2; exit 1; }
mkdir -p "$(dirname "$dir")"
rm -rf "$dir"
cp -r "$src" "$dir"
echo "71-package-lint: $(sed -n 's/^;; Version: //p' "$dir/package-lint.el") installed in $((SECONDS - start)) s"
