#!/usr/bin/env bash
# Installs Emacs 30 (Eglot built in) from Debian's bookworm-backports suite,
# with go-mode, for editors/emacs's tests. Debian 12 itself has Emacs 28.2,
# without Eglot. (package-lint: 71-package-lint.sh.)
#
# The backports suite is known to apt only for this install: a private
# sources file (next to the machine's own, which are read as they are), a
# private copy of the package lists and a private cache, all removed
# afterwards. The machine's apt set-up and lists stay as they were; an
# ordinary `apt-get upgrade` later keeps Emacs 30 (apt does not downgrade).
#
# Idempotent: an Emacs 30 or later with go-mode installs nothing.
set -euo pipefail

have_emacs30() {
  command -v emacs >/dev/null &&
    emacs --batch -Q --eval '(kill-emacs (if (>= emacs-major-version 30) 0 1))' 2>/dev/null
}

packages=(emacs-nox elpa-go-mode)
if have_emacs30 && dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  echo "70-emacs: $(emacs --version | head -1) and go-mode already installed"
  exit 0
fi

start=$SECONDS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
# The machine's lists, for the packages Emacs needs from bookworm itself.
cp -a /var/lib/apt/lists/. "$tmp/lists/" 2>/dev/null || true
rm -f "$tmp/lists/lock"

# The mirror the machine already uses.
uri=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
uri=${uri:-http://deb.debian.org/debian}
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm-backports main" >"$tmp/backports.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$tmp/backports.list"
  -o "Dir::State::Lists=$tmp/lists"
  -o "Dir::Cache=$tmp/cache"
  -o "APT::Sandbox::User=$(id -un)"
)
export DEBIAN_FRONTEND=noninteractive
echo "70-emacs: installing Emacs from bookworm-backports"
# Only backports' lists are fetched: the machine's are copies, kept as
# they are (no clean-up of lists that the update's sources do not name).
# A machine that has none (an image without them) gets all fetched.
if compgen -G "$tmp/lists/*_Packages*" >/dev/null; then
  apt-get "${apt_opts[@]}" -o Dir::Etc::SourceParts=/dev/null -o APT::Get::List-Cleanup=0 -qq update
else
  apt-get "${apt_opts[@]}" -qq update
fi
lists=$((SECONDS - start))
# emacs-nox: the tests run Emacs headless; emacs (GTK) works the same.
# go-mode: Emacs's own go-ts-mode needs a tree-sitter grammar Debian 12 lacks.
apt-get "${apt_opts[@]}" -y -qq --no-install-recommends -t bookworm-backports \
  install "${packages[@]}" >/dev/null
have_emacs30 || { echo "70-emacs: emacs is not version 30 after the install" >&2; exit 1; }
echo "70-emacs: $(emacs --version | head -1) installed in $((SECONDS - start)) s (package lists $lists s)"
