// Adaptive Cards for a Reply: the layout (title, key fact, FactSet, table, image, collapsed notes,
// actions), the 1.4 schema, and the size limit: a `top` table of hundreds of rows degrades to the rows
// that fit with a note of how many were left out; a reply too big even without its table keeps its title.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/reply.ts';
import { cardBytes, CARD_MAX_BYTES, keyFact, replyCard, unlinkedCard } from '../../src/surfaces/teams/cards.ts';
import { cardTexts } from './fakes.ts';

const topReply = (rows: number): Reply => ({
  kind: 'answer',
  title: 'Top wards for anti-social behaviour: Cambridgeshire',
  summary: 'Market ward has the highest smoothed rate of anti-social behaviour in the year ending April 2024.',
  figures: [
    {
      id: 'top',
      label: 'Highest',
      value: 41.2,
      display: '41.2 per 1,000',
      period: 'Year ending Apr 2024',
      wording: 'Market ward: 41.2 per 1,000 residents, the highest of 300 wards',
    },
  ],
  table: {
    columns: ['Rank', 'Ward', 'Rate per 1,000', 'Count'],
    rows: Array.from({ length: rows }, (_, i) => [String(i + 1), `Ward number ${i + 1}, Some District`, (40 - i / 10).toFixed(1), String(500 - i)]),
  },
  chart: { kind: 'ranking', title: 'Top wards', measureLabel: 'ASB', period: 'YE Apr 2024', bars: [], source: 'police.uk' },
  chartAlt: 'A bar chart of the 10 highest wards.',
  notes: ['Source: police.uk, year ending April 2024.', 'Rates use ONS mid-2022 ward population estimates.'],
  actions: [{ label: 'Market ward', command: 'market ward' }],
});

describe('reply cards', () => {
  it('title, key fact first, figures as a FactSet, chart image, notes collapsed, follow-ups as Submit', () => {
    const { card, bytes, rowsLeftOut } = replyCard(topReply(5), { mode: 'bot', chartUrl: 'https://ww.example.gov.uk/teams/charts/abc.png' });
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    expect(cardTexts(card).slice(0, 2)).toEqual(['Top wards for anti-social behaviour: Cambridgeshire', 'Market ward: 41.2 per 1,000 residents, the highest of 300 wards']);
    const types = card.body.map((e) => e.type);
    expect(types.indexOf('FactSet')).toBeLessThan(types.indexOf('ColumnSet'));
    expect(types.indexOf('ColumnSet')).toBeLessThan(types.indexOf('Image'));
    expect(card.body.find((e) => e.type === 'FactSet')).toEqual({ type: 'FactSet', facts: [{ title: 'Highest', value: '41.2 per 1,000 (Year ending Apr 2024)' }] });
    expect(card.body.filter((e) => e.type === 'ColumnSet')).toHaveLength(6); // header + 5 rows
    expect(card.body.find((e) => e.id === 'wardwatch-notes')).toMatchObject({ isVisible: false });
    expect(card.actions).toEqual([{ type: 'Action.Submit', title: 'Market ward', data: { wardwatch: 'run', command: 'market ward' } }]);
    expect(bytes).toBe(cardBytes(card));
    expect(rowsLeftOut).toBe(0);
  });

  it('a 300-row top table degrades gracefully: the rows that fit, a note of the rest, under the limit', () => {
    const r = replyCard(topReply(300), { mode: 'bot', chartUrl: 'https://ww.example.gov.uk/teams/charts/abc.png' });
    expect(r.bytes).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(r.rowsShown).toBeGreaterThan(10);
    expect(r.rowsShown).toBeLessThan(300);
    expect(r.rowsLeftOut).toBe(300 - r.rowsShown);
    expect(cardTexts(r.card)).toContain(`Table shortened: ${r.rowsLeftOut} more rows not shown here (a Teams card holds about 28 KB).`);
    // The title, key fact, figures and chart survive; the first rows are the ones kept, in order.
    expect(cardTexts(r.card)[0]).toMatch(/^Top wards/);
    expect(r.card.body.some((e) => e.type === 'Image')).toBe(true);
    const firstRow = r.card.body.filter((e) => e.type === 'ColumnSet')[1] as any;
    expect(firstRow.columns[1].items[0].text).toBe('Ward number 1, Some District');
    // One more row would not have fitted.
    const oneMore = replyCard(topReply(r.rowsShown + 1), { mode: 'bot', chartUrl: 'https://ww.example.gov.uk/teams/charts/abc.png', maxBytes: r.bytes - 1 });
    expect(oneMore.rowsShown).toBeLessThanOrEqual(r.rowsShown);
  });

  it('a reply too big even without its table is cut to its title and key fact, and says so', () => {
    const huge: Reply = {
      ...topReply(0),
      notes: Array.from({ length: 60 }, (_, i) => `Note ${i}: ${'x'.repeat(900)}`),
      figures: Array.from({ length: 40 }, (_, i) => ({ ...topReply(0).figures[0]!, id: `f${i}`, label: `Figure ${i} ${'y'.repeat(50)}` })),
    };
    const r = replyCard(huge, { mode: 'bot' });
    expect(r.bytes).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(r.shortened.length).toBeGreaterThan(0);
    expect(cardTexts(r.card)[0]).toMatch(/^Top wards/);
  });

  it('webhook cards have no Submit follow-ups; Acknowledge opens the signed link; the bot gets Execute with a Submit fallback', () => {
    const alert: Reply = {
      ...topReply(0),
      kind: 'alerts',
      actions: [
        { label: 'Acknowledge', command: 'alerts ack 7' },
        { label: 'Market ward', command: 'market ward' },
      ],
    };
    const web = replyCard(alert, { mode: 'webhook', ackUrl: (id) => `https://ww.example.gov.uk/teams/ack/signed-${id}` }).card;
    expect(web.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Acknowledge', url: 'https://ww.example.gov.uk/teams/ack/signed-7' }]);
    const bot = replyCard(alert, { mode: 'bot', channel: 'c' }).card;
    expect(bot.actions![0]).toMatchObject({
      type: 'Action.Execute',
      verb: 'acknowledge',
      data: { wardwatch: 'ack', alertId: '7', channel: 'c' },
      fallback: { type: 'Action.Submit', data: { wardwatch: 'ack', alertId: '7' } },
    });
    expect(bot.actions).toHaveLength(2);
    // Without a chart URL (no PUBLIC_URL) the chart is described in the notes instead.
    expect(cardTexts(web).join('\n')).toMatch(/Chart: A bar chart of the 10 highest wards\./);
  });

  it('the key fact is the first figure`s sentence, else the summary`s first sentence', () => {
    expect(keyFact(topReply(0))).toMatch(/^Market ward: 41\.2/);
    expect(keyFact({ ...topReply(0), figures: [] })).toBe('Market ward has the highest smoothed rate of anti-social behaviour in the year ending April 2024.');
  });

  it('the unlinked card carries the block to paste', () => {
    const texts = cardTexts(unlinkedCard({ conversationId: '19:x@thread.tacv2', conversationType: 'channel', name: 'Safer Wisbech', tenantId: 't' })).join('\n');
    expect(texts).toContain('channels:\n  - name: safer-wisbech\n    platform: teams\n    teamsConversationId: "19:x@thread.tacv2"');
  });
});
