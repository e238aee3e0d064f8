# The two commands of the README.
.PHONY: run test build dist

# A ready hub on 127.0.0.1:7777 with a first session; prints join links.
run:
	go run ./cmd/lspshare hub

# Installs what the tests need (gopls, Neovim, Vim, Emacs, tmux, Chromium, Caddy,
# nginx, systemd-analyze, code-server) and runs every test.
test:
	scripts/test.sh

build:
	go build -o bin/lspshare ./cmd/lspshare

# Release files in dist/: lspshare for macOS, Windows and Linux (amd64 and
# arm64), the VS Code extension for each platform with its lspshare inside,
# and SHA256SUMS (scripts/dist.sh, docs/install.md; needs
# editors/vscode/node_modules).
dist:
	scripts/dist.sh
