// The Go extension (golang.go) and lspshare together, as a new user meets
// them: both installed, a Go module opened. lspshare must see the conflict,
// not start a second gopls, and offer the fix; one click later exactly one
// gopls runs (behind lspshare) and go-to-definition works.
//
// Usage: node out/e2e/goext.js LSPSHARE_VSIX GOLANG_GO_VSIX. Not part of
// CI: the Go extension's .vsix comes from the marketplace (or a build of
// github.com/golang/vscode-go), which CI cannot reach.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, activeTab, notification, openFile, palette, scenario, startupMs, statusText, step, stepMs } from './harness';
import { ProcInfo, processesWithHome, waitFor } from './procs';

async function goExtension(h: Harness, vsix: string, goVsix: string): Promise<void> {
  const lspshare = await step('build lspshare', () => h.lspshare());
  const root = await h.checkout(join(h.tmp, 'user/reading'));
  const page = await step('code-server with lspshare and the Go extension', async () => {
    const p = await h.openVSCode([vsix, goVsix], {
      'lspshare.path': lspshare,
      'go.toolsManagement.checkForUpdates': 'off',
      'go.survey.prompt': false,
    }, root);
    await openFile(p, 'main.go');
    return p;
  });

  const toast = await step('the conflict is detected and the fix offered', async () => {
    await statusText(page, /Go extension conflict/, startupMs);
    const t = await notification(page, /two language servers/, stepMs);
    // lspshare did not start: the one gopls is the Go extension's.
    await waitFor('only the Go extension\'s gopls', () => {
      const ps = servers(h.tmp);
      if (ps.gopls.length === 1 && ps.lspshare.length === 0) return true;
      throw new Error(`servers: ${JSON.stringify(ps)}`);
    }, startupMs);
    return t;
  });
  await h.screenshot('conflict.png');

  await step('one click: the Go extension\'s language server off here, lspshare on', async () => {
    await toast.getByRole('button', { name: 'Use lspshare for Go here' }).click();
    await statusText(page, /Not connected/, startupMs);
    const settings = JSON.parse(readFileSync(join(root, '.vscode/settings.json'), 'utf8'));
    if (settings['go.useLanguageServer'] !== false) throw new Error(`workspace settings: ${JSON.stringify(settings)}`);
    await waitFor('exactly one gopls, behind lspshare', () => {
      const ps = servers(h.tmp);
      if (ps.lspshare.length === 1 && ps.gopls.length === 1 && ps.gopls[0].ppid === ps.lspshare[0].pid) return true;
      throw new Error(`servers: ${JSON.stringify(ps)}`);
    }, startupMs);
  });

  await step('go to definition answers through lspshare', async () => {
    await openFile(page, 'main.go'); // the Go extension's welcome page took the front
    await palette(page, 'Go to Line/Column');
    await page.keyboard.type('13:16');
    await page.keyboard.press('Enter');
    await page.keyboard.press('F12');
    await waitFor('store.go to open', async () => (await activeTab(page)) === 'store.go', stepMs);
  });
  await h.screenshot('resolved.png');
}

/** servers lists the language servers (gopls, lspshare lsp) of this test: those with HOME under tmp. */
function servers(tmp: string): { gopls: ProcInfo[]; lspshare: ProcInfo[] } {
  const out = { gopls: [] as ProcInfo[], lspshare: [] as ProcInfo[] };
  for (const p of processesWithHome(join(tmp, 'home'))) {
    const exe = p.argv[0].split('/').pop();
    if (exe === 'gopls') out.gopls.push(p);
    if (exe === 'lspshare' && p.argv[1] === 'lsp') out.lspshare.push(p);
  }
  // gopls runs a telemetry helper as its own child: not a second server.
  const goplsPids = new Set(out.gopls.map((p) => p.pid));
  out.gopls = out.gopls.filter((p) => !goplsPids.has(p.ppid));
  return out;
}

const [vsix, goVsix] = process.argv.slice(2);
if (!vsix || !goVsix || !existsSync(vsix) || !existsSync(goVsix)) {
  console.error('usage: goext.js LSPSHARE_VSIX GOLANG_GO_VSIX');
  process.exit(2);
}
scenario('goext', (h) => goExtension(h, vsix, goVsix)).catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
