// The local channel page: server-rendered HTML. The client script (assets/local.js) adds sending,
// suggestions, channel switching without reloads, and live messages; without it the page still shows
// the channel, its history and links to every channel.
import type { Command } from '../../core/dispatch.ts';
import { monthName } from '../../core/periods.ts';
import type { ChannelView } from './channels.ts';
import { html, SafeHtml } from './html.ts';
import type { StatusSnapshot } from '../../service/state.ts';

export interface PageModel {
  channel: ChannelView;
  channels: ChannelView[];
  /** The current channel's pane (see renderPane). */
  pane: SafeHtml;
  lastEventId: number;
  status: StatusSnapshot;
  timezone: string;
  devControls: boolean;
  /** The undo of "Simulate next month" (with devControls). */
  resetControl?: boolean;
  /** A cache-busting version for the asset URLs. */
  assetVersion: string;
  /** Offer the "Teams view" switch (each message also carries its Adaptive Card). */
  teamsView?: boolean;
}

export function statusText(status: StatusSnapshot): string {
  switch (status.phase) {
    case 'ready':
      return status.latestMonth
        ? `Data to ${monthName(status.latestMonth)}${status.latestRealMonth && status.latestRealMonth !== status.latestMonth ? ` (real to ${monthName(status.latestRealMonth)}, later months synthetic)` : ''}`
        : 'No data loaded';
    case 'loading': {
      const p = status.progress;
      const pct = p?.total ? ` ${Math.floor(((p.done ?? 0) / p.total) * 100)}%` : '';
      return `Loading data…${pct}${p?.message ? ` ${p.message}` : ''}`;
    }
    case 'failed':
      return `Not ready: ${status.error ?? 'start-up failed'}`;
    default:
      return 'Starting…';
  }
}

function welcome(channel: ChannelView, _commands: Command[]): SafeHtml {
  const examples = channel.examples;
  return html`<section class="welcome" aria-labelledby="welcome-title">
  <h2 id="welcome-title">This is the start of <span class="hash">#</span>${channel.name}</h2>
  <p>A local channel for the <strong>${channel.partnership}</strong>, covering ${channel.areas}. Ask a question the way partners do in Slack or Teams, and watch alerts and monthly summaries arrive here as they are delivered.</p>
  ${examples.length ? html`<p class="try">Try: ${examples.map((u) => html`<button type="button" class="action action--example" data-command="${u}">/crime ${u}</button>`)}</p>` : ''}
</section>`;
}

/** One channel's messages: the channel's introduction, then its history (oldest first). */
export function renderPane(channel: ChannelView, commands: Command[], messages: SafeHtml[]): SafeHtml {
  return html`<div class="pane" data-channel="${channel.name}">
${welcome(channel, commands)}
${messages}
</div>`;
}

export function renderPage(m: PageModel): string {
  const v = m.assetVersion;
  const boot = JSON.stringify({ channel: m.channel.name, lastEventId: m.lastEventId, phase: m.status.phase, timezone: m.timezone }).replace(/</g, '\\u003c');
  return `<!doctype html>\n${
    html`<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>#${m.channel.name} · Wardwatch</title>
<meta name="color-scheme" content="light">
<link rel="icon" href="/assets/icon.svg?v=${v}" type="image/svg+xml">
<link rel="stylesheet" href="/assets/local.css?v=${v}">
<script type="module" src="/assets/local.js?v=${v}"></script>
</head>
<body>
<a class="skip-link" href="#composer-input">Skip to the command box</a>
<div class="app">
  <nav class="sidebar" aria-label="Channels">
    <div class="brand">
      <img src="/assets/icon.svg?v=${v}" alt="" width="28" height="28">
      <div><span class="brand-name">Wardwatch</span><span class="brand-sub">Local channel</span></div>
    </div>
    <h2 class="side-heading" id="channels-heading">Channels</h2>
    <ul class="channel-list" aria-labelledby="channels-heading">
      ${m.channels.map(
        (c) => html`<li><a class="channel-link" href="/c/${c.name}" data-channel="${c.name}"${c.name === m.channel.name ? html` aria-current="page"` : ''}>
        <span class="channel-name"><span class="hash" aria-hidden="true">#</span>${c.name}<span class="unread" hidden><span class="count">0</span><span class="visually-hidden"> new</span></span></span>
        <span class="channel-scope">${c.partnership.replace(/ Community Safety Partnership$/, ' CSP')} · ${c.areas}</span>
      </a></li>`,
      )}
    </ul>
    <section class="side-status" aria-labelledby="status-heading">
      <h2 class="side-heading" id="status-heading">Service</h2>
      <p id="status-text" class="status status--${m.status.phase}" role="status">${statusText(m.status)}</p>
    </section>
    ${
      m.devControls
        ? html`<section class="dev" aria-labelledby="dev-heading">
      <h2 class="side-heading" id="dev-heading">Demo controls</h2>
      <button type="button" id="simulate" class="dev-button"${m.status.phase === 'ready' ? '' : ' disabled'}>Simulate next month</button>
      <p class="dev-note" id="simulate-note">Loads the next month of data (months held back from the fixtures, then synthetic ones) and tells the channels, so you can watch what it brings arrive.</p>
      ${m.resetControl ? html`<button type="button" id="reset-simulation" class="dev-button"${m.status.phase === 'ready' ? '' : ' disabled'}>Reset simulated months</button>` : ''}
      <p class="dev-result" id="simulate-result" role="status"></p>
    </section>`
        : ''
    }
  </nav>
  <main class="channel" id="main" aria-labelledby="channel-title">
    <header class="channel-header">
      <h1 id="channel-title"><span class="hash" aria-hidden="true">#</span><span id="channel-name">${m.channel.name}</span></h1>
      <p class="channel-meta" id="channel-meta"><span class="meta-partnership">${m.channel.partnership}</span><span class="meta-sep" aria-hidden="true"> · </span><span>${m.channel.areas}</span><span class="meta-sep" aria-hidden="true"> · </span><span class="meta-clearance">${m.channel.clearance}</span></p>
      ${m.teamsView ? html`<button type="button" id="teams-view" class="view-toggle" aria-pressed="false" title="Show each reply as the Adaptive Card Microsoft Teams shows">Teams view</button>` : ''}
    </header>
    <div class="messages" id="messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages in #${m.channel.name}" tabindex="0">
      ${m.pane}
    </div>
    <form class="composer" id="composer" action="/api/ask" method="post" autocomplete="off">
      <label for="composer-input" class="composer-label">Ask Wardwatch in <span id="composer-channel">#${m.channel.name}</span></label>
      <div class="composer-box">
        <input id="composer-input" name="text" type="text" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="suggestions" aria-describedby="composer-hint" spellcheck="false" maxlength="500" placeholder="/crime market ward" required>
        <button type="submit" class="send" aria-label="Send">Send</button>
      </div>
      <ul id="suggestions" class="suggestions" role="listbox" aria-label="Suggestions" hidden></ul>
      <p class="composer-hint" id="composer-hint">Enter sends. Up and down arrows choose a suggestion, Tab or Enter takes it, Escape closes the list.</p>
    </form>
  </main>
</div>
<script id="boot" type="application/json">${new SafeHtml(boot)}</script>
</body>
</html>`.value
  }`;
}
