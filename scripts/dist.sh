#!/usr/bin/env bash
# Release files (make dist): lspshare for each OS and architecture, the
# VS Code extension for each VS Code platform with that platform's lspshare
# inside, and SHA256SUMS, all in $DIST (default dist/). Every file is then
# checked by what it holds (scripts/distcheck).
#
#   scripts/dist.sh                  everything (dist/ is emptied first)
#   scripts/dist.sh linux-x64 ...    only these VS Code targets' .vsix and
#                                    binaries (the end-to-end test's way)
#
# VERSION and COMMIT override what git says (git describe --tags --always
# --dirty; the HEAD commit, with -dirty when the work tree has changes).
# Needs Go and the extension's node_modules (npm ci in editors/vscode, or
# scripts/install-test-deps.d/60-vscode.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${DIST:-$root/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"

# Go platforms, and the VS Code targets with the Go platform each needs.
platforms="darwin/arm64 darwin/amd64 windows/amd64 windows/arm64 linux/amd64 linux/arm64"
declare -A vscode=([darwin-arm64]=darwin/arm64 [darwin-x64]=darwin/amd64 [win32-x64]=windows/amd64
  [win32-arm64]=windows/arm64 [linux-x64]=linux/amd64 [linux-arm64]=linux/arm64)

fail() { echo "dist: $*" >&2; exit 1; }

if [ $# -eq 0 ]; then
  targets=$(printf '%s\n' "${!vscode[@]}" | sort)
  find "$out" -mindepth 1 -delete
else
  targets="$*"
  platforms=""
  for t in $targets; do
    [ -n "${vscode[$t]:-}" ] || fail "unknown VS Code target $t (known: ${!vscode[*]})"
    platforms="$platforms ${vscode[$t]}"
  done
fi

version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}
if [ -z "${COMMIT:-}" ]; then
  COMMIT=$(git rev-parse HEAD 2>/dev/null) || fail "not a git checkout: set VERSION and COMMIT"
  [ -z "$(git status --porcelain)" ] || COMMIT=$COMMIT-dirty
fi
# -s -w: no symbol table nor DWARF (a third smaller; stack traces stay).
ldflags="-s -w -X main.version=$version -X main.commit=$COMMIT"

binary() { # GOOS/GOARCH → file name
  local os=${1%/*} arch=${1#*/}
  echo "lspshare_${os}_${arch}$([ "$os" = windows ] && echo .exe || true)"
}

start=$SECONDS
for p in $platforms; do
  echo "dist: lspshare $version for $p"
  GOOS=${p%/*} GOARCH=${p#*/} CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" \
    -o "$out/$(binary "$p")" ./cmd/lspshare || fail "building lspshare for $p failed"
done
echo "dist: binaries in $((SECONDS - start)) s"

# The release stamp, seen by running this machine's binary.
host=$out/$(binary "$(go env GOOS)/$(go env GOARCH)")
if [ -x "$host" ]; then
  want="lspshare $version (commit $COMMIT)"
  got=$("$host" version) || fail "$host version failed"
  [ "$got" = "$want" ] || fail "$host version says \"$got\", want \"$want\""
  echo "dist: $(basename "$host") version: $got"
else
  echo "dist: no binary for this machine among these: the version stamp is not checked"
fi

ext=editors/vscode
[ -x "$ext/node_modules/.bin/vsce" ] || fail "$ext/node_modules is missing: run (cd $ext && npm ci)"
# bin/ holds one platform's binary at a time, and nothing once done, so
# that a plain "npm run package" never picks one up.
trap 'rm -rf "$root/$ext/bin"' EXIT
start=$SECONDS
(cd "$ext" && node_modules/.bin/tsc -p .) || fail "compiling the extension failed"
for t in $targets; do
  p=${vscode[$t]}
  rm -rf "$ext/bin" && mkdir "$ext/bin"
  name=lspshare$([ "${p%/*}" = windows ] && echo .exe || true)
  install -m 755 "$out/$(binary "$p")" "$ext/bin/$name"
  (cd "$ext" && node_modules/.bin/vsce package --target "$t" --skip-license --out "$out/lspshare-$t.vsix") >"$out/vsce.log" 2>&1 ||
    { cat "$out/vsce.log" >&2; fail "packaging the extension for $t failed"; }
  echo "dist: lspshare-$t.vsix"
done
rm -f "$out/vsce.log"
echo "dist: extensions in $((SECONDS - start)) s"

(cd "$out" && sha256sum lspshare_* lspshare-*.vsix >SHA256SUMS)
checked=$(for p in $platforms; do echo "$out/$(binary "$p")"; done; for t in $targets; do echo "$out/lspshare-$t.vsix"; done)
# shellcheck disable=SC2086 # one file a word
go run ./scripts/distcheck $checked || fail "a file in $out is not what it should be"
echo "dist: done, in $out"
