#!/usr/bin/env bash
# The VS Code extension's tests: unit tests (node:test), packaging to a
# .vsix, and the end-to-end test in a real VS Code (code-server + Chromium),
# with a real hub, real proxies and gopls. Artifacts (logs, screenshots) go
# to testdata-out/vscode-e2e. Needs scripts/install-test-deps.d/60-vscode.sh.
set -euo pipefail
cd "$(dirname "$0")/../../editors/vscode"
export PATH="$(go env GOPATH)/bin:$PATH"
out=../../testdata-out/vscode-e2e
mkdir -p "$out"

if ! npm test >"$out/unit.log" 2>&1; then
  cat "$out/unit.log"; exit 1
fi
grep -E '^# (tests|pass|fail) ' "$out/unit.log"
npm run package >"$out/package.log" 2>&1 || { cat "$out/package.log"; exit 1; }
echo "packaged editors/vscode/lspshare.vsix"
timeout 600 node out/e2e/run.js lspshare.vsix
