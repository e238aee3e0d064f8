import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { CursorMarks, Debouncer, EchoFilter, parseCursor } from '../src/cursor';

const r = (l: number, c: number, l2 = l, c2 = c) => ({ start: { line: l, character: c }, end: { line: l2, character: c2 } });

test('parseCursor', () => {
  assert.deepEqual(parseCursor({ uri: 'file:///a.go', range: r(1, 2, 1, 5), name: 'bob', wheel: true }), {
    uri: 'file:///a.go', range: r(1, 2, 1, 5), name: 'bob', wheel: true,
  });
  assert.deepEqual(parseCursor({ uri: 'file:///a.go', position: { line: 3, character: 4 }, name: 'bob' })?.range, r(3, 4));
  for (const bad of [null, 1, {}, { uri: 'file:///a.go', name: 'bob' }, { uri: 'file:///a.go', range: r(-1, 0), name: 'bob' },
    { uri: 'file:///a.go', range: r(1.5, 0), name: 'bob' }, { uri: 'file:///a.go', range: r(1, 0), name: '' }]) {
    assert.equal(parseCursor(bad), undefined, JSON.stringify(bad));
  }
});

test('CursorMarks keeps one mark per person and drops leavers', () => {
  const m = new CursorMarks();
  assert.equal(m.set({ uri: 'file:///a.go', range: r(1, 0), name: 'bob', wheel: true }), true);
  assert.equal(m.set({ uri: 'file:///a.go', range: r(1, 0), name: 'bob', wheel: true }), false);
  assert.equal(m.set({ uri: 'file:///b.go', range: r(2, 0), name: 'bob', wheel: true }), true);
  m.set({ uri: 'file:///b.go', range: r(3, 0), name: 'ann', wheel: false });
  assert.deepEqual(m.in('file:///a.go'), []);
  assert.deepEqual(m.in('file:///b.go').map((c) => c.name), ['ann', 'bob']);
  assert.equal(m.keepOnly(['bob', 'ann', 'me'], 'me'), false);
  assert.equal(m.keepOnly(['bob', 'me'], 'me'), true);
  assert.deepEqual([...m.uris()], ['file:///b.go']);
});

test('EchoFilter recognizes the follow jump\'s own selection', () => {
  const e = new EchoFilter();
  assert.equal(e.isEcho('file:///a.go', r(1, 0)), false);
  e.shownBy('file:///a.go', r(4, 5, 4, 10));
  assert.equal(e.isEcho('file:///a.go', r(4, 5, 4, 10)), true);
  assert.equal(e.isEcho('file:///a.go', r(4, 6)), false);
  assert.equal(e.isEcho('file:///b.go', r(4, 5, 4, 10)), false);
});

test('Debouncer sends only where the cursor settles', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const sent: number[] = [];
    const d = new Debouncer<number>(150, (v) => sent.push(v));
    d.push(1);
    mock.timers.tick(100);
    d.push(2);
    mock.timers.tick(100);
    assert.deepEqual(sent, []);
    mock.timers.tick(50);
    assert.deepEqual(sent, [2]);
    d.push(3);
    d.dispose();
    mock.timers.tick(1000);
    assert.deepEqual(sent, [2]);
  } finally {
    mock.timers.reset();
  }
});
