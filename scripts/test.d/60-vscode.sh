#!/usr/bin/env bash
# The VS Code extension's tests: unit tests (node:test), packaging of this
# machine's platform-specific .vsix with its lspshare inside (scripts/dist.sh,
# as make dist does it), and the end-to-end test in a real VS Code
# (code-server + Chromium) with that .vsix, a real hub, real proxies and
# gopls. Artifacts (logs, screenshots, the .vsix) go to
# testdata-out/vscode-e2e. Needs scripts/install-test-deps.d/60-vscode.sh.
set -euo pipefail
cd "$(dirname "$0")/../../editors/vscode"
export PATH="$(go env GOPATH)/bin:$PATH"
out=$(cd ../.. && pwd)/testdata-out/vscode-e2e
mkdir -p "$out"

if ! npm test >"$out/unit.log" 2>&1; then
  cat "$out/unit.log"; exit 1
fi
grep -E '^# (tests|pass|fail) ' "$out/unit.log"

case $(go env GOOS)/$(go env GOARCH) in
  linux/amd64) target=linux-x64 ;;
  linux/arm64) target=linux-arm64 ;;
  *) echo "60-vscode: no VS Code target for $(go env GOOS)/$(go env GOARCH)" >&2; exit 1 ;;
esac
dist=$out/dist
DIST=$dist ../../scripts/dist.sh "$target" >"$out/package.log" 2>&1 || { cat "$out/package.log"; exit 1; }
grep -E '^ok |version:' "$out/package.log"
LSPSHARE_BIN=$dist/lspshare_$(go env GOOS)_$(go env GOARCH) timeout 600 node out/e2e/run.js "$dist/lspshare-$target.vsix"
