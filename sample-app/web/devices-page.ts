import { createHash } from 'node:crypto';

/*
 * The "Your devices" page: one HTML document and one framework-free script, kept as strings so that `tsc` ships
 * them with the sample app (no front-end build, no asset copying). The script only ever puts server data into the
 * page with textContent, so a device name like "<img onerror=...>" stays text.
 */

const STYLE = `
:root { color-scheme: light; --fg: #1d2430; --muted: #5b6472; --line: #d9dee6; --accent: #1f5fbf; --bad: #b3261e; --ok: #1e6b3a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f4f6f9; }
main { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.1rem; margin: 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem; }
.card > h2 { margin-bottom: .75rem; }
.card > p:first-child { margin-top: 0; }
#message { margin: 0 0 1rem; padding: .6rem .8rem; border-radius: 8px; border: 1px solid; }
#message.error { color: var(--bad); background: #fdeceb; border-color: #f3c2bf; }
#message.notice { color: var(--ok); background: #e9f5ee; border-color: #b9dec6; }
form { display: grid; gap: .8rem; }
label { display: grid; gap: .25rem; font-weight: 600; font-size: .95rem; }
input { font: inherit; padding: .5rem .6rem; border: 1px solid #b8c0cc; border-radius: 6px; }
input:focus-visible, button:focus-visible { outline: 3px solid #8db4f0; outline-offset: 1px; }
button { font: inherit; cursor: pointer; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: #e3a19c; }
button:disabled { opacity: .55; cursor: default; }
.who { margin: 0 0 1rem; }
.bar { display: flex; align-items: center; justify-content: space-between; margin-bottom: .5rem; }
.live { font-size: .85rem; color: var(--muted); }
.live[data-state="on"]::before { content: ""; display: inline-block; width: .55rem; height: .55rem; margin-right: .35rem; border-radius: 50%; background: #2eaa5c; }
ul { list-style: none; margin: 0 0 1rem; padding: 0; }
li.session { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .7rem 0; border-top: 1px solid var(--line); }
li.session:first-child { border-top: 0; }
.device { font-weight: 600; }
.badge { margin-left: .5rem; font-size: .75rem; font-weight: 600; padding: .1rem .45rem; border-radius: 999px; background: #e3edfb; color: var(--accent); }
.meta { font-size: .85rem; color: var(--muted); }
.actions { display: flex; gap: .6rem; flex-wrap: wrap; }
`;

/** The CSP hash of the inline style, so the page needs no 'unsafe-inline'. */
export const DEVICES_PAGE_STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

export const DEVICES_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your devices</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
<script src="/app.js" defer></script>
</head>
<body data-view="loading">
<main>
  <h1>Your devices</h1>
  <p id="message" role="alert" hidden></p>
  <noscript><p>This page needs JavaScript to sign you in.</p></noscript>

  <section id="loading" class="card"><p>Loading…</p></section>

  <section id="failed" class="card" hidden>
    <p>The page could not load your sessions.</p>
    <button id="retry" type="button">Try again</button>
  </section>

  <section id="signed-out" class="card" aria-labelledby="signin-title" hidden>
    <h2 id="signin-title">Sign in</h2>
    <form id="login" method="post" autocomplete="on">
      <label>Username <input id="username" name="username" autocomplete="username" required maxlength="128"></label>
      <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"></label>
      <label>Device name <input id="device" name="device" placeholder="e.g. Laptop" maxlength="100"></label>
      <div><button id="login-button" type="submit">Sign in</button></div>
    </form>
  </section>

  <section id="signed-in" class="card" aria-labelledby="sessions-title" hidden>
    <p class="who">Signed in as <strong id="who-user"></strong> on <strong id="who-device"></strong></p>
    <div class="bar">
      <h2 id="sessions-title">Where you're signed in</h2>
      <span id="live" class="live" data-state="off">Connecting…</span>
    </div>
    <ul id="sessions" aria-labelledby="sessions-title"></ul>
    <div class="actions">
      <button id="logout-others" type="button" class="secondary">Sign out everywhere else</button>
      <button id="logout" type="button" class="secondary">Sign out</button>
    </div>
  </section>
</main>
</body>
</html>
`;

// Plain ES2020 for any current browser. No template literals here: this file is itself one.
export const DEVICES_PAGE_SCRIPT = `'use strict';
(function () {
  var UNAVAILABLE = 'Session service unavailable, try again';
  var SIGNED_OUT = 'You were signed out';
  var VIEWS = ['loading', 'failed', 'signed-out', 'signed-in'];
  var state = { myId: null, es: null, refreshTimer: null, reopenTimer: null, refreshError: false };
  var $ = function (id) { return document.getElementById(id); };

  function show(view) {
    VIEWS.forEach(function (v) { $(v).hidden = v !== view; });
    document.body.dataset.view = view;
  }

  /** The one message area (role=alert): kind is 'error' or 'notice'; no text hides it. */
  function say(text, kind) {
    var m = $('message');
    m.textContent = text || '';
    m.className = text ? (kind || 'notice') : '';
    m.hidden = !text;
  }

  /** The session's CSRF token (CSRF_MODE=token wants it on every unsafe request; other modes ignore it). */
  var csrf = null;
  async function csrfToken() {
    if (csrf) return csrf;
    var r = await fetch('/auth/csrf', { headers: { accept: 'application/json' }, credentials: 'same-origin' }).catch(function () { return null; });
    if (r && r.ok) csrf = (await r.json()).token;
    return csrf;
  }

  async function api(method, path, body) {
    var init = { method: method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
    if (method !== 'GET' && path !== '/auth/login') {
      var token = await csrfToken();
      if (token) init.headers['x-csrf-token'] = token;
    }
    if (path === '/auth/login' || path === '/auth/logout' || path === '/auth/logout-all') csrf = null;
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      return { status: 0, body: null };
    }
    var text = await res.text().catch(function () { return ''; });
    var parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = text; }
    return { status: res.status, body: parsed };
  }

  /** What to tell the person about a failed call. */
  function problem(r) {
    if (r.status === 0) return 'Cannot reach the server, check your connection and try again';
    if (r.status === 503) return UNAVAILABLE;
    if (r.status >= 500) return 'Something went wrong on the server (' + r.status + '), try again';
    var m = r.body && r.body.message;
    if (Array.isArray(m)) m = m.join('; ');
    return m || 'Request failed (' + r.status + ')';
  }

  function when(iso) {
    var d = new Date(iso);
    var t = document.createElement('time');
    t.dateTime = iso;
    t.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    return t;
  }

  // ---- signed out -------------------------------------------------------------------------------------------

  function signedOut(message, kind) {
    closeEvents();
    state.myId = null;
    $('sessions').replaceChildren();
    show('signed-out');
    say(message, kind || 'notice');
    $('password').value = '';
    $('username').focus();
  }

  $('login').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var username = $('username').value.trim();
    var password = $('password').value;
    var device = $('device').value.trim();
    if (!username || !password) return say('Enter your username and password', 'error');
    var button = $('login-button');
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      var r = await api('POST', '/auth/login', { username: username, password: password, device: device || undefined });
      if (r.status === 401) {
        say('Wrong username or password', 'error');
        $('password').select();
        return;
      }
      if (r.status !== 200) return say(problem(r), 'error');
      $('password').value = '';
      say('');
      await start();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });

  // ---- signed in --------------------------------------------------------------------------------------------

  async function start() {
    var me = await api('GET', '/me');
    if (me.status === 401) return signedOut(document.body.dataset.view === 'signed-in' ? SIGNED_OUT : '');
    if (me.status !== 200) {
      show('failed');
      return say(problem(me), 'error');
    }
    $('who-user').textContent = me.body.username;
    $('who-device').textContent = me.body.device;
    if (!(await refresh())) return;
    show('signed-in');
    openEvents();
  }

  /** Re-reads the device list. @returns false when this page is no longer signed in */
  async function refresh() {
    var r = await api('GET', '/sessions');
    if (r.status === 401) {
      signedOut(SIGNED_OUT);
      return false;
    }
    if (r.status !== 200) {
      say(problem(r), 'error');
      state.refreshError = true;
      if (document.body.dataset.view !== 'signed-in') show('failed');
      return document.body.dataset.view === 'signed-in';
    }
    if (state.refreshError) say('');
    state.refreshError = false;
    render(r.body);
    return true;
  }

  function scheduleRefresh() {
    // Several events in a burst (e.g. "sign out everywhere else") cost one re-read.
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(refresh, 50);
  }

  function render(list) {
    var mine = list.find(function (s) { return s.current; });
    if (mine) state.myId = mine.id;
    var ul = $('sessions');
    ul.replaceChildren();
    list.forEach(function (s) {
      var li = document.createElement('li');
      li.className = 'session';
      li.dataset.sessionId = s.id;
      li.dataset.device = s.device;
      if (s.current) li.dataset.current = 'true';
      var info = document.createElement('div');
      var name = document.createElement('span');
      name.className = 'device';
      name.textContent = s.device || 'Unknown device';
      info.append(name);
      if (s.current) {
        var badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = 'This device';
        info.append(badge);
      }
      var meta = document.createElement('div');
      meta.className = 'meta';
      meta.append('Signed in ', when(s.createdAt), ' · last seen ', when(s.lastSeenAt));
      info.append(meta);
      li.append(info);
      if (!s.current) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'danger';
        b.textContent = 'Sign out';
        b.setAttribute('aria-label', 'Sign out ' + (s.device || 'this other device'));
        b.addEventListener('click', function () { revoke(s.id, b); });
        li.append(b);
      }
      ul.append(li);
    });
    $('logout-others').disabled = list.length < 2;
  }

  async function revoke(id, button) {
    button.disabled = true;
    var r = await api('DELETE', '/sessions/' + encodeURIComponent(id));
    if (r.status === 401) return signedOut(SIGNED_OUT);
    // 404: that device was already gone; either way the list is re-read.
    if (r.status !== 204 && r.status !== 404) {
      button.disabled = false;
      return say(problem(r), 'error');
    }
    await refresh();
  }

  $('logout-others').addEventListener('click', async function () {
    var button = $('logout-others');
    button.disabled = true;
    var r = await api('POST', '/auth/logout-others');
    if (r.status === 401) return signedOut(SIGNED_OUT);
    if (r.status !== 204) {
      button.disabled = false;
      return say(problem(r), 'error');
    }
    say('Signed out everywhere else', 'notice');
    await refresh();
  });

  $('logout').addEventListener('click', async function () {
    // Stop listening first: our own "invalidated" event is not news to this page.
    closeEvents();
    var r = await api('POST', '/auth/logout');
    if (r.status === 204 || r.status === 401) return signedOut('You signed out', 'notice');
    say(problem(r), 'error');
    openEvents();
  });

  $('retry').addEventListener('click', function () {
    say('');
    show('loading');
    start();
  });

  // ---- live updates -----------------------------------------------------------------------------------------

  function setLive(on, text) {
    var live = $('live');
    live.dataset.state = on ? 'on' : 'off';
    live.textContent = text || (on ? 'Live' : 'Reconnecting…');
    document.body.dataset.live = on ? 'on' : 'off';
  }

  function openEvents() {
    closeEvents();
    var es = new EventSource('/events');
    state.es = es;
    ['created', 'invalidated', 'expired', 'evicted'].forEach(function (type) {
      es.addEventListener(type, function (ev) { onEvent(type, ev); });
    });
    es.onopen = function () {
      setLive(true);
      // Whatever happened between the last read and the stream opening.
      scheduleRefresh();
    };
    es.onerror = function () {
      if (state.es !== es) return;
      setLive(false);
      // CLOSED: the browser gave up (e.g. 401 or 503 on reconnect). Find out why and act on it.
      if (es.readyState === EventSource.CLOSED) recheck();
    };
  }

  function closeEvents() {
    clearTimeout(state.refreshTimer);
    clearTimeout(state.reopenTimer);
    if (state.es) state.es.close();
    state.es = null;
    setLive(false, 'Offline');
  }

  async function recheck() {
    var me = await api('GET', '/me');
    if (me.status === 401) return signedOut(SIGNED_OUT);
    if (me.status !== 200) say(problem(me), 'error');
    state.reopenTimer = setTimeout(openEvents, me.status === 200 ? 500 : 3000);
  }

  function onEvent(type, ev) {
    var e;
    try { e = JSON.parse(ev.data); } catch (err) { return; }
    if (type !== 'created' && e && state.myId && e.id === state.myId) {
      return signedOut(type === 'expired' ? SIGNED_OUT + ': your session expired' : SIGNED_OUT);
    }
    scheduleRefresh();
  }

  start();
})();
`;
