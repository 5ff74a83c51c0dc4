// Adaptive Cards (schema 1.4) for a Reply: the one renderer Teams uses, for the bot and for Workflows
// webhooks alike (Workflows rejects card versions above 1.4, so nothing here needs 1.5: no Table).
// Layout, top to bottom: the title, the key fact (mobile notifications and some clients show only the
// first blocks: Alertmanager's card showed only its title on mobile, prometheus/alertmanager#3943), the
// summary, the key figures as a FactSet, the table (one ColumnSet per row), the chart as an image URL,
// the notes and "About these figures" (how they were made) each in a part the reader opens
// (Action.ToggleVisibility), and the follow-ups as actions. A figure that stands on synthetic data says
// so beside its value, as the Slack and local renderers do.
// Every card is measured against the message limit and shortened (table rows first) until it fits.
import { parseAckCommand } from '../../alerting/acknowledge.ts';
import type { Reply } from '../../core/reply.ts';

export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const CARD_VERSION = '1.4';
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/**
 * The size a card may reach, counted as Teams counts it (UTF-16, two bytes a code unit) over the whole
 * message envelope. Workflows webhooks refuse about 28 KB (413); bot messages allow about 100 KB, but
 * one card serves both, so the smaller limit holds. [learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages;
 * learn.microsoft.com/answers/questions/2152702]
 */
export const CARD_MAX_BYTES = 28_000;
/** Teams shows at most six card-level actions; more go in action rows inside the body. */
const MAX_CARD_ACTIONS = 6;
const NOTES_ID = 'wardwatch-notes';
const ABOUT_ID = 'wardwatch-about';

export type CardElement = Record<string, unknown> & { type: string };
export type CardAction = Record<string, unknown> & { type: string; title: string };

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: CardElement[];
  actions?: CardAction[];
  msteams?: { width: 'Full' };
  fallbackText?: string;
}

/** What a card's buttons send back to the bot (Action.Submit data, Action.Execute data). */
export type CardData = { wardwatch: 'run'; command: string } | { wardwatch: 'ack'; alertId: string; channel?: string };

/** An alert the card offers to acknowledge. */
export interface AcknowledgeTarget {
  alertId: string;
  /** The label on the button (default "Acknowledge"). */
  label?: string;
}

export interface CardOptions {
  /** The chart's PNG at an address Teams can fetch anonymously (PUBLIC_URL + an unguessable id). */
  chartUrl?: string | undefined;
  /** Said instead of the chart when it cannot be shown (no PUBLIC_URL, drawing failed). */
  chartNote?: string | undefined;
  /** The reply's document (the brief's PDF) at an address Teams can open (PUBLIC_URL + a random, expiring id). */
  documentUrl?: string | undefined;
  /** Said instead of the document link when there is none. */
  documentNote?: string | undefined;
  /**
   * 'bot': follow-ups are Action.Submit and Acknowledge is Action.Execute (with a Submit fallback);
   * 'webhook': a Workflows card cannot call back, so follow-ups are left out and Acknowledge opens `ackUrl`.
   */
  mode: 'bot' | 'webhook';
  /** Webhook cards: the signed local-page link that records an acknowledgement, per alert id. */
  ackUrl?: ((alertId: string) => string | undefined) | undefined;
  /** The channel name, carried in the Acknowledge data so the bot knows where it was pressed. */
  channel?: string | undefined;
  /** Who asked, shown under the answer in a shared conversation: "Jo Bloggs asked: crime market ward". */
  askedBy?: { name: string; text: string } | undefined;
  /** How users start a command here (for the asked-by line): 'crime'. */
  prefix?: string | undefined;
  /** Default CARD_MAX_BYTES. */
  maxBytes?: number | undefined;
}

export interface RenderedCard {
  card: AdaptiveCard;
  /** The card's size as Teams counts it (UTF-16 bytes of the message envelope). */
  bytes: number;
  /** Table rows shown and left out to keep under the limit. */
  rowsShown: number;
  rowsLeftOut: number;
  /** What else had to go (notes, figures, the summary) when even no table did not fit. */
  shortened: string[];
}

/** The Workflows envelope (also what a bot message's attachment looks like). */
export function cardMessage(card: AdaptiveCard): { type: 'message'; attachments: Array<{ contentType: string; contentUrl: null; content: AdaptiveCard }> } {
  return { type: 'message', attachments: [{ contentType: CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}

/** Bytes as Teams counts them: UTF-16. */
export function cardBytes(card: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(cardMessage(card)), 'utf16le');
}

/** Cuts to `max` characters, ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * Reply text to Adaptive Card text. Cards render a Markdown subset (bold, italic, lists, links) with no
 * code spans: a `command` becomes bold. A stray asterisk or underscore is left as typed.
 */
export function cardText(text: string): string {
  return text.replace(/`([^`]+)`/g, '**$1**');
}

/** The alerts a reply offers to acknowledge: follow-ups whose command is `alerts ack <id>` (the alerting digest's buttons), or `reply.data.acknowledge`. */
export function acknowledgeTargets(reply: Reply): AcknowledgeTarget[] {
  const out: AcknowledgeTarget[] = [];
  const data = reply.data as { acknowledge?: unknown } | undefined;
  const listed = data?.acknowledge;
  for (const item of Array.isArray(listed) ? listed : listed ? [listed] : []) {
    const id = (item as { alertId?: unknown })?.alertId;
    if (typeof id === 'string' || typeof id === 'number') {
      const label = (item as { label?: unknown }).label;
      out.push({ alertId: String(id), ...(typeof label === 'string' ? { label } : {}) });
    }
  }
  for (const a of reply.actions) {
    const id = parseAckCommand(a.command);
    if (id !== null && !out.some((t) => t.alertId === String(id))) out.push({ alertId: String(id), label: a.label });
  }
  return out;
}

const isAckCommand = (command: string) => parseAckCommand(command) !== null;

function textBlock(text: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

/** The key fact: the sentence a reader needs if they read nothing else (the first figure's, else the summary's first sentence). */
export function keyFact(reply: Reply): string | undefined {
  const first = reply.figures.find((f) => f.wording.trim());
  if (first) return first.wording.trim();
  const summary = reply.summary?.trim();
  if (!summary) return undefined;
  return /^(.+?[.!?])(\s|$)/.exec(summary)?.[1] ?? summary;
}

function factSet(reply: Reply, limit: number): CardElement | null {
  const facts = reply.figures.slice(0, limit).map((f) => ({
    title: clip(f.label, 60),
    value: clip(cardText(f.display + (f.period && f.period.toLowerCase() !== f.label.toLowerCase() ? ` (${f.period})` : '') + (f.synthetic ? ` · ⚠ ${f.synthetic}` : '')), 260),
  }));
  return facts.length ? { type: 'FactSet', facts } : null;
}

/** The table: a header row and one ColumnSet per row (a 1.4 card has no Table element). */
function tableElements(table: NonNullable<Reply['table']>, rows: number): CardElement[] {
  if (rows <= 0) return [];
  // Wider first column (names), narrower figures.
  const width = (c: number) => (c === 0 ? 'stretch' : 'auto');
  const row = (cells: string[], header: boolean, index: number): CardElement => ({
    type: 'ColumnSet',
    spacing: header ? 'Medium' : 'None',
    ...(header ? { separator: true } : index % 2 === 1 ? { style: 'emphasis' } : {}),
    columns: table.columns.map((_, c) => ({
      type: 'Column',
      width: width(c),
      items: [
        {
          type: 'TextBlock',
          text: clip(cardText(String(cells[c] ?? '')), 80),
          wrap: true,
          spacing: 'None',
          ...(header ? { weight: 'Bolder', isSubtle: true } : {}),
          ...(c > 0 ? { horizontalAlignment: 'Right' } : {}),
        },
      ],
    })),
  });
  return [row(table.columns, true, 0), ...table.rows.slice(0, rows).map((r, i) => row(r, false, i))];
}

function submitAction(title: string, data: CardData): CardAction {
  return { type: 'Action.Submit', title: clip(title, 60), data };
}

function ackActions(targets: AcknowledgeTarget[], options: CardOptions): CardAction[] {
  return targets.flatMap((t): CardAction[] => {
    const title = clip(t.label ?? 'Acknowledge', 60);
    const data: CardData = { wardwatch: 'ack', alertId: t.alertId, ...(options.channel ? { channel: options.channel } : {}) };
    if (options.mode === 'bot') {
      // Universal Actions: the bot receives adaptiveCard/action and answers with the updated card;
      // older clients fall back to a plain Submit (a message activity carrying the same data).
      return [{ type: 'Action.Execute', title, verb: 'acknowledge', data, style: 'positive', fallback: submitAction(title, data) }];
    }
    const url = options.ackUrl?.(t.alertId);
    return url ? [{ type: 'Action.OpenUrl', title, url }] : [];
  });
}

interface Shape {
  rows: number;
  notes: number;
  /** Paragraphs of "About these figures" kept. */
  about: number;
  figures: number;
  summary: number;
}

function build(reply: Reply, options: CardOptions, shape: Shape, extraNotes: string[]): AdaptiveCard {
  const body: CardElement[] = [];
  const title = clip(reply.title.trim() || 'Wardwatch', 200);
  body.push(textBlock(cardText(title), { size: 'Medium', weight: 'Bolder', style: 'heading', ...(reply.kind === 'alerts' ? { color: 'Attention' } : {}) }));
  const fact = keyFact(reply);
  if (fact) body.push(textBlock(clip(cardText(fact), 400), { weight: 'Bolder', spacing: 'Small' }));
  const summary = reply.summary?.trim();
  if (summary && summary !== fact && shape.summary > 0) body.push(textBlock(clip(cardText(summary), shape.summary), { spacing: 'Small' }));
  const facts = factSet(reply, shape.figures);
  if (facts) body.push(facts);
  if (reply.table && reply.table.rows.length) body.push(...tableElements(reply.table, shape.rows));
  if (reply.chart && options.chartUrl) {
    const alt = clip(reply.chartAlt ?? reply.chart.title, 1000);
    body.push({
      type: 'Image',
      url: options.chartUrl,
      altText: alt,
      size: 'Stretch',
      spacing: 'Medium',
      selectAction: { type: 'Action.OpenUrl', title: 'Open the chart', url: options.chartUrl },
    });
  }
  if (reply.attachment && options.documentUrl)
    body.push({
      type: 'ActionSet',
      spacing: 'Medium',
      actions: [{ type: 'Action.OpenUrl', title: `Open the PDF: ${clip(reply.attachment.title, 60)}`, url: options.documentUrl }],
    });
  if (options.askedBy) {
    const asked = `${options.askedBy.name} asked: ${options.prefix ?? 'crime'} ${options.askedBy.text}`.trim();
    body.push(textBlock(clip(asked, 300), { size: 'Small', isSubtle: true, spacing: 'Small' }));
  }

  const notes = [...extraNotes, ...reply.notes.slice(0, shape.notes)];
  if (reply.chart && !options.chartUrl) notes.unshift(options.chartNote ?? `Chart: ${reply.chartAlt ?? reply.chart.title}`);
  if (reply.attachment && !options.documentUrl && options.documentNote) notes.unshift(options.documentNote);
  if (notes.length) {
    body.push({
      type: 'ActionSet',
      spacing: 'Medium',
      actions: [{ type: 'Action.ToggleVisibility', title: `Notes and sources (${notes.length})`, targetElements: [NOTES_ID] }],
    });
    body.push({
      type: 'Container',
      id: NOTES_ID,
      isVisible: false,
      items: notes.map((n) => textBlock(clip(cardText(n), 1200), { size: 'Small', isSubtle: true, spacing: 'Small' })),
    });
  }
  const about = (reply.about ?? []).slice(0, shape.about).filter((a) => a.trim());
  if (about.length) {
    body.push({
      type: 'ActionSet',
      spacing: notes.length ? 'Small' : 'Medium',
      actions: [{ type: 'Action.ToggleVisibility', title: 'About these figures', targetElements: [ABOUT_ID] }],
    });
    body.push({
      type: 'Container',
      id: ABOUT_ID,
      isVisible: false,
      items: about.map((n) => textBlock(clip(cardText(n), 1200), { size: 'Small', isSubtle: true, spacing: 'Small' })),
    });
  }

  const targets = acknowledgeTargets(reply);
  const actions: CardAction[] = [...ackActions(targets, options)];
  if (options.mode === 'bot') {
    for (const a of reply.actions) {
      if (!a.command.trim() || isAckCommand(a.command)) continue;
      actions.push(submitAction(a.label || a.command, { wardwatch: 'run', command: a.command }));
    }
  }
  const card: AdaptiveCard = {
    $schema: CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    body,
    msteams: { width: 'Full' },
    fallbackText: clip(fact ? `${title}: ${fact}` : title, 300),
  };
  if (actions.length <= MAX_CARD_ACTIONS) {
    if (actions.length) card.actions = actions;
  } else {
    card.actions = actions.slice(0, MAX_CARD_ACTIONS);
    for (let i = MAX_CARD_ACTIONS; i < actions.length; i += 5) body.push({ type: 'ActionSet', actions: actions.slice(i, i + 5) });
  }
  return card;
}

/**
 * Renders a Reply as an Adaptive Card under the size limit. Table rows go first (the note says how many
 * were left out), then notes, figures beyond the first six and the summary's tail; a card that still does
 * not fit says so and keeps only its title and key fact.
 */
export function replyCard(reply: Reply, options: CardOptions): RenderedCard {
  const max = options.maxBytes ?? CARD_MAX_BYTES;
  const totalRows = reply.table?.rows.length ?? 0;
  const aboutCount = reply.about?.length ?? 0;
  const full: Shape = { rows: totalRows, notes: reply.notes.length, about: aboutCount, figures: reply.figures.length, summary: 3000 };
  const shortNote = (left: number) => (left > 0 ? [`Table shortened: ${left} more row${left === 1 ? '' : 's'} not shown here (a Teams card holds about 28 KB).`] : []);
  const attempt = (shape: Shape): RenderedCard => {
    const card = build(reply, options, shape, shortNote(totalRows - shape.rows));
    return { card, bytes: cardBytes(card), rowsShown: shape.rows, rowsLeftOut: totalRows - shape.rows, shortened: [] };
  };
  const first = attempt(full);
  if (first.bytes <= max) return first;

  // The most rows that fit (binary search: size grows with rows).
  let lo = 0;
  let hi = totalRows;
  let best: RenderedCard | null = null;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = attempt({ ...full, rows: mid });
    if (r.bytes <= max) {
      best = r;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best) return best;

  // No table at all still too big: trim the rest, step by step.
  const steps: Array<[string, Shape]> = [
    ['notes beyond the first three', { rows: 0, notes: Math.min(3, reply.notes.length), about: aboutCount, figures: full.figures, summary: 3000 }],
    ['"About these figures"', { rows: 0, notes: Math.min(3, reply.notes.length), about: 0, figures: full.figures, summary: 3000 }],
    ['figures beyond the first six', { rows: 0, notes: Math.min(3, reply.notes.length), about: 0, figures: Math.min(6, full.figures), summary: 3000 }],
    ['the end of the summary', { rows: 0, notes: 0, about: 0, figures: Math.min(6, full.figures), summary: 500 }],
  ];
  const shortened: string[] = [];
  for (const [what, shape] of steps) {
    shortened.push(what);
    const r = attempt(shape);
    if (r.bytes <= max) return { ...r, shortened: [...shortened] };
  }
  const minimal: Reply = {
    kind: reply.kind,
    title: clip(reply.title, 120),
    figures: reply.figures.slice(0, 1),
    notes: ['This answer is too large for a Teams card. Ask for a smaller area or period, or see it on the Wardwatch page.'],
    actions: [],
    ...(reply.summary ? { summary: clip(reply.summary, 300) } : {}),
  };
  const card = build(minimal, { ...options, chartUrl: undefined }, { rows: 0, notes: 1, about: 0, figures: 1, summary: 300 }, []);
  return { card, bytes: cardBytes(card), rowsShown: 0, rowsLeftOut: totalRows, shortened: [...shortened, 'everything but the title and key fact'] };
}

/** The card a conversation gets when it is not linked to a channel in the config: the block to paste. */
export function unlinkedCard(where: { conversationId: string; conversationType: string; name?: string | undefined; tenantId?: string | undefined }): AdaptiveCard {
  const name =
    (where.name ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'my-teams-channel';
  const snippet = [
    'channels:',
    `  - name: ${name}`,
    '    platform: teams',
    `    teamsConversationId: "${where.conversationId}"`,
    '    partnership: <one of the partnership ids in the file>',
    '    clearance: { smallNumbers: false, sensitive: false }',
  ].join('\n');
  const what = where.conversationType === 'personal' ? 'This chat' : where.conversationType === 'groupChat' ? 'This group chat' : 'This channel';
  const intro = `${what} is not linked to a Community Safety Partnership yet, so Wardwatch cannot say which area's figures it may show here.`;
  const how = 'Ask your Wardwatch administrator to add it to wardwatch.config.yaml under channels: and restart Wardwatch:';
  return {
    $schema: CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    msteams: { width: 'Full' },
    fallbackText: `${intro} teamsConversationId: ${where.conversationId}`,
    body: [
      textBlock(`${what} is not linked yet`, { size: 'Medium', weight: 'Bolder', style: 'heading' }),
      textBlock(intro),
      textBlock(how, { spacing: 'Small' }),
      { type: 'Container', style: 'emphasis', items: [textBlock(snippet, { fontType: 'Monospace', size: 'Small' })] },
      textBlock(`Conversation id ${where.conversationId}${where.tenantId ? ` · tenant ${where.tenantId}` : ''} · the README's "Install in Teams" section has the details.`, {
        size: 'Small',
        isSubtle: true,
      }),
    ],
  };
}

/** A short card: an apology or a confirmation. */
export function noticeCard(title: string, text: string): AdaptiveCard {
  return {
    $schema: CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    fallbackText: `${title}: ${text}`,
    body: [textBlock(cardText(title), { weight: 'Bolder' }), textBlock(cardText(text), { spacing: 'Small' })],
  };
}
