# The two commands of the README.
.PHONY: run test build

# A ready hub on 127.0.0.1:7777 with a first session; prints join links.
run:
	go run ./cmd/lspshare hub

# Installs what the tests need (gopls, Neovim, Vim, tmux, Chromium,
# code-server) and runs every test.
test:
	scripts/test.sh

build:
	go build -o bin/lspshare ./cmd/lspshare
