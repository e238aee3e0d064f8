#!/usr/bin/env bash
# Installs what the VS Code extension's tests need: a local code-server
# (VS Code in a browser, the only VS Code that installs offline here) and the
# extension's npm packages (TypeScript, vsce, playwright-core).
#
# Idempotent and cached: code-server goes to $LSPSHARE_CODE_SERVER_DIR
# (default ~/.cache/lspshare-test/code-server-4.100.3) and is kept once
# complete; the extension's node_modules is kept while package-lock.json is
# unchanged.
#
# code-server's own postinstall steps download from GitHub, which CI cannot
# reach, so they are skipped and the native parts are rebuilt against the
# system Node (docs: ../../shared/notes/editors-in-ci.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

version=4.100.3
dir=${LSPSHARE_CODE_SERVER_DIR:-$HOME/.cache/lspshare-test/code-server-$version}

# Debian's Node ships its headers in /usr/include/node: native modules build
# against them instead of downloading headers.
export npm_config_nodedir=/usr npm_config_yes=true npm_config_audit=false npm_config_fund=false
export npm_config_update_notifier=false npm_config_loglevel=error
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

install_code_server() {
  local tmp=$dir.tmp
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (
    cd "$tmp"
    npm install --no-save --ignore-scripts "code-server@$version" >/dev/null
    npm rebuild argon2 >/dev/null
    cd node_modules/code-server/lib/vscode
    npm install --omit=dev --ignore-scripts >/dev/null
    mkdir -p node_modules/@vscode/ripgrep/bin
    cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm rebuild >/dev/null
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
    (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
    cd extensions && npm install --omit=dev >/dev/null
  )
  rm -rf "$dir"
  mv "$tmp" "$dir"
}

if [ -x "$dir/node_modules/.bin/code-server" ]; then
  echo "60-vscode: code-server $version cached in $dir"
else
  command -v rg >/dev/null || { echo "60-vscode: ripgrep (rg) is missing" >&2; exit 1; }
  echo "60-vscode: installing code-server $version into $dir"
  start=$SECONDS
  install_code_server
  echo "60-vscode: code-server installed in $((SECONDS - start)) s"
fi

ext=editors/vscode
stamp=$ext/node_modules/.lspshare-lock
if [ -f "$stamp" ] && cmp -s "$stamp" "$ext/package-lock.json"; then
  echo "60-vscode: $ext/node_modules up to date"
else
  echo "60-vscode: npm ci in $ext"
  start=$SECONDS
  (cd "$ext" && npm ci >/dev/null)
  cp "$ext/package-lock.json" "$stamp"
  echo "60-vscode: npm ci took $((SECONDS - start)) s"
fi
