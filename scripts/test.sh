#!/usr/bin/env bash
# The project's test command: installs what the tests need, then runs every
# test (Go, real gopls, real editors, real browser). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(go env GOPATH)/bin:$PATH"

scripts/install-test-deps.sh
# The current Neovim that install-test-deps.d/50-neovim-current.sh installed:
# editors/vim runs its Neovim tests on it and on Debian's.
export LSPSHARE_NVIM_CURRENT=${LSPSHARE_NVIM_CURRENT:-${LSPSHARE_NVIM_CURRENT_DIR:-$HOME/.cache/lspshare-test/neovim-current}/bin/nvim}

echo "== gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

echo "== cross-builds"
# Every release target must vet and build: starting and ending processes
# differs by system (internal/child, behind build tags).
for t in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
  GOOS=${t%/*} GOARCH=${t#*/} go vet ./...
  CGO_ENABLED=0 GOOS=${t%/*} GOARCH=${t#*/} go build -o /dev/null ./cmd/lspshare
done

echo "== go test"
go test -count=1 -timeout 20m ./...

for t in scripts/test.d/*.sh; do
  [ -e "$t" ] || continue
  echo "== $t"
  bash "$t"
done
echo "== all tests passed"
