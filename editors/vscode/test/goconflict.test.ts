import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectGoConflict, goConflictFix, isLspshare } from '../src/goconflict';

const withGo = { installed: true, servesGo: true, useLanguageServer: undefined, alternateGopls: undefined };

test('no conflict without the Go extension, or when it has no language server', () => {
  assert.equal(detectGoConflict({ ...withGo, installed: false }).kind, 'none');
  assert.equal(detectGoConflict({ ...withGo, servesGo: false }).kind, 'none');
  assert.equal(detectGoConflict({ ...withGo, useLanguageServer: false }).kind, 'none');
});

test('the Go extension with its default settings runs a second gopls', () => {
  assert.equal(detectGoConflict(withGo).kind, 'twoServers');
  assert.equal(detectGoConflict({ ...withGo, useLanguageServer: true }).kind, 'twoServers');
  assert.equal(detectGoConflict({ ...withGo, alternateGopls: '/usr/local/bin/gopls' }).kind, 'twoServers');
  // A mistyped setting is not "false": the Go extension treats it as on.
  assert.equal(detectGoConflict({ ...withGo, useLanguageServer: 'false' }).kind, 'twoServers');
});

test('the Go extension already pointed at lspshare', () => {
  for (const p of ['lspshare', '/home/a/go/bin/lspshare', 'C:\\tools\\lspshare.exe']) {
    assert.equal(detectGoConflict({ ...withGo, alternateGopls: p }).kind, 'goRunsLspshare', p);
  }
  assert.equal(isLspshare('/bin/lspshare-old'), false);
  assert.equal(isLspshare(undefined), false);
});

test('the fix turns the Go extension\'s language server off, and that is no conflict', () => {
  const fix = goConflictFix();
  assert.deepEqual(fix, [{ section: 'go', key: 'useLanguageServer', value: false }]);
  const settings: Record<string, unknown> = {};
  for (const e of fix) settings[`${e.section}.${e.key}`] = e.value;
  assert.equal(detectGoConflict({ ...withGo, useLanguageServer: settings['go.useLanguageServer'] }).kind, 'none');
});
