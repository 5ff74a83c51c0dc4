// Wardwatch local channel: sending commands, suggestions, follow-up buttons, channel switching and live
// messages. Replies arrive as HTML rendered by the server from the same Reply the Slack and Teams
// adapters render, so this script only places them.
// The ranking lives in suggest.js (the tests run it on the server's vocabulary); imported with this
// script's version, so a restarted server never pairs this script with a stale copy of it.
const { prepareVocabulary, suggest } = await import(`./suggest.js${new URL(import.meta.url).search}`);
const boot = JSON.parse(document.getElementById('boot').textContent);
const $ = (id) => document.getElementById(id);
const messagesEl = $('messages');
const form = $('composer');
const input = $('composer-input');
const list = $('suggestions');
const statusEl = $('status-text');
const simulateButton = $('simulate');
const simulateResult = $('simulate-result');
const resetButton = $('reset-simulation');

let current = boot.channel;
let phase = boot.phase;
const typed = []; // commands typed in this tab, for the up arrow
let typedIndex = -1;
const vocabularies = new Map(); // channel -> Promise<vocabulary>

const timeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: boot.timezone, hour: '2-digit', minute: '2-digit' });

// ---------------------------------------------------------------- panes (one per channel)

function paneOf(channel) {
  return messagesEl.querySelector(`.pane[data-channel="${CSS.escape(channel)}"]`);
}

function fromHtml(htmlText) {
  const t = document.createElement('template');
  t.innerHTML = htmlText.trim();
  return t.content;
}

function nearBottom() {
  return messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 160;
}

function scrollToEnd() {
  messagesEl.scrollTop = messagesEl.scrollHeight;
}

function append(channel, node, { follow = nearBottom() } = {}) {
  const pane = paneOf(channel);
  if (!pane) return null;
  pane.appendChild(node);
  if (channel === current && follow) scrollToEnd();
  return pane.lastElementChild;
}

// ---------------------------------------------------------------- asking

function userMessage(text) {
  const article = document.createElement('article');
  article.className = 'msg msg--user';
  article.setAttribute('aria-label', `You asked: /crime ${text}`);
  const avatar = document.createElement('div');
  avatar.className = 'avatar avatar--user';
  avatar.setAttribute('aria-hidden', 'true');
  avatar.textContent = 'You';
  const body = document.createElement('div');
  body.className = 'msg-body';
  const meta = document.createElement('div');
  meta.className = 'msg-meta';
  const author = document.createElement('span');
  author.className = 'author';
  author.textContent = 'You';
  const time = document.createElement('time');
  const now = new Date();
  time.dateTime = now.toISOString();
  time.textContent = timeFormat.format(now);
  meta.append(author, time);
  const p = document.createElement('p');
  p.className = 'command';
  const code = document.createElement('code');
  code.textContent = `/crime ${text}`;
  p.append(code);
  body.append(meta, p);
  article.append(avatar, body);
  return article;
}

function pendingMessage() {
  return fromHtml(`<article class="msg msg--bot msg--pending" aria-label="Wardwatch is answering">
    <div class="avatar avatar--bot" aria-hidden="true">W</div>
    <div class="msg-body"><div class="msg-meta"><span class="author">Wardwatch</span><span class="badge badge--app">App</span></div>
    <div class="typing" aria-hidden="true"><span></span><span></span><span></span></div></div></article>`);
}

function problemMessage(text) {
  const node = fromHtml(`<article class="msg msg--bot msg--error"><div class="avatar avatar--bot" aria-hidden="true">W</div>
    <div class="msg-body"><div class="msg-meta"><span class="author">Wardwatch</span><span class="badge badge--error">Problem</span></div>
    <h3 class="reply-title">Could not ask</h3><p class="summary"></p></div></article>`);
  node.querySelector('.summary').textContent = text;
  return node;
}

// A question asked while the data is still loading waits for it (the status event says when), rather than failing.
let readyWaiters = [];
function whenReady() {
  return phase === 'ready' ? Promise.resolve() : new Promise((resolve) => readyWaiters.push(resolve));
}

// Your own questions and their answers, kept for this tab so a reload does not lose them (the server keeps
// only what it delivered to the channel).
const OWN_KEY = 'wardwatch.own.v1';
const OWN_MAX = 20;
function ownSaved() {
  try {
    return JSON.parse(sessionStorage.getItem(OWN_KEY) || '[]');
  } catch {
    return [];
  }
}
function ownSave(channel, html) {
  try {
    const all = [...ownSaved(), { channel, html }].slice(-OWN_MAX * 4);
    sessionStorage.setItem(OWN_KEY, JSON.stringify(all));
  } catch {
    /* storage full or disabled: the answer is still shown */
  }
}
function ownRestore(channel) {
  const pane = paneOf(channel);
  if (!pane || pane.dataset.ownRestored) return;
  pane.dataset.ownRestored = '1';
  for (const m of ownSaved()
    .filter((x) => x.channel === channel)
    .slice(-OWN_MAX)) {
    const node = fromHtml(m.html);
    for (const el of [...node.children]) pane.appendChild(el);
  }
}

async function ask(rawText) {
  const text = rawText.trim().replace(/^\/crime\b\s*/i, '');
  const channel = current;
  const asked = append(channel, userMessage(text || 'help'), { follow: true });
  const pending = append(channel, pendingMessage(), { follow: true });
  let node;
  if (phase !== 'ready') {
    const note = pending.querySelector('.msg-body') || pending;
    note.setAttribute('data-waiting', 'Waiting for the data to finish loading…');
    await whenReady();
  }
  try {
    const res = await fetch('/api/ask', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ channel, text }),
    });
    const data = await res.json().catch(() => ({}));
    node = res.ok && data.html ? fromHtml(data.html) : problemMessage(data.error || `The server answered ${res.status}.`);
  } catch {
    node = problemMessage('The Wardwatch server could not be reached. Is `npm start` still running?');
  }
  const reply = node.firstElementChild;
  if (reply) ownSave(channel, asked.outerHTML + reply.outerHTML);
  pending.replaceWith(node);
  if (channel === current && reply) {
    // show the question and as much of the answer as fits; images keep their space (aspect-ratio)
    if (messagesEl.scrollHeight > messagesEl.clientHeight) {
      messagesEl.scrollTop += asked.getBoundingClientRect().top - messagesEl.getBoundingClientRect().top - 8;
      if (reply.getBoundingClientRect().bottom <= messagesEl.getBoundingClientRect().bottom) scrollToEnd();
    } else {
      // narrow screens: the whole page scrolls, not the message list
      asked.scrollIntoView({ block: 'start' });
    }
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value;
  if (!text.trim()) return;
  typed.push(text);
  typedIndex = -1;
  input.value = '';
  closeSuggestions();
  ask(text);
});

// The "Teams view": every reply shown as the Adaptive Card Teams would show (remembered per browser).
const teamsToggle = $('teams-view');
function setTeamsView(on) {
  document.body.classList.toggle('teams-mode', on);
  teamsToggle?.setAttribute('aria-pressed', String(on));
  try {
    localStorage.setItem('wardwatch-teams-view', on ? '1' : '0');
  } catch {
    // storage refused (private mode): the switch still works for this page
  }
}
if (teamsToggle) {
  let stored = '0';
  try {
    stored = localStorage.getItem('wardwatch-teams-view') ?? '0';
  } catch {
    // as above
  }
  setTeamsView(stored === '1');
  teamsToggle.addEventListener('click', () => setTeamsView(!document.body.classList.contains('teams-mode')));
}

// A card's "Notes and sources" (Action.ToggleVisibility) opens and closes its part.
messagesEl.addEventListener('click', (event) => {
  const toggle = event.target.closest('button[data-ac-toggle]');
  if (!toggle) return;
  const open = toggle.getAttribute('aria-expanded') !== 'true';
  for (const id of toggle.dataset.acToggle.split(' ')) {
    const target = document.getElementById(id);
    if (target) target.hidden = !open;
  }
  toggle.setAttribute('aria-expanded', String(open));
});

// Follow-up buttons (and the examples in each channel's introduction) run their command here.
messagesEl.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-command]');
  if (!button) return;
  ask(button.dataset.command);
  input.focus({ preventScroll: true });
});

// ---------------------------------------------------------------- suggestions

function vocabulary(channel) {
  if (!vocabularies.has(channel)) {
    const p = fetch(`/api/vocabulary?channel=${encodeURIComponent(channel)}`, { headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : null))
      .then((v) => (v ? prepareVocabulary(v) : null))
      .catch(() => null);
    vocabularies.set(channel, p);
    p.then((v) => {
      if (!v) vocabularies.delete(channel);
    });
  }
  return vocabularies.get(channel);
}

let options = [];
let active = -1;

function closeSuggestions() {
  list.hidden = true;
  list.replaceChildren();
  options = [];
  active = -1;
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
}

function setActive(index) {
  active = index;
  [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
  if (index >= 0) {
    input.setAttribute('aria-activedescendant', list.children[index].id);
    list.children[index].scrollIntoView({ block: 'nearest' });
  } else input.removeAttribute('aria-activedescendant');
}

function showSuggestions(items) {
  if (!items.length) return closeSuggestions();
  options = items;
  list.replaceChildren(
    ...items.map((item, i) => {
      const li = document.createElement('li');
      li.id = `suggestion-${i}`;
      li.className = 'suggestion';
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      const text = document.createElement('span');
      text.className = 'suggestion-text';
      text.textContent = item.text;
      const detail = document.createElement('span');
      detail.className = 'suggestion-detail';
      detail.textContent = item.detail;
      const kind = document.createElement('span');
      kind.className = 'suggestion-kind';
      kind.textContent = item.kind;
      li.append(text, detail, kind);
      li.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the box
      li.addEventListener('click', () => take(i));
      return li;
    }),
  );
  list.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  active = -1;
}

function take(index) {
  const item = options[index];
  if (!item) return;
  input.value = item.value;
  closeSuggestions();
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  if (item.kind !== 'command') refreshSuggestions();
}

let suggestSeq = 0;
async function refreshSuggestions() {
  const seq = ++suggestSeq;
  const v = await vocabulary(current);
  if (seq !== suggestSeq || !v || document.activeElement !== input) return;
  showSuggestions(suggest(input.value, v));
}

input.addEventListener('input', refreshSuggestions);
input.addEventListener('focus', () => vocabulary(current));
input.addEventListener('blur', () => setTimeout(() => document.activeElement !== input && closeSuggestions(), 100));
input.addEventListener('keydown', (event) => {
  const open = !list.hidden && options.length > 0;
  if (event.key === 'ArrowDown' && open) {
    event.preventDefault();
    setActive((active + 1) % options.length);
  } else if (event.key === 'ArrowUp' && open) {
    event.preventDefault();
    setActive(active <= 0 ? options.length - 1 : active - 1);
  } else if (event.key === 'ArrowUp' && !input.value.trim() && typed.length) {
    event.preventDefault();
    typedIndex = typedIndex < 0 ? typed.length - 1 : Math.max(0, typedIndex - 1);
    input.value = typed[typedIndex];
  } else if (event.key === 'Enter' && open && active >= 0) {
    event.preventDefault();
    take(active);
  } else if (event.key === 'Tab' && open && !event.shiftKey) {
    event.preventDefault();
    take(active >= 0 ? active : 0);
  } else if (event.key === 'Escape' && open) {
    event.preventDefault();
    closeSuggestions();
  }
});

// ---------------------------------------------------------------- channels

const links = [...document.querySelectorAll('.channel-link')];

function unread(channel, delta) {
  const link = links.find((l) => l.dataset.channel === channel);
  const badge = link?.querySelector('.unread');
  if (!badge) return;
  const n = delta === null ? 0 : Number(badge.querySelector('.count').textContent) + delta;
  badge.querySelector('.count').textContent = String(n);
  badge.hidden = n === 0;
}

async function switchTo(channel, { push = true } = {}) {
  if (channel === current) return;
  let pane = paneOf(channel);
  if (!pane) {
    const res = await fetch(`/api/channels/${encodeURIComponent(channel)}`, { headers: { Accept: 'application/json' } });
    if (!res.ok) return void (location.href = `/c/${encodeURIComponent(channel)}`);
    const data = await res.json();
    pane = fromHtml(data.html).firstElementChild;
    pane.hidden = true;
    pane.dataset.title = JSON.stringify(data.channel);
    messagesEl.appendChild(pane);
    ownRestore(channel);
  }
  const info = JSON.parse(pane.dataset.title || 'null');
  messagesEl.setAttribute('aria-busy', 'true');
  paneOf(current).hidden = true;
  pane.hidden = false;
  current = channel;
  if (info) {
    const meta = $('channel-meta');
    meta.querySelector('.meta-partnership').textContent = info.partnership;
    meta.children[2].textContent = info.areas;
    meta.querySelector('.meta-clearance').textContent = info.clearance;
  }
  $('channel-name').textContent = channel;
  $('composer-channel').textContent = `#${channel}`;
  messagesEl.setAttribute('aria-label', `Messages in #${channel}`);
  document.title = `#${channel} · Wardwatch`;
  links.forEach((l) => (l.dataset.channel === channel ? l.setAttribute('aria-current', 'page') : l.removeAttribute('aria-current')));
  unread(channel, null);
  scrollToEnd();
  messagesEl.removeAttribute('aria-busy');
  closeSuggestions();
  if (push) window.history.pushState({ channel }, '', `/c/${encodeURIComponent(channel)}`);
  input.focus({ preventScroll: true });
}

// the first pane knows its header from the server-rendered page
paneOf(current).dataset.title = JSON.stringify({
  partnership: document.querySelector('.meta-partnership').textContent,
  areas: $('channel-meta').children[2].textContent,
  clearance: document.querySelector('.meta-clearance').textContent,
});

links.forEach((link) =>
  link.addEventListener('click', (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    switchTo(link.dataset.channel);
  }),
);
window.addEventListener('popstate', (event) => {
  const channel = event.state?.channel ?? decodeURIComponent(location.pathname.split('/').pop() || '');
  if (links.some((l) => l.dataset.channel === channel)) switchTo(channel, { push: false });
});
window.history.replaceState({ channel: current }, '', location.pathname);
ownRestore(current);

// ---------------------------------------------------------------- live messages and status

function applyStatus(s) {
  statusEl.textContent = s.text;
  statusEl.className = `status status--${s.phase}`;
  if (simulateButton && !simulateButton.dataset.busy) simulateButton.disabled = s.phase !== 'ready';
  if (resetButton && !resetButton.dataset.busy) resetButton.disabled = s.phase !== 'ready';
  const becameReady = s.phase === 'ready' && phase !== 'ready';
  if (becameReady) vocabularies.clear();
  phase = s.phase;
  if (becameReady) {
    for (const resolve of readyWaiters) resolve();
    readyWaiters = [];
    refreshChannelInfo();
  }
}

// During the first load the page shows what it knows; once ready, the channel's area names (not codes)
// and the welcome card's examples come from the loaded data.
async function refreshChannelInfo() {
  const channel = current;
  const res = await fetch(`/api/channels/${encodeURIComponent(channel)}`, { headers: { Accept: 'application/json' } }).catch(() => null);
  if (!res || !res.ok) return;
  const data = await res.json();
  const meta = $('channel-meta');
  if (data.channel && channel === current) meta.children[2].textContent = data.channel.areas;
  const fresh = fromHtml(data.html).firstElementChild;
  const welcome = fresh && fresh.querySelector('.welcome');
  const old = paneOf(channel) && paneOf(channel).querySelector('.welcome');
  if (welcome && old) old.replaceWith(welcome);
  for (const link of document.querySelectorAll('.channel-link')) {
    const c = link.dataset.channel;
    if (c !== channel) continue;
    const scope = link.querySelector('.channel-scope');
    if (scope && data.channel) scope.textContent = `${data.channel.partnership.replace(/ Community Safety Partnership$/, ' CSP')} · ${data.channel.areas}`;
  }
}

const events = new EventSource(`/api/events?after=${encodeURIComponent(boot.lastEventId)}`);
events.addEventListener('message', (event) => {
  const m = JSON.parse(event.data);
  if (document.getElementById(`m-${m.id}`)) return;
  const node = append(m.channel, fromHtml(m.html));
  if (node) node.classList.add('msg--new');
  if (m.channel !== current) unread(m.channel, 1);
});
events.addEventListener('status', (event) => applyStatus(JSON.parse(event.data)));

resetButton?.addEventListener('click', async () => {
  resetButton.disabled = true;
  resetButton.dataset.busy = '1';
  simulateResult.textContent = 'Removing the simulated months…';
  try {
    const res = await fetch('/api/dev/reset-simulation', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: '{}' });
    const data = await res.json().catch(() => ({}));
    simulateResult.textContent = res.ok ? data.summary : data.error || `Failed (${res.status}).`;
  } catch {
    simulateResult.textContent = 'The server could not be reached.';
  } finally {
    delete resetButton.dataset.busy;
    resetButton.disabled = phase !== 'ready';
  }
});

simulateButton?.addEventListener('click', async () => {
  simulateButton.disabled = true;
  simulateButton.dataset.busy = '1';
  simulateResult.textContent = 'Loading the next month…';
  try {
    const res = await fetch('/api/dev/simulate-month', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: '{}' });
    const data = await res.json().catch(() => ({}));
    simulateResult.textContent = res.ok ? data.summary : data.error || `Failed (${res.status}).`;
  } catch {
    simulateResult.textContent = 'The server could not be reached.';
  } finally {
    delete simulateButton.dataset.busy;
    simulateButton.disabled = phase !== 'ready';
  }
});

scrollToEnd();
