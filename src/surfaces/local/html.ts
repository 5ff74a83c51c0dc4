// Server-side HTML for the local page: a tagged template that escapes every interpolated value, and the
// renderer that turns a platform-neutral Reply into a chat message (the Slack and Teams adapters render
// the same Reply as Block Kit and Adaptive Cards).
import type { Reply } from '../../core/reply.ts';

/** Markup that is already safe: produced by `html` or `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

type Value = SafeHtml | string | number | boolean | null | undefined | Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof SafeHtml) return value.value;
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: interpolations are escaped unless they are SafeHtml (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Escapes text and turns `code spans` into <code> (commands quote examples that way). */
export function inlineText(text: string): SafeHtml {
  return new SafeHtml(
    text
      .split(/(`[^`]+`)/)
      .map((part) => (part.length > 2 && part.startsWith('`') && part.endsWith('`') ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : escapeHtml(part)))
      .join(''),
  );
}

export interface MessageView {
  /** DOM id for the message (unique on the page). */
  domId: string;
  reply: Reply;
  /** URL of the chart PNG when the reply has a chart and charts can be rendered. */
  chartUrl?: string | undefined;
  /** URL of the reply's document (the brief's PDF), drawn on demand when opened. */
  attachmentUrl?: string | undefined;
  postedAt: Date;
  timezone: string;
  /** A delivered alert/summary ('delivered') or an answer to this visitor ('answer'). */
  origin: 'delivered' | 'answer';
  /** The same reply as the Adaptive Card Teams shows (the page's "Teams view" switches to it). */
  teamsCard?: SafeHtml | undefined;
}

const KIND_BADGE: Partial<Record<Reply['kind'], string>> = { alerts: 'Alert', brief: 'Brief', error: 'Problem' };

// Formatters kept by time zone: making an Intl.DateTimeFormat is costly (a profile of the page's ask put these
// two at 3.8% of the main thread's time when each message made its own).
const formatters = new Map<string, { time: Intl.DateTimeFormat; title: Intl.DateTimeFormat }>();

function formattersFor(timezone: string): { time: Intl.DateTimeFormat; title: Intl.DateTimeFormat } {
  let f = formatters.get(timezone);
  if (!f) {
    f = {
      time: new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit' }),
      title: new Intl.DateTimeFormat('en-GB', { timeZone: timezone, dateStyle: 'full', timeStyle: 'short' }),
    };
    formatters.set(timezone, f);
  }
  return f;
}

function timeOf(date: Date, timezone: string): string {
  return formattersFor(timezone).time.format(date);
}

function dateTimeTitle(date: Date, timezone: string): string {
  return formattersFor(timezone).title.format(date);
}

/** One bot message. */
export function renderReply(view: MessageView): SafeHtml {
  const { reply, domId } = view;
  const titleId = `${domId}-title`;
  const badge = view.origin === 'delivered' && reply.kind === 'answer' ? 'Update' : KIND_BADGE[reply.kind];
  const badgeClass = reply.kind === 'alerts' ? 'badge badge--alert' : reply.kind === 'error' ? 'badge badge--error' : 'badge badge--kind';
  const table = reply.table;
  const chart =
    reply.chart && view.chartUrl
      ? html`<figure class="chart">
        <a href="${view.chartUrl}" target="_blank" rel="noopener" class="chart-link" title="Open the chart full size"><img src="${view.chartUrl}" alt="${reply.chartAlt ?? reply.chart.title}" decoding="async"></a>
        ${reply.chartAlt ? html`<details class="chart-alt"><summary>Chart description</summary><p>${reply.chartAlt}</p></details>` : ''}
      </figure>`
      : reply.chart
        ? html`<p class="chart-missing">Chart: ${reply.chartAlt ?? reply.chart.title}</p>`
        : '';
  return html`<article class="msg msg--bot msg--${reply.kind}${view.origin === 'delivered' ? ' msg--delivered' : ''}" id="${domId}" aria-labelledby="${titleId}">
  <div class="avatar avatar--bot" aria-hidden="true">W</div>
  <div class="msg-body">
    <div class="msg-meta"><span class="author">Wardwatch</span><span class="badge badge--app">App</span><time datetime="${view.postedAt.toISOString()}" title="${dateTimeTitle(view.postedAt, view.timezone)}">${timeOf(view.postedAt, view.timezone)}</time>${badge ? html`<span class="${badgeClass}">${badge}</span>` : ''}${reply.ephemeral ? html`<span class="ephemeral">Only visible to you</span>` : ''}</div>
    <div class="native-view">
    <h3 class="reply-title" id="${titleId}">${reply.title}</h3>
    ${reply.summary ? html`<p class="summary">${inlineText(reply.summary)}</p>` : ''}
    ${
      reply.figures.length
        ? html`<dl class="figures">${reply.figures.map(
            (f) =>
              html`<div class="figure${f.suppressed ? ' figure--suppressed' : ''}" data-figure="${f.id}"><dt>${f.label}</dt><dd class="figure-value">${f.display}</dd>${f.synthetic ? html`<dd class="figure-synthetic">${f.synthetic}</dd>` : ''}<dd class="figure-wording">${f.wording}</dd></div>`,
          )}</dl>`
        : ''
    }
    ${
      table
        ? html`<div class="table-wrap"><table><thead><tr>${table.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead><tbody>${table.rows.map(
            (row) => html`<tr>${row.map((cell, i) => (i === 0 ? html`<th scope="row">${inlineText(cell)}</th>` : html`<td>${inlineText(cell)}</td>`))}</tr>`,
          )}</tbody></table></div>`
        : ''
    }
    ${chart}
    ${reply.attachment && view.attachmentUrl ? html`<p class="attachment"><a href="${view.attachmentUrl}" target="_blank" rel="noopener" type="application/pdf">PDF: ${reply.attachment.title}</a> <span class="attachment-name">(${reply.attachment.filename})</span></p>` : ''}
    ${reply.notes.length ? html`<ul class="notes" aria-label="Notes">${reply.notes.map((n) => html`<li>${inlineText(n)}</li>`)}</ul>` : ''}
    ${reply.about?.length ? html`<details class="about"><summary>About these figures</summary><ul>${reply.about.map((n) => html`<li>${inlineText(n)}</li>`)}</ul></details>` : ''}
    ${
      reply.actions.length
        ? html`<div class="actions" role="group" aria-label="Follow-ups for ${reply.title}">${reply.actions.map(
            (a) => html`<button type="button" class="action" data-command="${a.command}" title="/crime ${a.command}">${a.label}</button>`,
          )}</div>`
        : ''
    }
    </div>
    ${view.teamsCard ? html`<div class="teams-card-view">${view.teamsCard}</div>` : ''}
  </div>
</article>`;
}
