// A real VS Code for end-to-end tests: code-server with extensions installed
// from .vsix files, opened in Debian's Chromium through playwright-core, with
// HOME and XDG_* in a temporary folder. Also the lspshare binary and fixture
// checkouts the scenarios share.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { Browser, Page, chromium } from 'playwright-core';
import { Proc, run, waitFor } from './procs';

export const repo = resolve(__dirname, '../../../..');
export const outDir = process.env.LSPSHARE_E2E_OUT || join(repo, 'testdata-out/vscode-e2e');
const codeServer =
  process.env.LSPSHARE_CODE_SERVER || join(homedir(), '.cache/lspshare-test/code-server-4.100.3/node_modules/.bin/code-server');
const chromiumPath = process.env.LSPSHARE_CHROMIUM || '/usr/bin/chromium';

/** Deadlines: generous for a 2-core CI machine; a passing run takes a fraction. */
export const startupMs = 90_000;
export const stepMs = 30_000;

/**
 * scenario runs test in a fresh Harness, with a screenshot on failure. It
 * skips when code-server or Chromium is missing, except under CI=true,
 * where that fails.
 */
export async function scenario(name: string, test: (h: Harness) => Promise<void>): Promise<void> {
  const missing = [codeServer, chromiumPath].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    const msg = `${name}: missing ${missing.join(', ')} (run scripts/install-test-deps.sh)`;
    if (process.env.CI === 'true') throw new Error(msg);
    console.log(`SKIP ${msg}`);
    return;
  }
  mkdirSync(outDir, { recursive: true });
  const h = new Harness(name, mkdtempSync(join(tmpdir(), 'lspshare-vscode-e2e-')));
  try {
    await h.homeOfAGoUser();
    await test(h);
    console.log(`PASS ${name} (artifacts in ${outDir})`);
  } catch (err) {
    await h.screenshot('failure.png');
    throw err;
  } finally {
    await h.close();
  }
}

export class Harness {
  readonly env: NodeJS.ProcessEnv;
  private readonly procs: Proc[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private browser?: Browser;
  page?: Page;

  constructor(
    private readonly name: string,
    readonly tmp: string,
  ) {
    for (const d of ['home/go/bin', 'config', 'cache', 'data', 'state', 'build']) mkdirSync(join(tmp, d), { recursive: true });
    this.env = {
      ...process.env,
      HOME: join(tmp, 'home'),
      XDG_CONFIG_HOME: join(tmp, 'config'),
      XDG_CACHE_HOME: join(tmp, 'cache'),
      XDG_DATA_HOME: join(tmp, 'data'),
      XDG_STATE_HOME: join(tmp, 'state'),
      // The fixture has no dependencies: nothing to download, and the
      // build cache is kept warm from the real one to spare gopls the time.
      GOCACHE: process.env.GOCACHE || join(homedir(), '.cache/go-build'),
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      // No lspshare on PATH, as on a laptop with nothing but VS Code
      // and Go: the extension must find its own.
      PATH: [join(tmp, 'home/go/bin'), ...withoutLspshare(process.env.PATH)].join(delimiter),
    };
  }

  /** extensionsDir is where openVSCode installs the .vsix files. */
  get extensionsDir(): string {
    return join(this.tmp, 'vscode/extensions');
  }

  /**
   * homeOfAGoUser puts gopls where `go install` puts it, ~/go/bin, on the
   * PATH of login shells (~/.profile), as on a Go developer's machine:
   * VS Code starts its extensions with the login shell's environment.
   */
  async homeOfAGoUser(): Promise<void> {
    const home = this.env.HOME!;
    const path = `${join(homedir(), 'go/bin')}${delimiter}${process.env.PATH}`;
    const gopls = (await run('sh', ['-c', 'command -v gopls'], { env: { ...process.env, PATH: path } })).trim();
    symlinkSync(gopls, join(home, 'go/bin/gopls'));
    writeFileSync(join(home, '.profile'), 'export PATH="$HOME/go/bin:/usr/local/go/bin:$PATH"\n');
  }

  /**
   * lspshare builds the binary ($LSPSHARE_BIN instead, when set), for the
   * hub and the navigator; it is not on the PATH.
   */
  async lspshare(): Promise<string> {
    if (process.env.LSPSHARE_BIN) return process.env.LSPSHARE_BIN;
    const bin = join(this.tmp, 'build/lspshare');
    await run('go', ['build', '-o', bin, './cmd/lspshare'], { cwd: repo });
    return bin;
  }

  /**
   * checkout copies the fixture module to dir and commits it, identically
   * every time, so that two checkouts at different paths share one commit.
   */
  async checkout(dir: string): Promise<string> {
    cpSync(join(__dirname, '../../e2e/fixture'), dir, { recursive: true });
    const at = '2024-01-01T00:00:00Z';
    const env = {
      ...this.env,
      GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_AUTHOR_DATE: at,
      GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.com', GIT_COMMITTER_DATE: at,
    };
    for (const args of [['init', '-q', '-b', 'main'], ['add', '.'], ['commit', '-q', '-m', 'fixture']]) {
      await run('git', args, { cwd: dir, env });
    }
    return dir;
  }

  /** spawn starts a process that close stops; its output goes to NAME.log in the output folder. */
  spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    const p = new Proc(name, command, args, { env: { ...this.env, ...env }, log: this.log(name) });
    this.procs.push(p);
    return p;
  }

  /** log is the path of a fresh log file NAME.log in the output folder. */
  log(name: string): string {
    const path = join(outDir, `${this.name}-${name}.log`);
    rmSync(path, { force: true });
    return path;
  }

  /** onClose registers a cleanup that close runs first. */
  onClose(f: () => Promise<void>): void {
    this.cleanups.push(f);
  }

  /**
   * openVSCode installs the .vsix files into a fresh code-server, starts it
   * on folder with the given user settings, and opens it in Chromium.
   */
  async openVSCode(vsixes: string[], settings: Record<string, unknown>, folder: string, env: NodeJS.ProcessEnv = {}): Promise<Page> {
    const ext = this.extensionsDir;
    const data = join(this.tmp, 'vscode/data');
    mkdirSync(join(data, 'User'), { recursive: true });
    writeFileSync(
      join(data, 'User/settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'security.workspace.trust.enabled': false,
        'update.mode': 'none',
        'window.restoreWindows': 'none',
        ...settings,
      }),
    );
    const common = ['--extensions-dir', ext, '--user-data-dir', data];
    for (const vsix of vsixes) await run(codeServer, [...common, '--install-extension', vsix], { env: this.env });
    const cs = this.spawn('code-server', codeServer, [
      '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override', ...common, folder,
    ], env);
    const [, url] = await cs.match(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/, startupMs);

    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const page = await this.browser.newPage({ viewport: { width: 1400, height: 900 } });
    this.page = page;
    await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: startupMs });
    return page;
  }

  async screenshot(file: string): Promise<void> {
    if (!this.page) return;
    const path = join(outDir, `${this.name}-${file}`);
    try {
      await this.page.screenshot({ path });
      console.log(`screenshot: ${path}`);
    } catch (err) {
      console.log(`screenshot ${path} failed: ${String(err)}`);
    }
  }

  async close(): Promise<void> {
    for (const f of this.cleanups.reverse()) await f().catch((err) => console.log(`cleanup: ${String(err)}`));
    await this.browser?.close().catch(() => {});
    for (const p of this.procs.reverse()) await p.stop();
    rmSync(this.tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** withoutLspshare is the directories of path that hold no lspshare. */
function withoutLspshare(path: string | undefined): string[] {
  return (path ?? '').split(delimiter).filter((d) => d && !existsSync(join(d, 'lspshare')));
}

/** step runs one named step of a scenario and reports it. */
export async function step<T>(name: string, f: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    const v = await f();
    console.log(`ok   ${name} (${Date.now() - start} ms)`);
    return v;
  } catch (err) {
    console.log(`FAIL ${name} (${Date.now() - start} ms)`);
    throw err;
  }
}

/** statusText waits until a status bar item's text matches re. */
export function statusText(page: Page, re: RegExp, timeoutMs: number): Promise<string> {
  return waitFor(`status bar to match ${re}`, async () => {
    const texts = await page.locator('.statusbar-item').allInnerTexts();
    return texts.find((t) => re.test(t));
  }, timeoutMs);
}

/** palette runs a command by its title through the command palette. */
export async function palette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: stepMs });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: stepMs });
  await input.press('Enter');
}

/** openFile opens a file of the workspace through Quick Open. */
export async function openFile(page: Page, name: string): Promise<void> {
  await waitFor(`${name} to open`, async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 5000 });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 5000 });
    await input.press('Enter');
    return (await activeTab(page)) === name;
  }, startupMs);
}

export async function activeTab(page: Page): Promise<string | undefined> {
  const tab = page.locator('.tabs-container .tab.active .label-name');
  return (await tab.count()) > 0 ? (await tab.first().innerText()).trim() : undefined;
}

/** notification waits for a notification toast whose text matches re and returns it. */
export async function notification(page: Page, re: RegExp, timeoutMs: number) {
  const toast = page.locator('.notification-toast', { hasText: re }).first();
  await toast.waitFor({ timeout: timeoutMs });
  return toast;
}
