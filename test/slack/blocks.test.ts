// Block Kit rendering against Slack's published limits: the checker itself (it must catch each breach),
// extreme hand-made replies, and every example of every command answered by the real dispatcher over
// the fixture store, in both channel clearances, rendered both with and without an attached chart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands, answer } from '../../src/core/dispatch.ts';
import { makeContext } from '../../src/core/context.ts';
import type { Reply } from '../../src/core/reply.ts';
import { apologyMessage, clip, hintFor, mrkdwn, replyBlocks, unlinkedChannelMessage } from '../../src/surfaces/slack/blocks.ts';
import { parsePrivacy } from '../../src/surfaces/slack/handlers.ts';
import { blockKitProblems, LIMITS } from '../../src/surfaces/slack/limits.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { slackTestConfig } from './helpers.ts';

const long = (n: number, word = 'word ') => word.repeat(Math.ceil(n / word.length)).slice(0, n);

describe('blockKitProblems catches every limit', () => {
  const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
  const sectionText = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const button = (text: string, value: string, id = 'a') => ({ type: 'button', text: { type: 'plain_text', text }, action_id: id, value });
  const cases: Array<[string, unknown[], RegExp]> = [
    ['51 blocks', Array.from({ length: 51 }, () => sectionText('x')), /51 blocks, more than 50/],
    ['header of 151', [header(long(151))], /151 characters, more than 150/],
    ['section text of 3001', [sectionText(long(3001))], /3001 characters, more than 3000/],
    ['11 fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }], /11 fields, more than 10/],
    ['field of 2001', [{ type: 'section', fields: [{ type: 'mrkdwn', text: long(2001) }] }], /2001 characters, more than 2000/],
    ['11 context elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'n' })) }], /11 elements, more than 10/],
    ['button text of 76', [{ type: 'actions', elements: [button(long(76), 'v')] }], /76 characters, more than 75/],
    ['button value of 2001', [{ type: 'actions', elements: [button('ok', long(2001))] }], /value longer than 2000/],
    ['26 buttons', [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button('b', 'v', `a${i}`)) }], /26 elements, more than 25/],
    ['duplicate action_id', [{ type: 'actions', elements: [button('a', 'v', 'x'), button('b', 'v', 'x')] }], /used twice/],
    ['mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }], /must be plain_text/],
    ['empty text', [sectionText('  ')], /empty/],
    ['unknown block', [{ type: 'image' }], /unknown block type/],
  ];
  for (const [name, blocks, problem] of cases) {
    it(name, () => {
      const problems = blockKitProblems(blocks);
      expect(
        problems.some((p) => problem.test(p)),
        problems.join('\n'),
      ).toBe(true);
    });
  }
  it('passes a message at every limit exactly', () => {
    const blocks = [
      header(long(150)),
      sectionText(long(3000)),
      { type: 'section', fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: long(2000) })) },
      { type: 'actions', elements: Array.from({ length: 25 }, (_, i) => button(long(75), long(2000), `a${i}`)) },
      ...Array.from({ length: 46 }, () => ({ type: 'divider' })),
    ];
    expect(blocks).toHaveLength(50);
    expect(blockKitProblems(blocks)).toEqual([]);
  });
});

describe('replyBlocks', () => {
  const huge: Reply = {
    kind: 'answer',
    title: long(400, 'Burglary in Market ward '),
    summary: long(9000, 'A very long summary sentence. '),
    figures: Array.from({ length: 37 }, (_, i) => ({
      id: `f${i}`,
      label: long(300, `Label ${i} `),
      value: i,
      display: long(2500, `${i} `),
      period: 'Year ending September 2025',
      wording: long(500, 'wording '),
    })),
    table: { columns: ['Ward', 'Count', 'Rate per 1,000', 'Change'], rows: Array.from({ length: 5000 }, (_, i) => [`Ward ${i} <&>`, String(i), '12.3', '+5%']) },
    notes: Array.from({ length: 23 }, (_, i) => long(4000, `Note ${i} `)),
    actions: Array.from({ length: 31 }, (_, i) => ({ label: long(120, `Follow-up ${i} `), command: i === 30 ? long(2500) : `market ward ${i}` })),
    chart: { kind: 'year-ending', title: 'YE', periods: ['a'], groups: [{ label: 'x', values: [1] }], source: 's' },
    chartAlt: long(5000, 'alt '),
  };

  it('keeps an extreme reply inside every limit, with figures, notes and buttons kept and the table cut', () => {
    for (const chartAttached of [true, false]) {
      const { blocks, text } = replyBlocks(huge, { chartAttached, askedBy: { userId: 'U0ASKER0001', text: long(500) } });
      expect(blockKitProblems(blocks, text)).toEqual([]);
      expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
      expect(blocks.filter((b) => b.type === 'section' && 'fields' in b)).toHaveLength(4); // 37 figures, 10 a section
      expect(blocks.filter((b) => b.type === 'actions').flatMap((b) => ('elements' in b ? b.elements : []))).toHaveLength(30); // the 2,500-char command cannot be a value
      expect(JSON.stringify(blocks)).toMatch(/Table shortened: \d+ more rows not shown here\./);
    }
  });

  it('escapes &, < and > in mrkdwn and turns **bold** into *bold*', () => {
    expect(mrkdwn('<b> & **strong**')).toBe('&lt;b&gt; &amp; *strong*');
    const { blocks } = replyBlocks({ kind: 'answer', title: 'T <x>', summary: 'A & B <script>', figures: [], notes: [], actions: [] }, { chartAttached: false });
    expect(JSON.stringify(blocks)).toContain('A &amp; B &lt;script&gt;');
    expect(JSON.stringify(blocks[0])).toContain('T <x>'); // plain_text header is not escaped
  });

  it('renders a narrow table as an aligned code block and a wide one as a list', () => {
    const narrow = replyBlocks(
      {
        kind: 'answer',
        title: 'T',
        figures: [],
        notes: [],
        actions: [],
        table: {
          columns: ['Ward', 'Rate'],
          rows: [
            ['Market', '17.1'],
            ['Abbey', '9.0'],
          ],
        },
      },
      { chartAttached: false },
    );
    expect(JSON.stringify(narrow.blocks)).toContain('```\\nWard    Rate\\n------  ----\\nMarket  17.1');
    const wide = replyBlocks(
      {
        kind: 'help',
        title: 'T',
        figures: [],
        notes: [],
        actions: [],
        table: { columns: ['Type', 'What it does'], rows: [['/crime market ward', long(120, 'key figures and a chart ')]] },
      },
      { chartAttached: false },
    );
    const text = JSON.stringify(wide.blocks);
    expect(text).toContain('• `/crime market ward`: key figures');
    expect(text).not.toContain('```');
  });

  it('shows the chart text alternative when the chart cannot go with the message', () => {
    const reply: Reply = { kind: 'answer', title: 'T', figures: [], notes: ['n'], actions: [], chart: huge.chart!, chartAlt: 'A line chart of 24 months.' };
    expect(JSON.stringify(replyBlocks(reply, { chartAttached: false }).blocks)).toContain('A line chart of 24 months.');
    expect(JSON.stringify(replyBlocks(reply, { chartAttached: true }).blocks)).not.toContain('A line chart of 24 months.');
  });

  it('clip and the fixed messages stay inside limits', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    const unlinked = unlinkedChannelMessage({ teamId: 'T1', channelId: 'C0123456789', channelName: 'CSP & friends' });
    expect(blockKitProblems(unlinked.blocks, unlinked.text)).toEqual([]);
    const sorry = apologyMessage(long(5000), hintFor('not_in_channel'));
    expect(blockKitProblems(sorry.blocks, sorry.text)).toEqual([]);
  });

  it('parsePrivacy strips the word "private" wherever it is', () => {
    expect(parsePrivacy('market ward private')).toEqual({ text: 'market ward', private: true });
    expect(parsePrivacy('Private top asb')).toEqual({ text: 'top asb', private: true });
    expect(parsePrivacy('compare market castle')).toEqual({ text: 'compare market castle', private: false });
    // however it is typed: capitals, punctuation, brackets, a flag
    for (const typed of ['market ward Private.', 'market ward (private)', 'PRIVATE: market ward', 'market ward --private', 'market ward private!', 'market ward "private"']) {
      expect(parsePrivacy(typed), typed).toEqual({ text: 'market ward', private: true });
    }
    expect(parsePrivacy('market ward, private')).toEqual({ text: 'market ward', private: true });
    expect(parsePrivacy('privately market')).toEqual({ text: 'privately market', private: false });
  });
});

describe('replies from every command, through the real dispatcher and the fixture store', () => {
  let st: TempStore;
  beforeAll(async () => {
    st = await fixtureStore();
  });
  afterAll(() => st?.cleanup());

  it('fit Slack for every usage example, in both clearances, with and without the chart', async () => {
    const config = slackTestConfig();
    const all = await commands();
    const examples = [...new Set([...all.flatMap((c) => c.usage), '', 'nonsense words here', 'market ward', 'top asb', 'compare market castle'])];
    let rendered = 0;
    for (const channelName of ['cambridge-slack', 'cambridge-analysts-slack']) {
      const ctx = makeContext({ store: st.store, config, channel: channelName, now: new Date('2025-11-15T12:00:00Z') });
      for (const example of examples) {
        const reply = await answer(example, ctx);
        for (const chartAttached of [true, false]) {
          const { blocks, text } = replyBlocks(reply, { chartAttached, askedBy: { userId: 'U0ASKER0001', text: example } });
          expect(blockKitProblems(blocks, text), `/crime ${example} in ${channelName}`).toEqual([]);
          rendered += 1;
        }
      }
    }
    expect(rendered).toBeGreaterThanOrEqual(4 * examples.length - 1);
  });
});
