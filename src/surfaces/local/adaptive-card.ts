// The local page's "Teams view": an Adaptive Card (the JSON the Teams bot sends, handed in by the service)
// drawn as HTML, so a newcomer sees what Teams users will see without a tenant. A faithful rendering of
// the elements Wardwatch's cards use (TextBlock, FactSet, ColumnSet/Column, Container, Image, ActionSet,
// Action.Submit/Execute/OpenUrl/ToggleVisibility), not Microsoft's renderer: the `adaptivecards` package
// would have to be vendored into the page, and this page loads nothing it does not serve itself. Elements
// it does not know are shown by name, so a new element cannot vanish silently.
import { escapeHtml, html, SafeHtml } from './html.ts';

type Json = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The Markdown subset cards use: **bold**, _italic_, [text](url). Escaped first. */
function markdown(text: string): SafeHtml {
  const escaped = escapeHtml(text)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|\s)_(\S(?:.*?\S)?)_(?=\s|$|[.,;:!?])/g, '$1<em>$2</em>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, (_m, label: string, url: string) => `<a href="${url}" target="_blank" rel="noopener">${label}</a>`)
    .replace(/\n/g, '<br>');
  return new SafeHtml(escaped);
}

function classes(el: Json, base: string): string {
  const out = [base];
  for (const key of ['size', 'weight', 'color', 'style', 'spacing', 'horizontalAlignment', 'fontType']) {
    const v = str(el[key]);
    if (v) out.push(`${base}--${key}-${v.toLowerCase()}`);
  }
  if (el.isSubtle === true) out.push(`${base}--subtle`);
  if (el.separator === true) out.push('ac-separator');
  return out.join(' ');
}

interface RenderContext {
  /** Prefix for element ids, so two cards on one page do not share them. */
  idPrefix: string;
}

function action(a: Json, ctx: RenderContext): SafeHtml {
  const type = str(a.type);
  const title = str(a.title) || 'Action';
  const data = (a.data ?? {}) as Json;
  if (type === 'Action.Submit' && data.wardwatch === 'run' && typeof data.command === 'string') {
    return html`<button type="button" class="ac-action" data-command="${data.command}" title="Sends: crime ${data.command}">${title}</button>`;
  }
  if (type === 'Action.ToggleVisibility') {
    const targets = (Array.isArray(a.targetElements) ? a.targetElements : []).map((t) => `${ctx.idPrefix}${typeof t === 'string' ? t : str((t as Json).elementId)}`);
    return html`<button type="button" class="ac-action ac-action--toggle" data-ac-toggle="${targets.join(' ')}" aria-expanded="false" aria-controls="${targets.join(' ')}">${title}</button>`;
  }
  if (type === 'Action.OpenUrl') return html`<a class="ac-action" href="${str(a.url)}" target="_blank" rel="noopener">${title}</a>`;
  // Action.Execute (Acknowledge): answered by the bot in Teams; here it is only shown.
  return html`<button type="button" class="ac-action${str(a.style) === 'positive' ? ' ac-action--positive' : ''}" disabled title="${type}: works in Teams">${title}</button>`;
}

function element(el: Json, ctx: RenderContext): SafeHtml {
  const type = str(el.type);
  const id = str(el.id) ? html` id="${ctx.idPrefix}${str(el.id)}"` : html``;
  const hiddenAttr = el.isVisible === false ? html` hidden` : html``;
  switch (type) {
    case 'TextBlock': {
      const tag = str(el.style) === 'heading' ? 'h4' : 'p';
      return new SafeHtml(`<${tag} class="${classes(el, 'ac-text')}"${id.value}${hiddenAttr.value}>${markdown(str(el.text)).value}</${tag}>`);
    }
    case 'FactSet':
      return html`<dl class="${classes(el, 'ac-facts')}"${id}${hiddenAttr}>${(Array.isArray(el.facts) ? el.facts : []).map(
        (f) => html`<div class="ac-fact"><dt>${markdown(str((f as Json).title))}</dt><dd>${markdown(str((f as Json).value))}</dd></div>`,
      )}</dl>`;
    case 'ColumnSet':
      return html`<div class="${classes(el, 'ac-columns')}"${id}${hiddenAttr}>${(Array.isArray(el.columns) ? el.columns : []).map((c) => {
        const col = c as Json;
        const width = str(col.width) || 'auto';
        return html`<div class="ac-column ac-column--${width === 'stretch' ? 'stretch' : 'auto'}">${(Array.isArray(col.items) ? col.items : []).map((i) => element(i as Json, ctx))}</div>`;
      })}</div>`;
    case 'Container':
      return html`<div class="${classes(el, 'ac-container')}"${id}${hiddenAttr}>${(Array.isArray(el.items) ? el.items : []).map((i) => element(i as Json, ctx))}</div>`;
    case 'Image':
      return html`<figure class="ac-image"${id}${hiddenAttr}><img src="${str(el.url)}" alt="${str(el.altText)}" decoding="async"></figure>`;
    case 'ActionSet':
      return html`<div class="ac-actions"${id}${hiddenAttr}>${(Array.isArray(el.actions) ? el.actions : []).map((a) => action(a as Json, ctx))}</div>`;
    default:
      return html`<p class="ac-unknown">[${type || 'element'}]</p>`;
  }
}

/** An Adaptive Card as HTML, inside a frame that looks like a Teams message. */
export function renderAdaptiveCard(card: unknown, idPrefix: string): SafeHtml {
  const c = (card ?? {}) as Json;
  const ctx: RenderContext = { idPrefix: `${idPrefix}-ac-` };
  const body = Array.isArray(c.body) ? (c.body as Json[]) : [];
  const actions = Array.isArray(c.actions) ? (c.actions as Json[]) : [];
  return html`<div class="ac-card" role="group" aria-label="As an Adaptive Card in Microsoft Teams (version ${str(c.version)})">
  ${body.map((el) => element(el, ctx))}
  ${actions.length ? html`<div class="ac-actions ac-actions--card">${actions.map((a) => action(a, ctx))}</div>` : ''}
</div>`;
}
