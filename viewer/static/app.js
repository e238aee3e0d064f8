// The lspshare session page: follows the session's websocket (GET
// /s/NAME/live) and shows the navigator's file, the trail, the participants
// with their hands and places, and the session's notes, marked at their
// lines too. Files come highlighted from GET /s/NAME/file; the page posts
// notes, replies and resolves to POST /s/NAME/notes. Everything people
// wrote is shown as text (textContent), never as HTML. No build step: this
// file is served as it is.
'use strict';

(() => {
  const key = new URLSearchParams(location.search).get('key') || '';
  const base = location.pathname.replace(/\/+$/, '');
  const sessionName = decodeURIComponent(base.slice(base.lastIndexOf('/') + 1));
  const $ = (id) => document.getElementById(id);

  // What the page knows and shows.
  const st = {
    following: true,
    nav: null,          // the navigator's newest place: a nav frame
    trail: new Map(),   // seq → nav frame of a jump or open
    lastSeq: 0,         // newest seq seen
    leftAt: 0,          // lastSeq when the viewer stopped following
    target: null,       // the place being shown or loaded: {to, by, seq}
    shownFile: '',      // fileKey of the file in #code
    loadingFile: '',    // fileKey being fetched
    request: 0,         // numbers fetches; only the newest is shown
    showTimer: 0,
    shownTo: null,      // a location in the file in #code
    pick: null,         // the place a note being written goes to; null: the line shown
    notes: new Map(),   // id → note, as the hub last sent it
  };

  const maxTrail = 2000; // entries the page keeps
  const fileKey = (to) => [to.space, to.module || '', to.path].join('\n');
  const lineOf = (to) => ((to.range && to.range.start && to.range.start.line) || 0) + 1;
  const displayPath = (to) => {
    switch (to.space) {
      case 'module': return `${to.module}/${to.path}`;
      case 'goroot': return `GOROOT/${to.path}`;
      default: return to.path;
    }
  };
  const baseName = (p) => p.slice(p.lastIndexOf('/') + 1);

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- the websocket ----

  let backoff = 500;
  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}${base}/live?key=${encodeURIComponent(key)}`);
    ws.onopen = () => {
      backoff = 500;
      setStatus('live', true);
      // The hub starts every connection with the state, the trail and
      // the navigator's place: start the lists over.
      st.trail.clear();
      $('trail').replaceChildren();
      st.notes.clear();
      $('note-list').replaceChildren();
    };
    ws.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (f.type === 'state') onState(f);
      if (f.type === 'nav') onNav(f);
      if (f.type === 'note') onNote(f.note);
    };
    ws.onclose = () => {
      setStatus('reconnecting…', false);
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }

  function setStatus(text, live) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('live', live);
  }

  // ---- participants ----

  function onState(f) {
    st.wheel = f.wheel || '';
    const list = $('participants');
    list.replaceChildren();
    for (const p of f.participants || []) {
      const li = el('li', p.connected ? '' : 'gone');
      li.append(el('span', 'name', p.name));
      if (p.name === f.wheel) li.append(el('span', 'tag wheel', 'navigating'));
      else if (p.following) li.append(el('span', 'tag following', 'following'));
      else li.append(el('span', 'tag', 'not following'));
      if (p.role === 'drive') li.append(el('span', 'tag role', 'drive'));
      if (!p.connected) li.append(el('span', 'tag', 'away'));
      if (p.hand) li.append(el('span', 'tag hand', 'hand up'));
      if (p.place) li.append(placeButton(p.place, `${p.name} is here`));
      list.append(li);
    }
    showHands(f.participants || []);
    const n = f.viewers || 0;
    $('viewers').textContent = n === 1 ? '1 page watching (this one)' : `${n} pages watching`;
  }

  const clock = (at) => {
    const d = new Date(at);
    return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  };
  const isPlace = (to) => to && typeof to === 'object' && typeof to.path === 'string' && typeof to.space === 'string';

  // placeButton shows a place as file:line; clicking it shows the place
  // in the code view, and the page stops following.
  function placeButton(to, label) {
    if (!isPlace(to)) return el('span');
    const b = el('button', 'place', `${displayPath(to)}:${lineOf(to)}`);
    b.type = 'button';
    b.addEventListener('click', () => {
      setFollowing(false);
      show({ to, label });
    });
    return b;
  }

  // showHands lists the raised hands, longest raised first: who, since
  // when, and where that person is now.
  function showHands(participants) {
    const hands = participants.filter((p) => p.hand).sort((a, b) => (a.hand < b.hand ? -1 : 1));
    $('hands-section').hidden = hands.length === 0;
    $('hands-count').textContent = String(hands.length);
    $('hands').replaceChildren(...hands.map((p) => {
      const li = el('li');
      li.append(el('span', 'name', p.name), el('span', 'when', `since ${clock(p.hand)}`));
      if (p.place) li.append(placeButton(p.place, `${p.name} is here`));
      return li;
    }));
  }

  // ---- moves ----

  function onNav(f) {
    if (!f.to) return;
    if (f.seq) {
      addToTrail(f);
      st.lastSeq = Math.max(st.lastSeq, f.seq);
    }
    st.nav = f;
    if (st.following) {
      scheduleShow();
    } else {
      updateBehind();
    }
  }

  // scheduleShow shows the navigator's newest place once the frames that
  // arrived together are handled: a reconnect replays many jumps, and only
  // the last one is worth fetching.
  function scheduleShow() {
    if (st.showTimer) return;
    st.showTimer = setTimeout(() => {
      st.showTimer = 0;
      if (st.following && st.nav) show({ to: st.nav.to, by: st.nav.by });
    }, 0);
  }

  function addToTrail(f) {
    if (st.trail.has(f.seq)) return;
    st.trail.set(f.seq, f);
    const li = el('li');
    li.dataset.seq = f.seq;
    const b = el('button', 'entry');
    b.type = 'button';
    const what = f.symbol || baseName(f.to.path);
    b.append(el('span', 'seq', `${f.seq}.`), el('span', 'symbol', what),
      el('span', 'where', `${displayPath(f.to)}:${lineOf(f.to)}`), el('span', 'who', f.by || ''));
    b.addEventListener('click', () => {
      setFollowing(false);
      show({ to: f.to, by: f.by, seq: f.seq });
    });
    li.append(b);
    // Newest first; frames may come out of order after a reconnect.
    const list = $('trail');
    let before = null;
    for (const other of list.children) {
      if (Number(other.dataset.seq) < f.seq) { before = other; break; }
    }
    list.insertBefore(li, before);
    while (list.children.length > maxTrail) {
      st.trail.delete(Number(list.lastElementChild.dataset.seq));
      list.lastElementChild.remove();
    }
  }

  // ---- following ----

  function setFollowing(on) {
    if (st.following === on) return;
    st.following = on;
    if (!on) st.leftAt = st.lastSeq;
    const b = $('follow');
    b.textContent = on ? 'Following' : 'Follow';
    b.setAttribute('aria-pressed', String(on));
    updateBehind();
    if (on && st.nav) show({ to: st.nav.to, by: st.nav.by });
  }

  function updateBehind() {
    const banner = $('behind');
    if (st.following) {
      banner.hidden = true;
      return;
    }
    let n = 0;
    for (const seq of st.trail.keys()) if (seq > st.leftAt) n++;
    $('behind-text').textContent = n === 1 ? 'You are 1 jump behind.' : `You are ${n} jumps behind.`;
    banner.hidden = false;
  }

  // ---- showing a place ----

  async function show(target) {
    st.target = target;
    const fk = fileKey(target.to);
    describeTarget(target);
    if (fk === st.shownFile) {
      mark(target);
      return;
    }
    if (fk === st.loadingFile) return; // marked when it arrives
    const request = ++st.request;
    st.loadingFile = fk;
    const to = target.to;
    const query = new URLSearchParams({ space: to.space, module: to.module || '', path: to.path });
    let reply;
    try {
      const resp = await fetch(`${base}/file?${query}`, { headers: { Authorization: `Bearer ${key}` }, cache: 'no-store' });
      reply = await resp.json();
    } catch {
      reply = { error: 'the hub did not answer' };
    }
    if (request !== st.request) return; // a newer file was asked for
    st.loadingFile = '';
    const code = $('code');
    if (reply.error) {
      st.shownFile = '';
      st.shownTo = null;
      updateCompose();
      code.replaceChildren(el('p', 'error', `Cannot show ${displayPath(to)}: ${reply.error}`));
      code.dataset.path = '';
      return;
    }
    // The hub made this HTML with chroma, every piece of text escaped.
    code.innerHTML = reply.html;
    st.shownFile = fk;
    st.shownTo = to;
    markNotes();
    if (fileKey(st.target.to) === fk) mark(st.target);
  }

  function describeTarget(t) {
    $('file-path').textContent = `${displayPath(t.to)}:${lineOf(t.to)}`;
    let who = t.label || '';
    if (t.seq && !st.following) who = `trail #${t.seq}, by ${t.by}`;
    else if (t.by) who = `${t.by} is here`;
    $('file-who').textContent = who;
  }

  // mark shows the target's line and cursor in the file on show, and
  // scrolls it into view.
  function mark(t) {
    const code = $('code');
    for (const old of code.querySelectorAll('.line.current, .line.in-range')) old.classList.remove('current', 'in-range');
    const caret = $('caret');
    if (caret) {
      const parent = caret.parentNode;
      caret.remove();
      parent.normalize(); // joins the text the caret split
    }
    if (window.CSS && CSS.highlights) CSS.highlights.delete('lspshare-range');

    const range = t.to.range || { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const first = lineElement(range.start.line + 1);
    if (!first) return;
    first.classList.add('current');
    for (let n = range.start.line + 2; n <= range.end.line + 1; n++) {
      const e = lineElement(n);
      if (e) e.classList.add('in-range');
    }
    const start = pointAt(first, range.start.character);
    if (window.CSS && CSS.highlights && window.Highlight && range.end.line === range.start.line && range.end.character > range.start.character) {
      const end = pointAt(first, range.end.character);
      if (start && end) {
        const r = new Range();
        r.setStart(start.node, start.offset);
        r.setEnd(end.node, end.offset);
        CSS.highlights.set('lspshare-range', new Highlight(r));
      }
    }
    if (start) {
      const c = el('span');
      c.id = 'caret';
      const r = new Range();
      r.setStart(start.node, start.offset);
      r.insertNode(c);
    }
    code.dataset.path = t.to.path;
    code.dataset.line = String(range.start.line + 1);
    code.dataset.character = String(range.start.character);
    updateCompose();
    scrollTo(first);
  }

  // lineElement returns the span.line of a 1-based line number.
  function lineElement(n) {
    const number = document.getElementById(`L${n}`);
    return number ? number.parentElement : null;
  }

  // pointAt finds the text position of a UTF-16 offset in a line's code
  // (JavaScript strings count UTF-16 units, as LSP does). At the boundary
  // of two tokens it takes the start of the second.
  function pointAt(line, character) {
    const code = line.querySelector('.cl');
    if (!code) return null;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    let left = character;
    let last = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.data.replace(/\n$/, '');
      if (left < text.length) return { node, offset: left };
      left -= text.length;
      last = { node, offset: text.length };
    }
    return last; // at or past the end of the line
  }

  // scrollTo brings a line to the middle of the code unless it is there
  // already, so that small moves do not shake the page.
  function scrollTo(line) {
    const box = $('code').getBoundingClientRect();
    const r = line.getBoundingClientRect();
    const top = Math.max(box.top, 0);
    const bottom = Math.min(box.bottom, window.innerHeight);
    const margin = (bottom - top) / 5;
    if (r.top < top + margin || r.bottom > bottom - margin) {
      line.scrollIntoView({ block: 'center', behavior: 'instant' });
    }
  }

  // ---- notes ----

  // onNote keeps a note as the hub sent it, unless the page has a later
  // state of it already (a post's answer may come after the live frame of
  // a later change): replies only grow, and a question only gets resolved.
  function onNote(n) {
    if (!n || !n.id) return;
    const old = st.notes.get(n.id);
    if (old && ((n.replies || []).length < (old.replies || []).length || (old.resolved && !n.resolved))) return;
    st.notes.set(n.id, n);
    showNote(n);
    markNotes();
  }

  // showNote puts a note in the list, newest first, keeping a reply
  // being written to it.
  function showNote(n) {
    const list = $('note-list');
    const li = noteItem(n);
    const old = list.querySelector(`li[data-id="${n.id}"]`);
    if (old) {
      const draft = old.querySelector('.reply-text');
      const typing = document.activeElement === draft;
      li.querySelector('.reply-text').value = draft.value;
      old.replaceWith(li);
      if (typing) li.querySelector('.reply-text').focus();
      return;
    }
    let before = null;
    for (const other of list.children) {
      if (Number(other.dataset.id) < n.id) { before = other; break; }
    }
    list.insertBefore(li, before);
  }

  function noteItem(n) {
    const li = el('li', 'note');
    li.dataset.id = n.id;
    li.classList.toggle('question', !!n.question);
    li.classList.toggle('resolved', !!n.resolved);
    const kind = n.question ? (n.resolved ? 'resolved' : 'question') : 'note';
    const head = el('div', 'note-head');
    head.append(el('span', `tag kind ${kind}`, kind), el('span', 'name', n.by || ''), el('span', 'when', clock(n.at)),
      placeButton(n.to, `note ${n.id}, by ${n.by}`));
    li.append(head, el('p', 'text', n.text || ''));
    const replies = el('ol', 'replies');
    for (const r of n.replies || []) {
      const item = el('li');
      item.append(el('span', 'name', r.by || ''), el('span', 'when', clock(r.at)), el('p', 'text', r.text || ''));
      replies.append(item);
    }
    li.append(replies);
    const actions = el('div', 'note-actions');
    const draft = el('input', 'reply-text');
    draft.type = 'text';
    draft.maxLength = 4096;
    draft.placeholder = 'Reply…';
    draft.setAttribute('aria-label', `Reply to note ${n.id}`);
    const reply = el('button', 'reply', 'Reply');
    reply.type = 'button';
    reply.addEventListener('click', () => send(li, { type: 'reply', note: { id: n.id, text: draft.value } }, () => { draft.value = ''; }));
    actions.append(draft, reply);
    if (n.question && !n.resolved) {
      const resolve = el('button', 'resolve', 'Resolve');
      resolve.type = 'button';
      resolve.title = 'Only who asked, or the navigator, may resolve a question';
      resolve.addEventListener('click', () => send(li, { type: 'resolve', note: { id: n.id } }));
      actions.append(resolve);
    }
    li.append(actions, el('p', 'post-error'));
    li.lastChild.hidden = true;
    return li;
  }

  // markNotes marks the lines of the shown file that have notes; a mark
  // brings its notes into view in the list.
  function markNotes() {
    const code = $('code');
    for (const m of code.querySelectorAll('.note-mark')) m.remove();
    for (const l of code.querySelectorAll('.line.has-note')) l.classList.remove('has-note', 'has-question');
    if (!st.shownFile) return;
    const byLine = new Map();
    for (const n of st.notes.values()) {
      if (!isPlace(n.to) || fileKey(n.to) !== st.shownFile) continue;
      const line = lineOf(n.to);
      byLine.set(line, [...(byLine.get(line) || []), n]);
    }
    for (const [line, notes] of byLine) {
      const e = lineElement(line);
      if (!e) continue;
      const open = notes.some((n) => n.question && !n.resolved);
      e.classList.add('has-note');
      e.classList.toggle('has-question', open);
      const m = el('span', 'note-mark', open ? '?' : '✎');
      m.dataset.notes = notes.map((n) => n.id).join(' ');
      m.title = notes.map((n) => `${n.by}: ${n.text}`).join('\n');
      m.addEventListener('click', (ev) => {
        ev.stopPropagation();
        const li = $('note-list').querySelector(`li[data-id="${notes[notes.length - 1].id}"]`);
        if (li) {
          li.scrollIntoView({ block: 'nearest' });
          li.classList.remove('flash');
          void li.offsetWidth; // restarts the animation
          li.classList.add('flash');
        }
      });
      e.insertBefore(m, e.querySelector('.cl'));
    }
  }

  // lineIn is a location at a 1-based line of the shown file.
  function lineIn(line) {
    const pos = { line: line - 1, character: 0 };
    const to = { space: st.shownTo.space, path: st.shownTo.path, range: { start: pos, end: pos } };
    if (st.shownTo.module) to.module = st.shownTo.module;
    return to;
  }

  // composeTo is where a note posted now goes: the place picked, or else
  // the line shown; null while no file is shown.
  function composeTo() {
    if (st.pick) return st.pick;
    if (!st.shownTo || !st.target || fileKey(st.target.to) !== st.shownFile) return null;
    return lineIn(lineOf(st.target.to));
  }

  function updateCompose() {
    const to = composeTo();
    for (const old of $('code').querySelectorAll('.line.selected')) old.classList.remove('selected');
    if (st.pick && fileKey(st.pick) === st.shownFile) {
      const e = lineElement(lineOf(st.pick));
      if (e) e.classList.add('selected');
    }
    $('compose-at').textContent = to ? `At ${displayPath(to)}:${lineOf(to)}${st.pick ? '' : ' (click a line to pick another)'}` : 'Open a file to post at one of its lines.';
    $('post-note').disabled = !to;
  }

  // pickLine picks the clicked line of the code for a note; clicking it
  // again goes back to the line shown.
  function pickLine(ev) {
    const line = ev.target.closest('.line');
    if (!line || !st.shownTo) return;
    ev.preventDefault(); // the line numbers are links
    const number = line.querySelector('.ln');
    if (!number) return;
    const to = lineIn(Number(number.id.slice(1)));
    const same = st.pick && fileKey(st.pick) === st.shownFile && lineOf(st.pick) === lineOf(to);
    st.pick = same ? null : to;
    updateCompose();
  }

  // holdPlace keeps the line shown once a note is being written there, so
  // that the navigator moving on does not take the note along.
  function holdPlace() {
    if (!st.pick && $('note-text').value) {
      st.pick = composeTo();
      updateCompose();
    }
  }

  // send posts a note, reply or resolve under the page's name, and shows
  // the hub's refusal in box's error line; done runs once it is taken.
  async function send(box, body, done) {
    const name = $('poster').value.trim();
    const error = box.querySelector('.post-error');
    const fail = (text) => {
      error.textContent = text;
      error.hidden = false;
    };
    if (!name) {
      fail('Say who you are first: your name, above the notes.');
      $('poster').focus();
      return;
    }
    error.hidden = true;
    let reply;
    try {
      const resp = await fetch(`${base}/notes`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...body, name }),
        cache: 'no-store',
      });
      const text = await resp.text();
      try { reply = JSON.parse(text); } catch { reply = { error: text.trim() || `the hub answered ${resp.status}` }; }
    } catch {
      reply = { error: 'the hub did not answer' };
    }
    if (reply.error || !reply.note) {
      fail(reply.error || 'the hub did not take it');
      return;
    }
    onNote(reply.note);
    if (done) done();
  }

  function postNote() {
    const to = composeTo();
    if (!to) return;
    const text = $('note-text');
    send($('compose'), { type: 'note', note: { to, text: text.value, question: $('note-question').checked } }, () => {
      text.value = '';
      $('note-question').checked = false;
      st.pick = null;
      updateCompose();
    });
  }

  // ---- start ----

  $('session').textContent = sessionName;
  document.title = `lspshare · ${sessionName}`;
  const notes = $('notes');
  notes.href = `${base}/notes.md?key=${encodeURIComponent(key)}`;
  notes.download = `${sessionName}-notes.md`;
  const tour = $('tour');
  tour.href = `${base}/notes.tour?key=${encodeURIComponent(key)}`;
  tour.download = `${sessionName}.tour`;
  $('follow').addEventListener('click', () => setFollowing(!st.following));
  $('catch-up').addEventListener('click', () => setFollowing(true));
  $('code').addEventListener('click', pickLine);
  $('post-note').addEventListener('click', postNote);
  $('note-text').addEventListener('input', holdPlace);
  const poster = $('poster');
  try { poster.value = localStorage.getItem('lspshare.name') || ''; } catch { /* storage may be off */ }
  poster.addEventListener('change', () => {
    try { localStorage.setItem('lspshare.name', poster.value.trim()); } catch { /* storage may be off */ }
  });
  updateCompose();
  connect();
})();
