// Slack's published Block Kit limits for messages, and a checker that lists every breach in a message.
// The renderer (blocks.ts) is built to stay inside these; the tests run every command's reply through
// `blockKitProblems` so a breach fails a test instead of an `invalid_blocks` error in a council's channel.
// Lengths are counted in UTF-16 code units (JavaScript's length), which is never fewer than Slack's
// character count, so a message that passes here is inside Slack's limits.

export const LIMITS = {
  blocksPerMessage: 50,
  blockId: 255,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  /** Top-level `text` of chat.postMessage; Slack truncates beyond 40,000 characters. */
  messageText: 40_000,
  /** files.getUploadURLExternal: "alt_txt_too_large" beyond 1,000 characters. */
  fileAltText: 1000,
} as const;

export interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}
export interface HeaderBlock {
  type: 'header';
  block_id?: string;
  text: TextObject & { type: 'plain_text' };
}
export interface SectionBlock {
  type: 'section';
  block_id?: string;
  text?: TextObject;
  fields?: TextObject[];
}
export interface ContextBlock {
  type: 'context';
  block_id?: string;
  elements: TextObject[];
}
export interface ButtonElement {
  type: 'button';
  text: TextObject & { type: 'plain_text' };
  action_id: string;
  value?: string;
  style?: 'primary' | 'danger';
}
export interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: ButtonElement[];
}
export interface DividerBlock {
  type: 'divider';
  block_id?: string;
}
export type Block = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock | DividerBlock;

/** Every way `blocks` (and the fallback `text`) break Slack's limits; empty when the message is valid. */
export function blockKitProblems(blocks: unknown[], text?: string): string[] {
  const problems: string[] = [];
  const say = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!Array.isArray(blocks)) return ['blocks: not an array'];
  if (blocks.length === 0) problems.push('blocks: empty (send text instead)');
  if (blocks.length > LIMITS.blocksPerMessage) problems.push(`blocks: ${blocks.length} blocks, more than ${LIMITS.blocksPerMessage}`);
  if (text !== undefined && text.length > LIMITS.messageText) problems.push(`text: ${text.length} characters, more than ${LIMITS.messageText}`);
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();

  const checkText = (where: string, t: unknown, max: number, type?: TextObject['type']) => {
    const obj = t as Partial<TextObject> | undefined;
    if (!obj || typeof obj !== 'object') return say(where, 'missing text object');
    if (obj.type !== 'plain_text' && obj.type !== 'mrkdwn') say(where, `text type "${String(obj.type)}" is not plain_text or mrkdwn`);
    if (type && obj.type !== type) say(where, `must be ${type}, found ${String(obj.type)}`);
    if (typeof obj.text !== 'string') return say(where, 'text is not a string');
    if (obj.text.trim().length === 0) say(where, 'text is empty (Slack rejects empty text)');
    if (obj.text.length > max) say(where, `${obj.text.length} characters, more than ${max}`);
  };

  blocks.forEach((raw, i) => {
    const b = raw as Record<string, unknown>;
    const where = `blocks[${i}] (${String(b?.type)})`;
    if (typeof b?.block_id === 'string') {
      if (b.block_id.length > LIMITS.blockId) say(where, `block_id longer than ${LIMITS.blockId}`);
      if (blockIds.has(b.block_id)) say(where, `block_id "${b.block_id}" used twice`);
      blockIds.add(b.block_id);
    }
    switch (b?.type) {
      case 'header':
        checkText(`${where}.text`, b.text, LIMITS.headerText, 'plain_text');
        break;
      case 'section': {
        const fields = b.fields as unknown[] | undefined;
        if (b.text === undefined && (!Array.isArray(fields) || fields.length === 0)) say(where, 'needs text or fields');
        if (b.text !== undefined) checkText(`${where}.text`, b.text, LIMITS.sectionText);
        if (fields !== undefined) {
          if (!Array.isArray(fields)) say(where, 'fields is not an array');
          else {
            if (fields.length > LIMITS.sectionFields) say(where, `${fields.length} fields, more than ${LIMITS.sectionFields}`);
            fields.forEach((f, j) => checkText(`${where}.fields[${j}]`, f, LIMITS.sectionFieldText));
          }
        }
        break;
      }
      case 'context': {
        const els = b.elements as unknown[] | undefined;
        if (!Array.isArray(els) || els.length === 0) say(where, 'needs at least one element');
        else {
          if (els.length > LIMITS.contextElements) say(where, `${els.length} elements, more than ${LIMITS.contextElements}`);
          els.forEach((e, j) => checkText(`${where}.elements[${j}]`, e, LIMITS.contextText));
        }
        break;
      }
      case 'actions': {
        const els = b.elements as unknown[] | undefined;
        if (!Array.isArray(els) || els.length === 0) say(where, 'needs at least one element');
        else {
          if (els.length > LIMITS.actionsElements) say(where, `${els.length} elements, more than ${LIMITS.actionsElements}`);
          els.forEach((raw2, j) => {
            const e = raw2 as Record<string, unknown>;
            const w = `${where}.elements[${j}]`;
            if (e.type !== 'button') return say(w, `element type "${String(e.type)}" not expected`);
            checkText(`${w}.text`, e.text, LIMITS.buttonText, 'plain_text');
            if (typeof e.action_id !== 'string' || !e.action_id) say(w, 'missing action_id');
            else {
              if (e.action_id.length > LIMITS.actionId) say(w, `action_id longer than ${LIMITS.actionId}`);
              if (actionIds.has(e.action_id)) say(w, `action_id "${e.action_id}" used twice`);
              actionIds.add(e.action_id);
            }
            if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > LIMITS.buttonValue)) say(w, `value longer than ${LIMITS.buttonValue}`);
          });
        }
        break;
      }
      case 'divider':
        break;
      default:
        say(where, 'unknown block type');
    }
  });
  return problems;
}
