import { test } from 'node:test';
import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { noteMarkdown, noteRange, parseNotes, threadSpecs, withoutNotes } from '../src/notes';

const r = (l: number, c: number, l2 = l, c2 = c) => ({ start: { line: l, character: c }, end: { line: l2, character: c2 } });

const params = {
  notes: [
    { id: 1, by: 'ann', at: '2026-12-01T20:41:00Z', text: 'why is this locked?', question: true, uri: 'file:///w/a.go', range: r(4, 0, 4, 12),
      replies: [{ by: 'bob', at: '2026-12-01T20:42:00Z', text: 'see `mu`' }] },
    { id: 2, by: 'bob', at: '2026-12-01T20:43:00Z', text: 'nice trick', uri: 'file:///w/b.go', range: r(9, 2, 10, 0) },
    { id: 3, by: 'carol', at: 'yesterday', text: 'vendored elsewhere', question: true, resolved: true },
    { id: 4, by: 'ann', at: '', text: 'answered', question: true, resolved: true, uri: 'file:///w/a.go', range: r(7, 0) },
  ],
};

test('parseNotes keeps the protocol fields and skips junk', () => {
  const notes = parseNotes({ notes: [...params.notes, 'junk', { id: 'x' }, { id: 0 }, { id: 5, uri: 'file:///w/c.go' }, null] });
  assert.deepEqual(notes.map((n) => n.id), [1, 2, 3, 4, 5]);
  assert.deepEqual(notes[0].replies, [{ by: 'bob', at: '2026-12-01T20:42:00Z', text: 'see `mu`' }]);
  assert.equal(notes[2].uri, undefined, 'a note without a place has none');
  assert.equal(notes[4].uri, undefined, 'a uri without a range is no place');
  for (const raw of [undefined, null, {}, { notes: 'x' }, []]) assert.deepEqual(parseNotes(raw), []);
});

test('threadSpecs: a thread per note with a place, its replies as comments', () => {
  const specs = threadSpecs(parseNotes(params), { you: 'ann', holdsWheel: false });
  assert.deepEqual(specs.map((s) => s.id), [1, 2, 4], 'note 3 is not on this machine');
  const [q, n, resolved] = specs;
  assert.equal(q.uri, 'file:///w/a.go');
  assert.deepEqual(q.range, r(4, 0, 4, 12));
  assert.equal(q.label, 'Question 1');
  assert.equal(q.state, 'unresolved');
  assert.equal(q.contextValue, 'lspshare.question.open.resolvable', 'ann asked it');
  assert.deepEqual(q.comments, [
    { author: 'ann', body: 'why is this locked?', at: new Date('2026-12-01T20:41:00Z'), label: 'asks' },
    { author: 'bob', body: 'see `mu`', at: new Date('2026-12-01T20:42:00Z') },
  ]);
  assert.equal(n.label, 'Note 2');
  assert.equal(n.state, undefined, 'notes have no state');
  assert.equal(n.contextValue, 'lspshare.note');
  assert.equal(n.comments.length, 1);
  assert.equal(resolved.label, 'Question 4 · resolved');
  assert.equal(resolved.state, 'resolved');
  assert.equal(resolved.contextValue, 'lspshare.question.resolved');
  assert.equal(resolved.comments[0].at, undefined, 'no time, no timestamp');
});

test('threadSpecs: only the author and the navigator may resolve', () => {
  const cv = (you: string, holdsWheel: boolean) => threadSpecs(parseNotes(params), { you, holdsWheel })[0].contextValue;
  assert.equal(cv('carol', false), 'lspshare.question.open');
  assert.equal(cv('carol', true), 'lspshare.question.open.resolvable');
  assert.equal(cv('ann', false), 'lspshare.question.open.resolvable');
});

test('threadSpecs of an empty list is no thread', () => {
  assert.deepEqual(threadSpecs([], { you: 'ann', holdsWheel: true }), []);
});

// markdown-it with HTML on is more permissive than VS Code's untrusted
// MarkdownString: what is inert here is inert there.
const md = new MarkdownIt({ html: true, linkify: true });

test('noteMarkdown: links, images, autolinks and HTML render as text', () => {
  const attacks = [
    '[x](command:workbench.action.terminal.new)',
    '<img src=x onerror="alert(1)">',
    '![i](https://tracker.example/p.png)',
    '<command:workbench.action.terminal.new>',
    '[x]\n\n[x]: command:workbench.action.terminal.new',
    '\\[x](command:a)',
    '`a\n[x](command:a) `',
    '```\nA\n````\n[x](command:b) ```',
    '| a | b |\n|---|---|\n| `c | [x](command:d) |` |',
    '<a href="`">[x](command:e)</a>`',
    '<script>alert(1)</script>',
  ];
  for (const text of attacks) {
    const html = md.render(noteMarkdown(text));
    // A bare web address may turn into a link (VS Code asks before opening it); nothing else may.
    assert.doesNotMatch(html, /<(img|script)\b|<a (?!href="https:)/i, `${JSON.stringify(text)} -> ${html}`);
  }
  // Without the escaping the renderer makes the link and the image: the test can fail.
  assert.match(md.render(attacks[0]), /<a href="command:/);
  assert.match(md.render(attacks[1]), /<img /);
});

test('noteMarkdown: the text reads as written', () => {
  const text = 'why [x](command:y) and <img onerror=z> \\o/';
  assert.equal(md.render(noteMarkdown(text)).trim(), '<p>why [x](command:y) and &lt;img onerror=z&gt; \\o/</p>');
});

test('noteMarkdown keeps emphasis and code spans', () => {
  assert.equal(md.render(noteMarkdown('why is `m[k]` *nil* here?')).trim(), '<p>why is <code>m[k]</code> <em>nil</em> here?</p>');
  assert.equal(md.render(noteMarkdown('``a ` b``')).trim(), '<p><code>a ` b</code></p>');
  assert.equal(md.render(noteMarkdown('- one\n- two')).trim(), '<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
});

test('withoutNotes drops the notes and keeps the rest as it is', () => {
  const gopls = { source: 'compiler', message: 'undefined: x', data: { note: 1 } };
  const vet = { source: 'printf', message: 'bad verb' };
  const note = { source: 'lspshare', message: 'ann: why?', data: { note: 1 } };
  const lookalike = { source: 'lspshare', message: 'not a note' };
  const kept = [gopls, vet, lookalike];
  assert.equal(withoutNotes(kept), kept, 'nothing to drop: the same array');
  const out = withoutNotes([gopls, note, vet, { ...note, data: { note: 2 } }, lookalike]);
  assert.deepEqual(out, kept);
  assert.equal(out[0], gopls, 'the very same objects');
  assert.deepEqual(withoutNotes([note]), []);
});

test('noteRange: the selection, or the whole line at the cursor', () => {
  assert.deepEqual(noteRange(r(3, 4, 5, 1), 20), r(3, 4, 5, 1));
  assert.deepEqual(noteRange(r(3, 4, 3, 9), 20), r(3, 4, 3, 9));
  assert.deepEqual(noteRange(r(3, 4), 20), r(3, 0, 3, 20));
});
