#!/usr/bin/env bash
# Installs the current Neovim release next to Debian 12's 0.7.2, so that the
# plugin's tests run on both (editors/vim finds it at
# $LSPSHARE_NVIM_CURRENT, default ~/.cache/lspshare-test/neovim-current/bin/nvim).
#
# Debian 12 has no newer Neovim, but Debian's unstable suite (sid) does. Its
# packages need a newer C library than Debian 12's, so they are unpacked, C
# library included, into one folder, and the binary is pointed at that
# folder's loader and libraries. A private apt configuration fetches them:
# the machine's own apt set-up stays untouched.
# (docs: ../../shared/notes/editors-in-ci.md)
#
# Idempotent and cached: once the wrapper runs, nothing is fetched again.
set -euo pipefail

dir=${LSPSHARE_NVIM_CURRENT_DIR:-$HOME/.cache/lspshare-test/neovim-current}
wrapper=$dir/bin/nvim

if "$wrapper" --version >/dev/null 2>&1; then
  echo "50-neovim-current: $("$wrapper" --version | head -1) cached in $dir"
  exit 0
fi

start=$SECONDS
echo "50-neovim-current: installing Neovim from Debian sid into $dir"
if ! command -v patchelf >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  # The machine's package lists may be missing or old: update once if so.
  apt-get install -y -qq patchelf >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq patchelf >/dev/null; }
fi

tmp=$dir.tmp
rm -rf "$tmp"
mkdir -p "$tmp/debs" "$tmp/root" "$tmp/bin"
. "$(dirname "$0")/../lib/apt-suite.bash"
apt_suite "$tmp/apt" sid

# neovim's own dependencies (today libluajit-5.1-2, libtree-sitter0.26,
# libunibilium4, libutf8proc3, libuv1t64, lua-lpeg, lua-luv), with the C
# library and libgcc that they were built against.
mapfile -t deps < <(apt-cache "${apt_opts[@]}" depends neovim |
  awk '$1 ~ /^\|?Depends:$/ && $2 !~ /^</ { print $2 }' | sort -u)
(cd "$tmp/debs" && apt-get "${apt_opts[@]}" -qq download \
  neovim neovim-runtime libc6 libgcc-s1 "${deps[@]}")
for deb in "$tmp"/debs/*.deb; do
  dpkg -x "$deb" "$tmp/root"
done

# The loader and libraries are found by their final path, so the binary is
# patched for $dir, not $tmp. A patched binary (not "ld-linux nvim"): the
# UI starts a second nvim through its own path.
lib=$dir/root/usr/lib/x86_64-linux-gnu
cp "$tmp/root/usr/bin/nvim" "$tmp/bin/nvim-sid"
patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --set-rpath "$lib" "$tmp/bin/nvim-sid"
cat >"$tmp/bin/nvim" <<EOF
#!/bin/sh
# Neovim from Debian sid (scripts/install-test-deps.d/50-neovim-current.sh).
VIMRUNTIME='$dir/root/usr/share/nvim/runtime'
export VIMRUNTIME
exec '$dir/bin/nvim-sid' "\$@"
EOF
chmod +x "$tmp/bin/nvim"
rm -rf "$tmp/apt" "$tmp/debs"

rm -rf "$dir"
mv "$tmp" "$dir"
echo "50-neovim-current: $("$wrapper" --version | head -1) installed in $((SECONDS - start)) s"
