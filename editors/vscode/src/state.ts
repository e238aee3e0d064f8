// The session state that `lspshare lsp` reports ($/lspshare/state, and the
// answer of every lspshare.* command), and what the extension shows for it.
// Nothing here imports vscode, so it is unit-tested under plain Node.

/** One person in the session, as in docs/protocol.md. */
export interface Participant {
  name: string;
  role: 'drive' | 'attend' | string;
  wheel: boolean;
  following: boolean;
  connected: boolean;
  /** Since when the hand is up (an RFC 3339 time); empty while it is down. */
  hand: string;
}

/** The editor protocol's State (docs/protocol.md). */
export interface State {
  session: string;
  hub: string;
  connected: boolean;
  /** True only while a connection that was up is down again. */
  reconnecting: boolean;
  you: string;
  role: string;
  following: boolean;
  paused: boolean;
  wheel: string;
  followers: number;
  /** Raised hands in the session. */
  hands: number;
  answers: string;
  participants: Participant[];
  mismatch?: { yours: string; wheel: string };
  error: string;
}

/** The state before the proxy has said anything: not in a session. */
export const solo: State = {
  session: '',
  hub: '',
  connected: false,
  reconnecting: false,
  you: '',
  role: '',
  following: false,
  paused: false,
  wheel: '',
  followers: 0,
  hands: 0,
  answers: 'local',
  participants: [],
  error: '',
};

/**
 * parseState turns whatever the proxy sent into a State, with defaults for
 * missing or mistyped fields, so a proxy of another version never breaks the
 * extension.
 */
export function parseState(raw: unknown): State {
  const o = isObject(raw) ? raw : {};
  const s: State = {
    session: str(o.session),
    hub: str(o.hub),
    connected: o.connected === true,
    reconnecting: o.reconnecting === true,
    you: str(o.you),
    role: str(o.role),
    following: o.following === true,
    paused: o.paused === true,
    wheel: str(o.wheel),
    followers: count(o.followers),
    hands: count(o.hands),
    answers: str(o.answers) || 'local',
    participants: Array.isArray(o.participants) ? o.participants.filter(isObject).map(parseParticipant) : [],
    error: str(o.error),
  };
  if (isObject(o.mismatch)) {
    s.mismatch = { yours: str(o.mismatch.yours), wheel: str(o.mismatch.wheel) };
  }
  return s;
}

function parseParticipant(o: Record<string, unknown>): Participant {
  return {
    name: str(o.name),
    role: str(o.role),
    wheel: o.wheel === true,
    following: o.following === true,
    connected: o.connected === true,
    hand: str(o.hand),
  };
}

/** isObject reports whether v is a JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** str is v when it is a string, else empty. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** inSession reports whether the proxy is joined to a session and reaches its hub. */
export function inSession(s: State): boolean {
  return s.session !== '' && s.connected;
}

/** holdsWheel reports whether this participant is the navigator. */
export function holdsWheel(s: State): boolean {
  return inSession(s) && s.you !== '' && s.wheel === s.you;
}

/** What clicking the status bar item does. */
export type StatusAction = 'join' | 'toggleFollow' | 'showStatus' | 'menu';

/** The status bar item: its text, hover and click. */
export interface StatusView {
  text: string;
  tooltip: string;
  action: StatusAction;
  warning: boolean;
  /** A codicon name. */
  icon: string;
}

/**
 * statusView says what the status bar shows for s: "Following potsbo",
 * "Paused — click to follow", "Driving · 5 following", "Not connected".
 */
export function statusView(s: State): StatusView {
  if (!inSession(s)) {
    const tooltip = s.error
      ? `lspshare: ${s.error}`
      : s.session
        ? `lspshare: ${s.reconnecting ? 'reconnecting' : 'connecting'} to session ${s.session}`
        : 'lspshare: not in a session — click to join';
    return { text: 'Not connected', tooltip, action: s.session ? 'showStatus' : 'join', warning: s.error !== '', icon: 'debug-disconnect' };
  }
  const mismatch = s.mismatch
    ? `\nYour commit ${short(s.mismatch.yours)} differs from the navigator's ${short(s.mismatch.wheel)}.`
    : '';
  const where = `session ${s.session} on ${s.hub}`;
  if (holdsWheel(s)) {
    return {
      text: `Driving · ${s.followers} following${s.hands > 0 ? ` · ✋ ${s.hands}` : ''}`,
      tooltip: `lspshare: you hold the wheel in ${where} — click to summon everyone, lower hands or pass the wheel`,
      action: 'menu',
      warning: false,
      icon: 'broadcast',
    };
  }
  if (s.following) {
    return {
      text: s.wheel ? `Following ${s.wheel}` : 'Following (no navigator yet)',
      tooltip: `lspshare: following in ${where} — click to unfollow${mismatch}`,
      action: 'toggleFollow',
      warning: s.mismatch !== undefined,
      icon: 'eye',
    };
  }
  return {
    text: s.paused ? 'Paused — click to follow' : 'Not following — click to follow',
    tooltip: `lspshare: ${s.paused ? 'you moved on your own, so following paused' : 'not following'} in ${where}${mismatch}`,
    action: 'toggleFollow',
    warning: s.mismatch !== undefined,
    icon: 'debug-pause',
  };
}

function short(commit: string): string {
  return commit.slice(0, 10);
}

/** followCommand is the proxy command that toggles following from state s. */
export function followCommand(s: State): 'lspshare.follow' | 'lspshare.unfollow' {
  return s.following ? 'lspshare.unfollow' : 'lspshare.follow';
}

/** participantDescription is the tree view's text beside a participant's name. */
export function participantDescription(p: Participant, you: string): string {
  const parts: string[] = [];
  if (p.name === you) parts.push('you');
  if (p.wheel) parts.push('navigating');
  else parts.push(p.role === 'drive' ? 'may drive' : 'attends');
  if (!p.wheel) parts.push(p.following ? 'following' : 'not following');
  if (p.hand) parts.push('✋ hand up');
  if (!p.connected) parts.push('offline');
  return parts.join(' · ');
}

/** others are the participants other than you, the navigator first. */
export function others(s: State): Participant[] {
  return s.participants
    .filter((p) => p.name !== s.you)
    .sort((a, b) => Number(b.wheel) - Number(a.wheel) || a.name.localeCompare(b.name));
}

/** One entry of the session menu: an extension command and its arguments. */
export interface MenuItem {
  label: string;
  command: string;
  args: unknown[];
}

/**
 * menuItems is the session menu (the navigator's status bar click, and
 * "lspshare: Session Menu…"): summon and the raised hands for the navigator,
 * your own hand for everyone.
 */
export function menuItems(s: State): MenuItem[] {
  if (!s.session) return [{ label: '$(plug) Join Session…', command: 'lspshare.joinSession', args: [] }];
  const items: MenuItem[] = [];
  const driving = holdsWheel(s);
  if (driving) {
    items.push({ label: '$(megaphone) Summon everyone here', command: 'lspshare.summonEveryone', args: [] });
    for (const p of others(s).filter((o) => o.hand)) {
      items.push({ label: `✋ Lower ${p.name}'s hand`, command: 'lspshare.toggleHand', args: [p.name] });
    }
  } else {
    items.push({ label: s.following ? '$(eye-closed) Unfollow' : '$(eye) Follow', command: 'lspshare.toggleFollow', args: [] });
    if (s.wheel) items.push({ label: '$(location) Jump to Navigator', command: 'lspshare.jumpToNavigator', args: [] });
  }
  const mine = s.participants.find((p) => p.name === s.you)?.hand;
  items.push({ label: mine ? '✋ Lower your hand' : '✋ Raise your hand', command: 'lspshare.toggleHand', args: [] });
  if (driving) items.push({ label: '$(arrow-right) Pass the Wheel…', command: 'lspshare.passWheel', args: [] });
  else if (s.role === 'drive') items.push({ label: '$(broadcast) Take the Wheel', command: 'lspshare.takeWheel', args: [] });
  items.push(
    { label: '$(info) Show Status', command: 'lspshare.showStatus', args: [] },
    { label: '$(debug-disconnect) Leave Session', command: 'lspshare.leaveSession', args: [] },
  );
  return items;
}

/** describeState is the multi-line text of "Show Status". */
export function describeState(s: State): string {
  if (!s.session) {
    return s.error ? `Not in a session: ${s.error}` : 'Not in a session. Run "lspshare: Join Session…" with a join link.';
  }
  const lines = [
    `Session ${s.session} on ${s.hub}: ${s.connected ? 'connected' : 'not connected'}.`,
    `You are ${s.you || '?'} (${s.role === 'drive' ? 'may drive' : 'attendee'}).`,
    s.wheel ? `${s.wheel === s.you ? 'You hold' : s.wheel + ' holds'} the wheel; ${s.followers} following.` : 'Nobody holds the wheel.',
  ];
  if (s.wheel !== s.you) lines.push(s.following ? 'You follow.' : s.paused ? 'Following is paused.' : 'You do not follow.');
  lines.push(`Answers come from ${s.answers === 'remote' ? "the navigator's server" : s.answers === 'mixed' ? 'both your and the navigator\'s server' : 'your own server'}.`);
  if (s.mismatch) lines.push(`Your commit ${short(s.mismatch.yours)} differs from the navigator's ${short(s.mismatch.wheel)}.`);
  if (s.error) lines.push(`Last error: ${s.error}`);
  return lines.join(' ');
}

/**
 * checkJoinLink returns why link is not a join link
 * (http://HOST:PORT/s/NAME?key=KEY), or undefined when it is one.
 */
export function checkJoinLink(link: string): string | undefined {
  let u: URL;
  try {
    u = new URL(link.trim());
  } catch {
    return 'Not a link: expected http://HOST:PORT/s/NAME?key=KEY';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'A join link starts with http:// or https://';
  if (!/^\/s\/[^/]+\/?$/.test(u.pathname)) return 'A join link has the path /s/NAME';
  if (!u.searchParams.get('key')) return 'The link has no key: copy the whole link, with ?key=…';
  return undefined;
}

/** count reads a non-negative count, 0 for anything else. */
function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}
