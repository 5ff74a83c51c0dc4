// Block Kit for a Reply: a header, the summary, key figures as section fields (at most 10 a section),
// the table as preformatted text, notes as context, and a button for each follow-up whose value is
// the command it runs. Everything is cut to Slack's limits (limits.ts) so no reply can be refused.
import type { Reply } from '../../core/reply.ts';
import { LIMITS, type ActionsBlock, type Block, type ContextBlock, type SectionBlock, type TextObject } from './limits.ts';

/** Buttons carry this action_id prefix; the app listens for it. */
export const RUN_ACTION_PREFIX = 'wardwatch_run_';

export interface SlackMessage {
  blocks: Block[];
  /** Fallback text for notifications and clients that cannot show blocks. */
  text: string;
}

export interface ReplyBlocksOptions {
  /** The chart goes with the message as an uploaded PNG; when false (ephemeral) its text alternative is shown. */
  chartAttached: boolean;
  /** Added as a context line (e.g. why a chart could not be drawn). */
  extraNotes?: string[];
  /** Who asked, shown as a context line on in-channel answers: "@jo asked `/crime market ward`". */
  askedBy?: { userId: string; text: string; command?: string } | undefined;
}

/** Slack mrkdwn needs &, < and > escaped; `**bold**` (Markdown) becomes `*bold*` (mrkdwn). */
export function mrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\*\*(.+?)\*\*/g, '*$1*');
}

/** Cuts to `max` characters, ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** Splits text into pieces of at most `max` characters, at line breaks where possible, then spaces. */
export function chunkText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.trim()) out.push(rest);
  return out;
}

const md = (text: string): TextObject => ({ type: 'mrkdwn', text });
const plain = (text: string): TextObject & { type: 'plain_text' } => ({ type: 'plain_text', text, emoji: true });

function section(text: string): SectionBlock {
  return { type: 'section', text: md(text) };
}

function contexts(lines: string[]): ContextBlock[] {
  const els = lines.filter((l) => l.trim()).map((l) => md(clip(mrkdwn(l), LIMITS.contextText)));
  const out: ContextBlock[] = [];
  for (let i = 0; i < els.length; i += LIMITS.contextElements) out.push({ type: 'context', elements: els.slice(i, i + LIMITS.contextElements) });
  return out;
}

/** Wider than this, a table reads better as a list than as a code block that wraps. */
const CODE_TABLE_WIDTH = 90;

/** The table as aligned monospace lines (cells cut to 40 characters). */
function tableLines(table: NonNullable<Reply['table']>): string[] {
  const cell = (s: string) => clip(String(s ?? ''), 40);
  const rows = [table.columns.map(cell), ...table.rows.map((r) => r.map(cell))];
  const widths = table.columns.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
}

/** A wide table as list lines: "• `/crime market ward`: key figures and a chart" (commands in code). */
function tableListLines(table: NonNullable<Reply['table']>): string[] {
  return table.rows.map((r) => {
    const [first = '', ...rest] = r.map((c) => mrkdwn(String(c ?? '')));
    const head = !first.trim() ? '' : first.startsWith('/') ? `\`${first.replace(/`/g, "'")}\`` : `*${first}*`;
    const tail = rest.filter((c) => c.trim()).join(' · ');
    return `• ${[head, tail].filter(Boolean).join(': ')}`;
  });
}

function naturalWidth(table: NonNullable<Reply['table']>): number {
  const rows = [table.columns, ...table.rows];
  return table.columns.reduce((sum, _, c) => sum + Math.max(...rows.map((r) => String(r[c] ?? '').length)) + 2, 0);
}

/** Code-block sections holding as many whole table lines as fit, at most `maxBlocks` of them. */
function tableSections(table: NonNullable<Reply['table']>, maxBlocks: number): { blocks: SectionBlock[]; rowsLeftOut: number } {
  const asList = naturalWidth(table) > CODE_TABLE_WIDTH;
  const fence = asList ? '' : '```';
  const room = LIMITS.sectionText - 2 * fence.length - 2;
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  let shown = 0;
  for (const raw of asList ? tableListLines(table) : tableLines(table).map(mrkdwn)) {
    const line = clip(raw, room);
    if (current.length && size + line.length + 1 > room) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    if (chunks.length >= maxBlocks) break;
    current.push(line);
    size += line.length + 1;
    shown += 1;
  }
  if (current.length) chunks.push(current);
  return {
    blocks: chunks.map((c) => section(asList ? c.join('\n') : `${fence}\n${c.join('\n')}\n${fence}`)),
    rowsLeftOut: table.rows.length - Math.max(0, shown - (asList ? 0 : 2)),
  };
}

/** The buttons: one per action, in actions blocks of at most 25; a command too long for a value is left out. */
export function actionBlocks(actions: Reply['actions']): ActionsBlock[] {
  const buttons = actions
    .filter((a) => a.command.trim() && a.command.length <= LIMITS.buttonValue)
    .map((a, i) => ({
      type: 'button' as const,
      text: plain(clip(a.label || a.command, LIMITS.buttonText)),
      action_id: `${RUN_ACTION_PREFIX}${i}`,
      value: a.command,
    }));
  const out: ActionsBlock[] = [];
  for (let i = 0; i < buttons.length; i += LIMITS.actionsElements) out.push({ type: 'actions', elements: buttons.slice(i, i + LIMITS.actionsElements) });
  return out;
}

/** The plain-text fallback: title, summary and each figure's sentence. */
export function fallbackText(reply: Reply): string {
  const parts = [reply.title, reply.summary ?? '', ...reply.figures.map((f) => f.wording)].filter((s) => s.trim());
  return clip(parts.join('\n'), 3000);
}

/** Renders a Reply as Block Kit, inside Slack's limits. */
export function replyBlocks(reply: Reply, options: ReplyBlocksOptions): SlackMessage {
  const head: Block[] = [{ type: 'header', text: plain(clip(reply.title.trim() || 'Wardwatch', LIMITS.headerText)) }];
  if (reply.summary?.trim())
    head.push(
      ...chunkText(clip(mrkdwn(reply.summary.trim()), 3 * LIMITS.sectionText - 10), LIMITS.sectionText)
        .slice(0, 3)
        .map(section),
    );

  const fields = reply.figures.map((f) =>
    md(
      clip(
        `*${mrkdwn(f.label)}*\n${mrkdwn(f.display)}${f.period && f.period.toLowerCase() !== f.label.toLowerCase() ? `\n_${mrkdwn(f.period)}_` : ''}${f.synthetic ? `\n:warning: _${mrkdwn(f.synthetic)}_` : ''}`,
        LIMITS.sectionFieldText,
      ),
    ),
  );
  const figureBlocks: SectionBlock[] = [];
  for (let i = 0; i < fields.length; i += LIMITS.sectionFields) figureBlocks.push({ type: 'section', fields: fields.slice(i, i + LIMITS.sectionFields) });

  const notes = [...reply.notes];
  if (reply.chart && !options.chartAttached && reply.chartAlt) notes.unshift(`Chart (not attached to private replies): ${reply.chartAlt}`);
  notes.push(...(options.extraNotes ?? []));
  const buttons = actionBlocks(reply.actions);

  // Figures, notes and buttons are kept; the table gets what is left of the 50 blocks (the notes
  // counted with two more lines: "table shortened" and who asked).
  const fixed = head.length + figureBlocks.length + buttons.length + Math.ceil((notes.length + 2) / LIMITS.contextElements) + (reply.about?.length ? 1 : 0);
  let tableBlocks: SectionBlock[] = [];
  if (reply.table && reply.table.rows.length) {
    const { blocks, rowsLeftOut } = tableSections(reply.table, Math.max(0, LIMITS.blocksPerMessage - fixed));
    tableBlocks = blocks;
    if (rowsLeftOut > 0) notes.unshift(`Table shortened: ${rowsLeftOut} more row${rowsLeftOut === 1 ? '' : 's'} not shown here.`);
  }
  // The method goes last, as one small-print context line headed "About these figures".
  const contextBlocks = [...contexts(notes), ...contexts(reply.about?.length ? [`*About these figures:* ${reply.about.join(' ')}`] : [])];
  if (options.askedBy && /^[UW][A-Z0-9]+$/.test(options.askedBy.userId)) {
    const asked = md(clip(`<@${options.askedBy.userId}> asked \`${mrkdwn(`${options.askedBy.command ?? '/crime'} ${options.askedBy.text}`.trim()).replace(/`/g, "'")}\``, 300));
    const first = contextBlocks[0];
    if (first && first.elements.length < LIMITS.contextElements) first.elements.unshift(asked);
    else contextBlocks.unshift({ type: 'context', elements: [asked] });
  }

  const blocks: Block[] = [...head, ...figureBlocks, ...tableBlocks, ...contextBlocks, ...buttons];
  if (blocks.length > LIMITS.blocksPerMessage) {
    // Only reachable with absurd numbers of figures: keep the head, the buttons and the first blocks between.
    const keepEnd = buttons.length;
    const middle = blocks.slice(head.length, blocks.length - keepEnd).slice(0, LIMITS.blocksPerMessage - head.length - keepEnd);
    return { blocks: [...head, ...middle, ...buttons], text: fallbackText(reply) };
  }
  return { blocks, text: fallbackText(reply) };
}

/** The reply to a command from a channel no configured channel points at: how to link it. */
export function unlinkedChannelMessage(where: { teamId: string; channelId: string; channelName?: string | undefined }): SlackMessage {
  const name =
    (where.channelName ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'my-channel';
  const snippet = [
    'channels:',
    `  - name: ${name}`,
    '    platform: slack',
    `    slackChannelId: ${where.channelId}`,
    `    slackTeamId: ${where.teamId}`,
    '    partnership: <one of the partnership ids in the file>',
    '    clearance: { smallNumbers: false, sensitive: false }',
  ].join('\n');
  const intro = `This channel is not linked to a Community Safety Partnership yet, so Wardwatch cannot say which area's figures it may show here.`;
  const how = `Ask your Wardwatch administrator to add this channel to \`wardwatch.config.yaml\` under \`channels:\` and restart Wardwatch:`;
  return {
    text: `${intro} ${how} slackChannelId ${where.channelId}, slackTeamId ${where.teamId}.`,
    blocks: [
      { type: 'header', text: plain('This channel is not linked yet') },
      section(mrkdwn(intro)),
      section(`${mrkdwn(how)}\n\`\`\`\n${mrkdwn(snippet)}\n\`\`\``),
      { type: 'context', elements: [md(`Channel ID \`${where.channelId}\` · workspace ID \`${where.teamId}\` · the README's "Install in Slack" section has the details.`)] },
    ],
  };
}

/** The ephemeral apology when Slack refused to take an answer. */
export function apologyMessage(reason: string, hint?: string): SlackMessage {
  const text = clip(`Sorry, I could not post that answer here (Slack said: ${clip(reason, 200)}).${hint ? ` ${hint}` : ''}`, LIMITS.sectionText);
  return { text, blocks: [section(mrkdwn(text))] };
}

/** Advice for the Slack errors a user can fix. */
export function hintFor(slackError: string): string | undefined {
  switch (slackError) {
    case 'not_in_channel':
    case 'channel_not_found':
      return 'Add the Wardwatch app to this channel (type `/invite @Wardwatch`), then ask again, or add `private` to get the answer just for you.';
    case 'is_archived':
      return 'This channel is archived.';
    case 'ratelimited':
      return 'Slack is limiting how fast apps may post; try again in a minute.';
    default:
      return 'The error has been logged for the operator. Adding `private` to the question shows the answer just to you.';
  }
}
