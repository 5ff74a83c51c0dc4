// Issue 17, "read five replies of each kind as a chair would, and make each one shorter and clearer",
// for the kinds not covered by reading.test.ts (ask, top, compare): map, alerts (the `/crime alerts`
// reply and the month's digest), the chat reply to `/crime brief`, mute, unmute and help. Each through
// the real command path (dispatch on the fixture store with its synthetic history; the digest from the
// alert pipeline as the service runs it, dry run): the first line is the fact, the method is under
// "About these figures" and said once, nothing is said twice, and no note says nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { Reply } from '../../src/core/reply.ts';
import { runAlertPipeline } from '../../src/alerting/pipeline.ts';
import { loadRules } from '../../src/alerting/rules.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
const { config, alertRulesDir } = loadConfig();
const NOW = new Date('2024-05-20T09:00:00Z');
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(() => t?.cleanup());

const ask = (text: string, channel = 'cambridge-csp'): Promise<Reply> => answer(text, makeContext({ store: t.store, config, channel, now: NOW }));
const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;
/** What a reader sees before opening anything: the summary, the figures' sentences and the notes. */
const firstRead = (r: Reply) => [r.summary ?? '', ...r.figures.map((f) => f.wording), ...r.notes].join(' ');
const JARGON = /Poisson|false discovery|Benjamini|Jenks|Farrington|empirical Bayes|no calc|muan/;
/** No sentence is said twice in the summary and notes. */
function saysEachOnce(r: Reply) {
  const sentences = [r.summary ?? '', ...r.notes]
    .join(' ')
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 20);
  expect(sentences.length - new Set(sentences).size, `repeated: ${sentences.filter((s, i) => sentences.indexOf(s) !== i).join(' | ')}`).toBe(0);
}

describe('map', () => {
  const cases: Array<[string, string]> = [
    ['map burglary cambridge', 'cambridge-csp'],
    ['map asb market', 'cambridge-csp'],
    ['map shoplifting fenland', 'fenland-csp'],
    ['map violence county', 'countywide-board'],
    ['map asb partnership ye sep', 'cambridge-csp'],
  ];
  for (const [q, channel] of cases)
    it(`"${q}" in #${channel}: the highest ward first, the method under About, no jargon in what is read first`, async () => {
      const r = await ask(q, channel);
      expect(r.kind, r.summary).toBe('answer');
      const highest = r.figures.find((f) => f.id === 'highest')!;
      // the first line is the fact: the highest ward and its rate
      expect(r.summary!.startsWith(highest.display.split(':')[0]!), r.summary).toBe(true);
      expect(r.summary).toMatch(/^[^.]+ has the highest rate of .+ \([\d.]+ per 1,000, year ending \w+ \d{4}\)\./);
      expect(firstRead(r)).not.toMatch(JARGON);
      expect(r.about!.join(' ')).toMatch(/exact Poisson test/);
      expect(r.about!.join(' ')).toMatch(/natural breaks/);
      // the source line names the period once, no "latest month" echo; no "ESTIMATED" shouting
      expect(r.notes[0]).toMatch(/^Source: police\.uk/);
      expect(r.notes.join(' ')).not.toMatch(/latest month|ESTIMATED|SYNTHETIC DATA/);
      // the emerging figure does not repeat its label ("Emerging in April 2024: New in April 2024: ...")
      const emerging = r.figures.find((f) => f.id === 'emerging-hotspots');
      if (emerging) expect(emerging.wording).not.toMatch(/^New in/);
      saysEachOnce(r);
      expect(wordCount(firstRead(r))).toBeLessThan(q.includes('county') ? 260 : 200);
    });
});

describe('alerts: `/crime alerts` and the digest', () => {
  let digests: Array<{ channel: string; reply: Reply }> = [];
  beforeAll(async () => {
    const rules = loadRules(alertRulesDir, config);
    // As the service runs it when April 2024 lands; the outbox messages carry the Replies it would post.
    const result = await runAlertPipeline({ store: t.store, config, rules, month: '2024-04', trigger: 'manual', now: NOW });
    digests = result.messages.filter((m) => m.kind === 'digest').map((m) => ({ channel: m.channel, reply: m.reply }));
  }, 120_000);

  it('the digest: the title says how many, the first paragraph does not say it again; the method is said once under About', () => {
    const withAlerts = digests.filter((d) => /\d+ new alerts? in/.test(d.reply.title));
    expect(withAlerts.length).toBeGreaterThanOrEqual(2);
    for (const { channel, reply } of withAlerts) {
      const [first, ...alerts] = reply.summary!.split('\n\n');
      expect(first, channel).toMatch(/^The April 2024 figures are in( \(.+\))?\.$/);
      expect(first).not.toMatch(/new alert/);
      const listed = alerts.filter((p) => /^\d+\. /.test(p));
      expect(listed.length).toBeGreaterThan(0);
      for (const line of listed) {
        expect(line, channel).not.toMatch(JARGON);
        // a hotspot says since when once ("A hotspot since September 2023"), not "(a hotspot since ...)"
        expect(line).not.toMatch(/\(a hotspot since/);
        expect(wordCount(line)).toBeLessThan(60);
      }
      expect(reply.about!.join(' ')).toMatch(/exact Poisson test|Farrington/);
      // each kind's method once, however many alerts of that kind
      expect(new Set(reply.about).size).toBe(reply.about!.length);
      expect(reply.summary).not.toMatch(/publishes each month during the month after it/);
    }
  });

  for (const channel of ['cambridge-csp', 'fenland-csp', 'countywide-board', 'cambridge-analysts'])
    it(`/crime alerts in #${channel}: each alert's first line is the fact, since when said once, no table for a short list`, async () => {
      const r = await ask('alerts', channel);
      expect(r.kind).toBe('alerts');
      if (/no alerts open/.test(r.title)) {
        expect(r.summary).toMatch(/^Nothing is firing/);
        return;
      }
      const lines = r.summary!.split('\n\n');
      for (const line of lines) {
        expect(line).toMatch(/^\d+\. [^:]+: .+ \(#\d+\)\./);
        expect(line.match(/since \w+ \d{4}/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
        expect(line).not.toMatch(JARGON);
        expect(line).not.toMatch(/within the normal range|within range/i);
      }
      if (lines.length <= 8) expect(r.table).toBeUndefined();
      else expect(r.table!.rows.length).toBe(lines.length);
      expect(r.about!.length).toBeGreaterThan(0);
    });
});

describe('the digest a month later: what is still open, said short', () => {
  let u: TempStore;
  afterAll(() => u?.cleanup());
  it('alerts still open with no news are listed by measure, as names and since when, not each first line again', async () => {
    u = await fixtureStore({ history: true });
    const rules = loadRules(alertRulesDir, config);
    await runAlertPipeline({ store: u.store, config, rules, month: '2024-03', trigger: 'manual', now: NOW });
    const april = await runAlertPipeline({ store: u.store, config, rules, month: '2024-04', trigger: 'manual', dryRun: true, now: NOW });
    const cambridge = april.messages.find((m) => m.kind === 'digest' && m.channel === 'cambridge-csp')!.reply;
    const still = cambridge.summary!.split('\n\n').find((p) => p.startsWith('Still open'))!;
    expect(still, cambridge.summary).toMatch(/^Still open \((\d+)\): /);
    const n = Number(/^Still open \((\d+)\)/.exec(still)![1]);
    expect(n).toBeGreaterThanOrEqual(3);
    // every one named with since when, once
    expect(still.match(/\(since \w+ \d{4}/g)?.length).toBe(n);
    // grouped by measure: "Anti-social behaviour: Abbey (since August 2023), Castle (...) and ..."
    expect(still).toMatch(/Anti-social behaviour: [^.]+ \(since \w+ \d{4}\)(, [^.]+)* and [^.]+\./);
    // no first line said again: no "expected for its population" per alert
    expect(still).not.toMatch(/expected for its population/);
    expect(wordCount(still)).toBeLessThan(8 + 6 * n);
  }, 180_000);
});

describe('the chat reply to /crime brief', () => {
  const cases: Array<[string, string]> = [
    ['brief', 'cambridge-csp'],
    ['brief', 'fenland-csp'],
    ['brief', 'countywide-board'],
    ['brief fenland', 'countywide-board'],
    ['brief cambridge', 'cambridge-csp'],
  ];
  for (const [q, channel] of cases)
    it(`"${q}" in #${channel}: synthetic labels beside the figures, no note that says nothing`, async () => {
      const r = await ask(q, channel);
      expect(r.kind, r.summary).toBe('brief');
      const ye = r.figures.filter((f) => f.id.startsWith('year-ending:'));
      expect(ye.length).toBe(2);
      // the fixture history makes the comparison year synthetic: said beside the figure
      for (const f of ye) expect(f.synthetic, f.id).toMatch(/synthetic|year before/);
      for (const f of ye) expect(f.wording).toMatch(/on the year before\.$/);
      const notes = r.notes.join(' ');
      expect(notes).not.toMatch(/Reporting years end|Not yet published|police\.uk publishes/);
      expect(notes).toMatch(/^The PDF has the rest/);
      expect(notes).toMatch(/Synthetic data: \d+ of the months used/);
      const priorities = r.figures.find((f) => f.id === 'priorities')!;
      expect(priorities.wording).not.toMatch(/^Priorities rising/);
      saysEachOnce(r);
      expect(wordCount(firstRead(r))).toBeLessThan(150);
    }, 120_000);
});

describe('mute, unmute and help', () => {
  it('mute: the end date said once, the title the fact; unmute and the empty list say what to do', async () => {
    const replies: Reply[] = [];
    for (const q of [
      'mute market burglary for 2 weeks because of the operation there',
      'mute asb for 30 days because of the festival',
      'mute fenland shoplifting for 10 days because of the market',
    ])
      replies.push(await ask(q, q.includes('fenland') ? 'fenland-csp' : 'cambridge-csp'));
    for (const r of replies) {
      expect(r.kind, r.summary).toBe('alerts');
      expect(r.title).toMatch(/^Muted here: /);
      expect(r.summary!.match(/\d{1,2} \w+ 2024/g)?.length, r.summary).toBe(1);
      expect(r.summary).toMatch(/^Alerts for .+ are held back here until the end of \d{1,2} \w+ 2024/);
      expect(wordCount(r.summary!)).toBeLessThan(40);
    }
    const list = await ask('mute list');
    expect(list.summary!.split('\n')).toHaveLength(2);
    const unmuted = await ask('unmute all');
    expect(unmuted.title).toMatch(/^Unmuted: #\d+, #\d+$/);
    expect(unmuted.summary).toMatch(/^(Nothing they held back is still open\.|What they held back is being posted here now)/);
    const empty = await ask('mute list');
    expect(empty.title).toBe('Nothing muted from chat here');
    expect(empty.summary).toMatch(/`\/crime mute <place or topic> for 2 weeks because <reason>`/);
    const bad = await ask('mute market burglary because of the operation', 'fenland-csp');
    expect(bad.kind).toBe('error');
    // the examples an error gives are this channel's own (Fenland's, not Cambridge's Market)
    expect(bad.summary).not.toMatch(/market burglary/);
    expect(bad.summary).toMatch(/`\/crime mute \S+/);
  });

  it('help: no "Try" that repeats the form, no note that says nothing, the summary short', async () => {
    for (const channel of ['cambridge-csp', 'fenland-csp']) {
      const r = await ask('help', channel);
      expect(r.notes).toEqual([]);
      for (const [form, what] of r.table!.rows) {
        const tries = what!.split('. Try: ')[1]?.split(' · ') ?? [];
        expect(tries, form).not.toContain(form);
        expect(tries.length).toBeLessThanOrEqual(3);
      }
      expect(wordCount(r.summary!)).toBeLessThan(90);
    }
  });
});
