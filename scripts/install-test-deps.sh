#!/usr/bin/env bash
# Installs what lspshare's tests need on a fresh Debian 12 machine: gopls,
# Neovim, Vim, tmux, Chromium, Caddy and nginx (reverse proxies in front of a
# hub), systemd (systemd-analyze checks the documented unit), and through the
# hooks in install-test-deps.d the current Neovim, Emacs 30 with package-lint,
# and (for the VS Code end-to-end test) a local code-server. Idempotent: what
# is already there is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(neovim vim tmux chromium ripgrep libkrb5-dev git caddy nginx systemd)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

gobin=$(go env GOPATH)/bin
if ! "$gobin/gopls" version 2>/dev/null | grep -q 'v0.23.0'; then
  echo "install-test-deps: go install gopls@v0.23.0"
  GOFLAGS=-mod=mod go install golang.org/x/tools/gopls@v0.23.0
fi

for hook in scripts/install-test-deps.d/*.sh; do
  [ -e "$hook" ] || continue
  echo "install-test-deps: $hook"
  bash "$hook"
done
