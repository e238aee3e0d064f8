import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentFilters, launch, settingsFrom } from '../src/launch';

test('settingsFrom defaults', () => {
  assert.deepEqual(settingsFrom(() => undefined), { path: 'lspshare', join: '', name: '', server: '', documentSelector: ['go'] });
  const s = settingsFrom((k) => ({ path: 7, documentSelector: ['go', 3, 'python'] } as Record<string, unknown>)[k]);
  assert.equal(s.path, 'lspshare');
  assert.deepEqual(s.documentSelector, ['go', 'python']);
});

test('launch passes the join link in the environment, never in the arguments', () => {
  const link = 'http://h:7777/s/demo?key=SECRET';
  const l = launch({ path: '/opt/lspshare', join: ` ${link} `, name: 'ada', server: 'pylsp', documentSelector: ['python'] }, { HOME: '/h' });
  assert.equal(l.command, '/opt/lspshare');
  assert.deepEqual(l.args, ['lsp']);
  assert.ok(!l.args.join(' ').includes('SECRET'));
  assert.deepEqual(l.env, { HOME: '/h', LSPSHARE_JOIN: link, LSPSHARE_NAME: 'ada', LSPSHARE_SERVER: 'pylsp' });
});

test('empty settings leave the environment alone', () => {
  const l = launch({ path: ' ', join: '', name: '', server: '', documentSelector: [] }, { LSPSHARE_JOIN: 'from-shell' });
  assert.equal(l.command, 'lspshare');
  assert.deepEqual(l.env, { LSPSHARE_JOIN: 'from-shell' });
});

test('documentFilters', () => {
  assert.deepEqual(documentFilters(['go', ' go ', '', 'python']), [
    { scheme: 'file', language: 'go' },
    { scheme: 'file', language: 'python' },
  ]);
});
