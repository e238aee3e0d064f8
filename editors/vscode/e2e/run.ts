// The extension's end-to-end test in a real VS Code (code-server, driven
// through Debian's Chromium with playwright-core):
//
//  1. solo: the extension starts `lspshare lsp` with the binary bundled in
//     the platform's .vsix (no lspshare.path setting, no lspshare on PATH);
//     the status bar says "Not connected";
//  2. an attendee joins a real hub through "lspshare: Join Session…";
//  3. a scripted navigator (its own `lspshare lsp` on gopls, at another path)
//     makes three jumps; after each, the attendee's active tab and selection
//     match the target, and the navigator's name decoration shows;
//  4. Unfollow (a click on the status bar) stops following: the navigator's
//     next jump moves the decoration, not the editor; "Jump to Navigator"
//     goes there once;
//  5. commands the proxy refuses show its message ("Take the Wheel" with an
//     attend link);
//  6. the conversation: the navigator's question shows as a comment thread
//     at its line, its Markdown inert; a reply typed in the thread reaches
//     the navigator; the Problems panel has gopls's diagnostic of the file
//     and not the note's copy; "Ask about this line" from the editor's
//     context menu reaches the navigator at the same line of its own copy,
//     and the thread's Resolve resolves it there; a question begun from
//     the gutter's + reaches it too; a note over 4 KiB shows the refusal;
//     leaving takes the threads away.
//
// Usage: node out/e2e/run.js LSPSHARE_VSIX, the .vsix scripts/dist.sh makes
// for this machine (lspshare-linux-x64.vsix); $LSPSHARE_BIN (or a fresh
// build) runs the hub and the navigator. Writes logs and screenshots to
// $LSPSHARE_E2E_OUT (default testdata-out/vscode-e2e in the repository).
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Locator, Page } from 'playwright-core';
import { Harness, notification, openFile, palette, scenario, startupMs, statusText, step, stepMs } from './harness';
import { Navigator, SeenNote, Target } from './navigator';
import { processesWithHome, run, waitFor } from './procs';

const navigatorName = 'potsbo';
const attendeeName = 'ada';

async function follow(h: Harness, vsix: string): Promise<void> {
  const lspshare = await step('build lspshare', () => h.lspshare());
  // The same module at two different paths, committed identically: the
  // attendee's checkout is not where the navigator's is.
  const navRoot = await h.checkout(join(h.tmp, 'navigator/src/reading'));
  const attRoot = await h.checkout(join(h.tmp, 'attendee/code/reading-copy'));

  const page = await step('code-server with the extension', async () => {
    const p = await h.openVSCode([vsix], { 'lspshare.name': attendeeName }, attRoot, {
      LSPSHARE_LOG: h.log('attendee-lsp'),
    });
    await openFile(p, 'main.go');
    return p;
  });
  await step('solo: status bar says Not connected', () => statusText(page, /Not connected/, startupMs));
  await step('the proxy is the bundled lspshare, with none on PATH', () => bundledProxy(h));

  const links = await step('hub and session', () => startHub(h, lspshare));
  const nav = await step('navigator joins and takes the wheel', async () => {
    const n = new Navigator(navRoot, lspshare, { ...h.env, LSPSHARE_JOIN: links.drive, LSPSHARE_NAME: navigatorName }, h.log('navigator-lsp'));
    h.onClose(() => n.close());
    await n.initialize(startupMs);
    // The proxy joins in the background; its role is known once it is connected.
    await waitFor('the navigator to be connected', async () => ((await n.command('lspshare.status')) as { connected?: boolean }).connected === true, stepMs);
    await n.command('lspshare.drive');
    return n;
  });
  await step('attendee joins through the command palette', async () => {
    await palette(page, 'lspshare: Join Session');
    const input = page.locator('.quick-input-widget input');
    await input.fill(links.attend);
    await input.press('Enter');
    await statusText(page, new RegExp(`Following ${navigatorName}`), stepMs);
  });

  await step('the participants view lists the navigator and you', async () => {
    const header = page.locator('.pane-header', { hasText: 'lspshare Session' });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const rows = page.locator('.pane-body .monaco-list-row');
    await rows.filter({ hasText: `${navigatorName}navigating` }).waitFor({ timeout: stepMs });
    await rows.filter({ hasText: `${attendeeName}you · attends · following` }).waitFor({ timeout: stepMs });
  });

  const jumps: [string, string][] = [
    ['store.Open', 'Open'],
    ['s.Put', 'Put'],
    ['greet.Hello', 'Hello'],
  ];
  let last: Target | undefined;
  for (const [i, [after, name]] of jumps.entries()) {
    last = await step(`jump ${i + 1}: ${after}`, async () => {
      const to = await nav.jump('main.go', after, name, startupMs);
      await followed(page, to);
      await decoration(page, navigatorName, name, stepMs);
      return to;
    });
  }

  await step('unfollow by clicking the status bar', async () => {
    await page.locator('.statusbar-item', { hasText: `Following ${navigatorName}` }).click();
    await statusText(page, /Not following/, stepMs);
  });
  const bye = await step('an unfollowed jump moves the decoration, not the editor', async () => {
    const to = await nav.jump('main.go', 'greet.Bye', 'Bye', stepMs);
    await decoration(page, navigatorName, 'Bye', stepMs);
    await followed(page, last!);
    return to;
  });
  await step('Jump to Navigator goes there once', async () => {
    await palette(page, 'lspshare: Jump to Navigator');
    await followed(page, bye);
    await statusText(page, /Not following/, stepMs);
  });
  await h.screenshot('final.png');
  await step('Take the Wheel with an attend link shows the proxy\'s refusal', async () => {
    await palette(page, 'lspshare: Take the Wheel');
    await notification(page, /lspshare: .*drive link/, stepMs);
  });
  await conversation(page, nav);
  await h.screenshot('notes.png');
}

/** The lines of main.go the notes are about, as the fixture has them. */
const putLine = 's.Put("go", "The Go Programming Language")';
const helloLine = 'fmt.Println(greet.Hello(s.Name()))';
const byeLine = 'fmt.Println(greet.Bye(s.Name()))';

async function conversation(page: Page, nav: Navigator): Promise<void> {
  const asked = 'why does `Put` take a *name*? [x](command:lspshare.leaveSession) <img src=x onerror=alert(1)>';
  const id = await step('the navigator asks about a line of main.go', () => nav.note('main.go', putLine, asked, true));
  const thread = await step('the question shows as a thread at that line, its Markdown inert', async () => {
    await openFile(page, 'main.go');
    const t = commentThread(page, 'why does');
    await t.waitFor({ timeout: stepMs });
    await threadBelow(page, t, putLine);
    await inert(t);
    // VS Code opens the Comments panel with the first thread; the editor needs the room.
    await palette(page, 'View: Hide Panel');
    return t;
  });
  const answer = 'it keys the value';
  await step('a reply typed in the thread reaches the navigator', async () => {
    await replyInThread(page, thread, answer);
    await nav.waitNote(`note ${id} with ${attendeeName}'s reply`, (n) => n.id === id && hasReply(n, attendeeName, answer), stepMs);
    await thread.locator('.comment-body', { hasText: answer }).waitFor({ timeout: stepMs });
    const threads = await page.locator('.review-widget', { hasText: 'why does' }).count();
    if (threads !== 1) throw new Error(`the question shows in ${threads} threads after the reply, not in one, updated`);
  });
  await step("Problems has gopls's diagnostic of main.go, not the note's copy", () => problems(page));
  const mine = 'what does `Hello` return?';
  const own = await step('Ask about this line (context menu) reaches the navigator at its line', async () => {
    await palette(page, 'View: Hide Panel');
    const line = page.locator('.view-line', { hasText: helloLine });
    await line.click();
    await line.click({ button: 'right' });
    // A menu ignores a click that comes right as it opens: click until the question's input box asks.
    const item = page.locator('.monaco-menu .action-item', { hasText: 'Ask about this line' });
    const title = page.locator('.quick-input-widget .quick-input-title', { hasText: `Ask about line ${nav.lineOf('main.go', helloLine) + 1}` });
    await waitFor('the input box of Ask about this line', async () => {
      if (await item.isVisible()) await item.click();
      return title.isVisible();
    }, stepMs);
    const input = page.locator('.quick-input-widget input');
    await input.fill(mine);
    await input.press('Enter');
    const n = await nav.waitNote(`${attendeeName}'s question`, (n) => n.by === attendeeName && n.text === mine, stepMs);
    const want = nav.lineOf('main.go', helloLine);
    if (!n.question || n.uri !== nav.uriOf('main.go') || n.range?.start.line !== want) {
      throw new Error(`the question arrived as ${JSON.stringify(n)}, not as a question at ${nav.uriOf('main.go')} line ${want}`);
    }
    const t = commentThread(page, 'what does');
    await t.waitFor({ timeout: stepMs });
    await threadBelow(page, t, helloLine);
    return { id: n.id, thread: t };
  });
  await step("the thread's Resolve resolves the question for the navigator", async () => {
    await own.thread.hover();
    await own.thread.getByRole('button', { name: 'Resolve' }).click();
    await nav.waitNote(`question ${own.id} resolved`, (n) => n.id === own.id && n.resolved === true, stepMs);
    // VS Code collapses a thread once it is Resolved (comments.collapseOnResolve); open it again to read its title.
    await own.thread.waitFor({ state: 'hidden', timeout: stepMs });
    await (await glyphOn(page, helloLine, '.comment-range-glyph')).click();
    await own.thread.locator('.review-title', { hasText: /^Question \d+ · resolved$/ }).waitFor({ timeout: stepMs });
  });
  await step("the gutter's + starts a question that reaches the navigator at its line", async () => {
    const text = 'and why two greetings?';
    // Opening the resolved thread scrolled the editor: bring the line back into view first.
    await page.keyboard.press('Control+G');
    const go = page.locator('.quick-input-widget input');
    await go.fill(`:${nav.lineOf('main.go', byeLine) + 1}`);
    await go.press('Enter');
    await page.locator('.view-line', { hasText: byeLine }).hover();
    // The hovered line's margin shows the + (VS Code marks it line-hover).
    await (await glyphOn(page, byeLine, '.comment-range-glyph.line-hover')).click();
    // The new thread has no comment yet; type only once its box has the focus.
    const draft = page.locator('.review-widget').filter({ hasNot: page.locator('.review-comment') });
    await draft.locator('.comment-form textarea').focus();
    await page.keyboard.type(text);
    await draft.locator('.comment-form-container .monaco-button', { hasText: /^Ask$/ }).click();
    const n = await nav.waitNote(`${attendeeName}'s question from the gutter`, (n) => n.by === attendeeName && n.text === text, stepMs);
    const want = nav.lineOf('main.go', byeLine);
    if (!n.question || n.range?.start.line !== want) throw new Error(`the question arrived as ${JSON.stringify(n)}, not as a question at line ${want}`);
    await page.locator('.review-widget .comment-body', { hasText: text }).waitFor({ timeout: stepMs });
  });
  await step('a note over 4 KiB shows the refusal as a message', async () => {
    await palette(page, 'lspshare: Note on this line');
    const input = page.locator('.quick-input-widget input');
    await input.fill('x'.repeat(5000));
    await input.press('Enter');
    await notification(page, /lspshare: the text is 5000 bytes; a note or reply may have at most 4096/, stepMs);
  });
  await step('leaving the session takes the threads away', async () => {
    await palette(page, 'lspshare: Leave Session');
    await statusText(page, /Not connected/, stepMs);
    await waitFor('no comment thread or thread glyph left', async () =>
      (await page.locator('.review-widget, .comment-range-glyph.comment-thread, .comment-range-glyph.comment-thread-unresolved').count()) === 0,
    stepMs);
  });
}

/** commentThread is the comment thread widget showing text. */
function commentThread(page: Page, text: string): Locator {
  return page.locator('.review-widget', { hasText: text }).first();
}

/** glyphOn is the margin's element matching selector (a comment glyph) on the line holding lineText. */
async function glyphOn(page: Page, lineText: string, selector: string): Promise<Locator> {
  const line = await page.locator('.view-line', { hasText: lineText }).first().boundingBox();
  if (!line) throw new Error(`the line of ${lineText} is not shown`);
  const glyphs = page.locator(selector);
  for (let i = 0; i < (await glyphs.count()); i++) {
    const box = await glyphs.nth(i).boundingBox();
    if (box && Math.abs(box.y + box.height / 2 - (line.y + line.height / 2)) < line.height / 2) return glyphs.nth(i);
  }
  throw new Error(`no ${selector} on the line of ${lineText}`);
}

/**
 * threadBelow waits until thread sits right below the editor line holding
 * lineText, as VS Code shows a thread of that line once it has laid it out.
 */
async function threadBelow(page: Page, thread: Locator, lineText: string): Promise<void> {
  await waitFor(`the thread right below the line of ${lineText}`, async () => {
    const line = await page.locator('.view-line', { hasText: lineText }).first().boundingBox();
    const box = await thread.boundingBox();
    if (!line || !box) return false;
    const gap = box.y - (line.y + line.height);
    if (gap < -2 || gap > line.height) throw new Error(`the thread is ${gap} px below the line`);
    return true;
  }, stepMs);
}

/** inert checks that a thread shows the question's link and HTML as text, with its code span as code. */
async function inert(thread: Locator): Promise<void> {
  const body = thread.locator('.comment-body').first();
  const text = await body.innerText();
  for (const literal of ['[x](command:lspshare.leaveSession)', '<img src=x onerror=alert(1)>']) {
    if (!text.includes(literal)) throw new Error(`the thread does not show ${literal} as text: ${JSON.stringify(text)}`);
  }
  const active = await body.locator('a, img, [onerror]').count();
  if (active > 0) throw new Error(`the thread's body has ${active} links or images: ${await body.innerHTML()}`);
  if ((await body.locator('code', { hasText: 'Put' }).count()) !== 1) throw new Error(`no code span in ${await body.innerHTML()}`);
}

/** replyInThread types text into thread's reply box and presses its Reply button. */
async function replyInThread(page: Page, thread: Locator, text: string): Promise<void> {
  const prompt = thread.locator('.review-thread-reply-button');
  if (await prompt.isVisible()) await prompt.click();
  await thread.locator('.comment-form textarea').focus();
  await page.keyboard.type(text);
  await thread.locator('.comment-form-container .monaco-button', { hasText: /^Reply$/ }).click();
}

function hasReply(n: SeenNote, by: string, text: string): boolean {
  return (n.replies ?? []).some((r) => r.by === by && r.text === text);
}

/**
 * problems opens the Problems panel and waits for gopls's Printf
 * diagnostic of main.go; by then the proxy has published that file with
 * the note too (it republishes on every change of the note), so the note's
 * copy would be there if the extension did not drop it.
 */
async function problems(page: Page): Promise<void> {
  await page.locator('[id="status.problems"]').click();
  const rows = page.locator('.markers-panel .monaco-list-row');
  await rows.filter({ hasText: /format %d has arg s\.Name\(\) of wrong type string/ }).first().waitFor({ timeout: stepMs });
  const texts = await rows.allInnerTexts();
  const notes = texts.filter((t) => t.includes(`${navigatorName}:`) || t.includes('why does'));
  if (notes.length > 0) throw new Error(`Problems shows the note: ${JSON.stringify(notes)}`);
  const count = (await rows.filter({ hasText: 'main.go' }).locator('.monaco-count-badge').first().innerText()).trim();
  if (count !== '1') throw new Error(`Problems counts ${count} diagnostics in main.go, not gopls's 1`);
}

/**
 * bundledProxy checks that the one `lspshare lsp` of the test (the hub and
 * the navigator do not run yet) runs the binary inside the installed
 * extension, which kept its execute bits, and that its PATH has no
 * lspshare to offer instead.
 */
async function bundledProxy(h: Harness): Promise<void> {
  const installed = readdirSync(h.extensionsDir).filter((d) => d.startsWith('lspshare.lspshare-'));
  if (installed.length !== 1) throw new Error(`installed lspshare extensions: ${installed.join(', ') || 'none'}`);
  const bundled = realpathSync(join(h.extensionsDir, installed[0], 'bin/lspshare'));
  if ((statSync(bundled).mode & 0o111) !== 0o111) throw new Error(`${bundled} lost its execute bits: ${statSync(bundled).mode.toString(8)}`);
  const proxies = processesWithHome(h.env.HOME!).filter((p) => p.argv[1] === 'lsp');
  if (proxies.length !== 1) throw new Error(`want one lspshare lsp, found ${JSON.stringify(proxies.map((p) => p.argv))}`);
  const [proxy] = proxies;
  if (proxy.exe !== bundled) throw new Error(`the proxy runs ${proxy.exe}, not the bundled ${bundled}`);
  const onPath = (proxy.env.get('PATH') ?? '').split(delimiter).filter((d) => d && existsSync(join(d, 'lspshare')));
  if (onPath.length > 0) throw new Error(`the proxy's PATH has lspshare in ${onPath.join(', ')}`);
  console.log(`     ${bundled}`);
}

/**
 * startHub runs `lspshare hub` on a free loopback port and makes a session
 * with `lspshare new --json`, retried until the hub answers.
 */
async function startHub(h: Harness, lspshare: string): Promise<{ drive: string; attend: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const hub = h.spawn('hub', lspshare, ['hub', '--addr', `127.0.0.1:${port}`, '--data', join(h.tmp, 'hub')]);
  const out = await waitFor('the hub to make a session', () => {
    hub.mustRun();
    return run(lspshare, ['new', '--hub', base, '--json', 'e2e'], { env: h.env });
  }, stepMs);
  const links = JSON.parse(out) as { drive?: string; attend?: string };
  if (!links.drive || !links.attend) throw new Error(`lspshare new: no links in ${out}`);
  return { drive: links.drive, attend: links.attend };
}

/** freePort is a loopback port nobody listens on at the moment. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * followed waits until the active tab is the target's file and the
 * selection status is the target's range: VS Code shows where the cursor
 * is (the range's end) and how much is selected, "Ln 11, Col 10 (4 selected)".
 */
async function followed(page: Page, to: Target): Promise<void> {
  const file = to.path.split('/').pop()!;
  const { start, end } = to.range;
  let want = `Ln ${end.line + 1}, Col ${end.character + 1}`;
  if (start.line === end.line && end.character > start.character) want += ` (${end.character - start.character} selected)`;
  await waitFor(`the editor on ${file} at "${want}"`, async () => {
    const tab = page.locator('.tabs-container .tab.active .label-name');
    const sel = page.locator('[id="status.editor.selection"]');
    if ((await tab.count()) === 0 || (await tab.first().innerText()).trim() !== file || (await sel.count()) === 0) return false;
    return (await sel.innerText()).trim() === want;
  }, stepMs);
}

/**
 * decoration waits until the visible editor shows name's cursor decoration
 * (text after the range, from a CSS ::after) on a line containing lineText.
 */
function decoration(page: Page, name: string, lineText: string, timeoutMs: number): Promise<string> {
  return waitFor(`${name}'s decoration on the line of ${lineText}`, () =>
    page.evaluate(
      ([name, lineText]) => {
        for (const el of Array.from(document.querySelectorAll('.editor-instance .view-line span'))) {
          if (getComputedStyle(el, '::after').content.includes(name)) {
            const line = el.closest('.view-line')?.textContent ?? '';
            if (line.includes(lineText)) return line;
          }
        }
        return undefined;
      },
      [name, lineText],
    ),
  timeoutMs);
}

const vsix = process.argv[2];
if (!vsix || !existsSync(vsix)) {
  console.error(`usage: run.js LSPSHARE_VSIX (got ${vsix ?? 'nothing'})`);
  process.exit(2);
}
scenario('follow', (h) => follow(h, vsix)).catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
