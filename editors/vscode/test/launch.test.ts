import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { bundledBinary, chooseBinary, documentFilters, launch, settingsFrom } from '../src/launch';

test('settingsFrom defaults', () => {
  assert.deepEqual(settingsFrom(() => undefined), { path: '', join: '', name: '', server: '', documentSelector: ['go'] });
  const s = settingsFrom((k) => ({ path: 7, documentSelector: ['go', 3, 'python'] } as Record<string, unknown>)[k]);
  assert.equal(s.path, '');
  assert.deepEqual(s.documentSelector, ['go', 'python']);
});

test('launch passes the join link in the environment, never in the arguments', () => {
  const link = 'http://h:7777/s/demo?key=SECRET';
  const l = launch('/opt/lspshare', { path: '', join: ` ${link} `, name: 'ada', server: 'pylsp', documentSelector: ['python'] }, { HOME: '/h' });
  assert.equal(l.command, '/opt/lspshare');
  assert.deepEqual(l.args, ['lsp']);
  assert.ok(!l.args.join(' ').includes('SECRET'));
  assert.deepEqual(l.env, { HOME: '/h', LSPSHARE_JOIN: link, LSPSHARE_NAME: 'ada', LSPSHARE_SERVER: 'pylsp' });
});

test('empty settings leave the environment alone', () => {
  const l = launch('lspshare', { path: '', join: '', name: '', server: '', documentSelector: [] }, { LSPSHARE_JOIN: 'from-shell' });
  assert.deepEqual(l.env, { LSPSHARE_JOIN: 'from-shell' });
});

test('documentFilters', () => {
  assert.deepEqual(documentFilters(['go', ' go ', '', 'python']), [
    { scheme: 'file', language: 'go' },
    { scheme: 'file', language: 'python' },
  ]);
});

/** A folder of real files for chooseBinary: FILE is an executable, FILE:644 is not. */
function tree(files: string[]): { root: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'lspshare-launch-'));
  for (const f of files) {
    const [name, mode] = f.split(':');
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), '#!/bin/sh\n');
    chmodSync(join(root, name), mode ? parseInt(mode, 8) : 0o755);
  }
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('chooseBinary: the setting, else lspshare on PATH, else the bundled binary', (t) => {
  const { root, done } = tree(['ext/bin/lspshare', 'a/gopls', 'b/lspshare', 'c/lspshare', 'd/lspshare:644', 'e/lspshare/x']);
  t.after(done);
  const bundled = bundledBinary(join(root, 'ext'), 'linux');
  assert.equal(bundled, join(root, 'ext/bin/lspshare'));
  const path = (...dirs: string[]) => dirs.map((d) => join(root, d)).join(delimiter);
  const linux = (p: string | undefined) => ({ path: p, bundled, platform: 'linux' as const });

  assert.deepEqual(chooseBinary(' /opt/lspshare ', linux(path('b'))), { command: '/opt/lspshare', from: 'setting' });
  assert.deepEqual(chooseBinary('lspshare', linux(undefined)), { command: 'lspshare', from: 'setting' });
  assert.deepEqual(chooseBinary('', linux(path('a', 'b', 'c'))), { command: join(root, 'b/lspshare'), from: 'PATH' });
  // Not executable, a directory, a relative entry, an empty entry: skipped.
  const skipped = [path('a', 'd', 'e'), 'b', '', `${delimiter}${delimiter}`];
  for (const p of skipped) assert.deepEqual(chooseBinary('', linux(p)), { command: bundled, from: 'bundled' }, `PATH ${p}`);
  assert.deepEqual(chooseBinary('', linux(undefined)), { command: bundled, from: 'bundled' });
  assert.deepEqual(chooseBinary('', linux(`${path('d')}${delimiter}${path('c')}`)), { command: join(root, 'c/lspshare'), from: 'PATH' });
});

test('chooseBinary: nothing at all', (t) => {
  const { root, done } = tree(['ext/bin/lspshare:644', 'a/gopls']);
  t.after(done);
  assert.equal(chooseBinary('', { path: join(root, 'a'), bundled: bundledBinary(join(root, 'ext'), 'linux'), platform: 'linux' }), undefined);
  assert.equal(chooseBinary('', { path: join(root, 'a'), bundled: bundledBinary(join(root, 'none'), 'linux'), platform: 'linux' }), undefined);
});

test('chooseBinary on Windows: lspshare.exe, no execute bit needed', (t) => {
  const { root, done } = tree(['ext/bin/lspshare.exe:644', 'a/lspshare', 'b/lspshare.exe:644']);
  t.after(done);
  const bundled = bundledBinary(join(root, 'ext'), 'win32');
  assert.equal(bundled, join(root, 'ext/bin/lspshare.exe'));
  const win = (p: string) => ({ path: p, bundled, platform: 'win32' as const });
  assert.deepEqual(chooseBinary('', win(join(root, 'a'))), { command: bundled, from: 'bundled' });
  assert.deepEqual(chooseBinary('', win([join(root, 'a'), join(root, 'b')].join(delimiter))), { command: join(root, 'b/lspshare.exe'), from: 'PATH' });
});
