// The lspshare session page: follows the session's websocket (GET
// /s/NAME/live) and shows the navigator's file, the trail and the
// participants. Files come highlighted from GET /s/NAME/file. No build step:
// this file is served as it is.
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
    };
    ws.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (f.type === 'state') onState(f);
      if (f.type === 'nav') onNav(f);
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
      list.append(li);
    }
    const n = f.viewers || 0;
    $('viewers').textContent = n === 1 ? '1 page watching (this one)' : `${n} pages watching`;
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
      code.replaceChildren(el('p', 'error', `Cannot show ${displayPath(to)}: ${reply.error}`));
      code.dataset.path = '';
      return;
    }
    // The hub made this HTML with chroma, every piece of text escaped.
    code.innerHTML = reply.html;
    st.shownFile = fk;
    if (fileKey(st.target.to) === fk) mark(st.target);
  }

  function describeTarget(t) {
    $('file-path').textContent = `${displayPath(t.to)}:${lineOf(t.to)}`;
    let who = '';
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

  // ---- start ----

  $('session').textContent = sessionName;
  document.title = `lspshare · ${sessionName}`;
  const notes = $('notes');
  notes.href = `${base}/notes.md?key=${encodeURIComponent(key)}`;
  notes.download = `${sessionName}-notes.md`;
  $('follow').addEventListener('click', () => setFollowing(!st.following));
  $('catch-up').addEventListener('click', () => setFollowing(true));
  connect();
})();
