import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJoinLink, describeState, followCommand, holdsWheel, menuItems, others, parseState, participantDescription, solo, statusView } from '../src/state';

const attendee = parseState({
  session: 'demo', hub: 'http://127.0.0.1:7777', connected: true, you: 'alice', role: 'attend',
  following: true, paused: false, wheel: 'potsbo', followers: 2, answers: 'local',
  participants: [
    { name: 'alice', role: 'attend', wheel: false, following: true, connected: true },
    { name: 'potsbo', role: 'drive', wheel: true, following: false, connected: true },
    { name: 'carol', role: 'attend', wheel: false, following: false, connected: false },
  ],
  error: '',
});

test('parseState fills defaults for junk', () => {
  for (const raw of [undefined, null, 42, 'x', [], { session: 7, participants: 'no', followers: 'many' }]) {
    const s = parseState(raw);
    assert.equal(s.session, '');
    assert.deepEqual(s.participants, []);
    assert.equal(s.followers, 0);
    assert.equal(s.answers, 'local');
  }
  assert.deepEqual(parseState({ session: '' }), solo);
});

test('parseState keeps the protocol example', () => {
  const s = parseState({ ...attendee, mismatch: { yours: '3f2a', wheel: '9c1b' }, participants: [{ name: 'bob', wheel: true, hand: '2026-12-01T20:41:00Z' }, 'junk'] });
  assert.equal(s.wheel, 'potsbo');
  assert.deepEqual(s.mismatch, { yours: '3f2a', wheel: '9c1b' });
  assert.deepEqual(s.participants, [{ name: 'bob', role: '', wheel: true, following: false, connected: false, hand: '2026-12-01T20:41:00Z' }]);
});

test('status bar texts', () => {
  const cases: [string, unknown, string, string][] = [
    ['solo', {}, 'Not connected', 'join'],
    ['hub down', { session: 'demo', connected: false, error: 'hub unreachable' }, 'Not connected', 'showStatus'],
    ['following', attendee, 'Following potsbo', 'toggleFollow'],
    ['paused', { ...attendee, following: false, paused: true }, 'Paused — click to follow', 'toggleFollow'],
    ['unfollowed', { ...attendee, following: false }, 'Not following — click to follow', 'toggleFollow'],
    ['driving', { ...attendee, you: 'potsbo', role: 'drive', following: false, followers: 5 }, 'Driving · 5 following', 'menu'],
    ['driving, hands up', { ...attendee, you: 'potsbo', role: 'drive', following: false, followers: 5, hands: 2 }, 'Driving · 5 following · ✋ 2', 'menu'],
  ];
  for (const [name, raw, text, action] of cases) {
    const v = statusView(parseState(raw));
    assert.equal(v.text, text, name);
    assert.equal(v.action, action, name);
  }
  assert.match(statusView(parseState({ session: 'demo', error: 'wrong key' })).tooltip, /wrong key/);
  // Before the first connection the proxy is connecting, not reconnecting.
  assert.match(statusView(parseState({ session: 'demo' })).tooltip, /: connecting to session demo/);
  assert.match(statusView(parseState({ session: 'demo', reconnecting: true })).tooltip, /: reconnecting to session demo/);
  assert.equal(statusView(parseState({ ...attendee, mismatch: { yours: 'a', wheel: 'b' } })).warning, true);
});

test('follow toggles', () => {
  assert.equal(followCommand(attendee), 'lspshare.unfollow');
  assert.equal(followCommand({ ...attendee, following: false }), 'lspshare.follow');
  assert.equal(holdsWheel(attendee), false);
  assert.equal(holdsWheel({ ...attendee, you: 'potsbo' }), true);
  assert.equal(holdsWheel({ ...attendee, you: 'potsbo', connected: false }), false);
});

test('participants', () => {
  assert.deepEqual(others(attendee).map((p) => p.name), ['potsbo', 'carol']);
  const [me, potsbo, carol] = attendee.participants;
  assert.equal(participantDescription(me, 'alice'), 'you · attends · following');
  assert.equal(participantDescription(potsbo, 'alice'), 'navigating');
  assert.equal(participantDescription(carol, 'alice'), 'attends · not following · offline');
  assert.equal(participantDescription({ ...carol, hand: '2026-12-01T20:41:00Z' }, 'alice'), 'attends · not following · ✋ hand up · offline');
});

test('describeState', () => {
  assert.match(describeState(solo), /Not in a session/);
  const d = describeState({ ...attendee, mismatch: { yours: '3f2a3f2a3f2a', wheel: '9c1b' } });
  assert.match(d, /Session demo on http:\/\/127\.0\.0\.1:7777: connected/);
  assert.match(d, /potsbo holds the wheel; 2 following/);
  assert.match(d, /You follow/);
  assert.match(d, /3f2a3f2a3f differs from the navigator's 9c1b/);
});

test('checkJoinLink', () => {
  assert.equal(checkJoinLink('http://127.0.0.1:7777/s/demo?key=abc'), undefined);
  assert.equal(checkJoinLink('  https://hub.example/s/x/?key=k  '), undefined);
  for (const bad of ['', 'demo', 'ftp://h/s/x?key=k', 'http://h/x?key=k', 'http://h/s/x', 'http://h/s/x?key=', 'http://h/s/a/b?key=k']) {
    assert.notEqual(checkJoinLink(bad), undefined, bad);
  }
});

test('menuItems: summon and the raised hands for the navigator only', () => {
  const hands = attendee.participants.map((p) => (p.name === 'carol' || p.name === 'alice' ? { ...p, hand: '2026-12-01T20:41:00Z' } : p));
  const navigator = parseState({ ...attendee, you: 'potsbo', role: 'drive', following: false, participants: hands });
  const commands = (s: typeof solo) => menuItems(s).map((i) => [i.command, ...i.args].join(' '));
  assert.deepEqual(commands(navigator), [
    'lspshare.summonEveryone',
    'lspshare.toggleHand alice',
    'lspshare.toggleHand carol',
    'lspshare.toggleHand',
    'lspshare.passWheel',
    'lspshare.showStatus',
    'lspshare.leaveSession',
  ]);
  assert.equal(menuItems(navigator)[3].label, '✋ Raise your hand', "the navigator's own hand is down");
  const alice = parseState({ ...attendee, participants: hands });
  assert.deepEqual(commands(alice), [
    'lspshare.toggleFollow',
    'lspshare.jumpToNavigator',
    'lspshare.toggleHand',
    'lspshare.showStatus',
    'lspshare.leaveSession',
  ]);
  assert.equal(menuItems(alice)[2].label, '✋ Lower your hand');
  assert.equal(menuItems(alice)[0].label, '$(eye-closed) Unfollow');
  assert.ok(commands(parseState({ ...attendee, role: 'drive', following: false })).includes('lspshare.takeWheel'));
  assert.deepEqual(commands(solo), ['lspshare.joinSession']);
});
