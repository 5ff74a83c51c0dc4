// Scheduled briefs: posted exactly once, on the right working day (weekends and England and Wales bank
// holidays skipped), at the configured Europe/London time, on both sides of both clock changes. The
// scheduler's job is driven by an injected clock: every fire its cron names (read in Europe/London by
// node-cron's own matcher), claimed in the store by two replicas as the Scheduler's coordinator claims
// it, run by the winner, and the outbox delivered by the real dispatcher a minute before and at each fire.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bankHolidays, parseBankHolidays } from '../../src/brief/bank-holidays.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { addDays, workingDaysBefore, zonedInstant } from '../../src/core/periods.ts';
import type { ChatPlatform } from '../../src/core/platform.ts';
import { briefDayFor, briefsJob, dueBriefs, enqueueDueBriefs, summaryConsumer } from '../../src/service/briefs.ts';
import { previousFire, StoreRunCoordinator } from '../../src/service/coordination.ts';
import { OutboxDispatcher } from '../../src/service/outbox.ts';
import type { Store } from '../../src/store/types.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const BASE = readFileSync('wardwatch.config.yaml', 'utf8');

/** The repository's config with Cambridge's meetings and chair channel replaced. */
function configWith(meetings: string[], extra = ''): Config {
  const text = BASE.replace(/meetingDates: \[[^\]]*\]/, `meetingDates: [${meetings.join(', ')}]\n    chairChannel: cambridge-csp${extra}`);
  return parseConfig(text, 'test.config.yaml').config;
}

describe('working days and the bank-holiday list', () => {
  const hol = bankHolidays();

  it('is the committed gov.uk-format list, 2018 to 2030, with the moved and added days', () => {
    expect(hol.firstYear).toBe(2018);
    expect(hol.lastYear).toBe(2030);
    expect(hol.source).toMatch(/gov\.uk\/bank-holidays\.json/);
    for (const d of [
      '2024-03-29',
      '2024-04-01',
      '2024-05-06',
      '2024-05-27',
      '2024-08-26',
      '2024-12-25',
      '2024-12-26',
      '2020-05-08',
      '2022-06-02',
      '2022-06-03',
      '2022-09-19',
      '2023-05-08',
      '2026-12-28',
    ])
      expect(hol.days.has(d), d).toBe(true);
    expect(hol.days.has('2020-05-04')).toBe(false); // moved to VE day
    expect(hol.days.has('2022-05-30')).toBe(false); // moved to 2 June
    for (let y = 2018; y <= 2030; y++) expect([...hol.days].filter((d) => d.startsWith(`${y}`)).length, String(y)).toBeGreaterThanOrEqual(8);
  });

  it('refuses a malformed list with the file and field', () => {
    expect(() =>
      parseBankHolidays(
        '{"source":"x","division":"england-and-wales","firstYear":1,"lastYear":2,"events":[{"title":"t","date":"2024-13-01","notes":"","bunting":true}]}',
        'bad.json',
      ),
    ).toThrow(/bad\.json: events\.0\.date: a date as YYYY-MM-DD/);
  });

  it('counts working days back over weekends and bank holidays', () => {
    // Easter 2024: Good Friday 29 March and Easter Monday 1 April are skipped.
    expect(workingDaysBefore('2024-04-02', 5, hol.days)).toBe('2024-03-22');
    expect(workingDaysBefore('2024-04-09', 5, hol.days)).toBe('2024-04-02');
    expect(workingDaysBefore('2024-04-02', 0, hol.days)).toBe('2024-04-02');
    // Christmas 2026: Boxing Day is Saturday, the substitute is Monday 28 December.
    expect(workingDaysBefore('2026-12-30', 2, hol.days)).toBe('2026-12-24');
    // The configured Cambridge meeting of 24 February 2026 is briefed on Tuesday 17 February.
    expect(briefDayFor('2026-02-24', 5)).toBe('2026-02-17');
  });

  it('reads the configured time in Europe/London on both sides of the clock changes', () => {
    expect(zonedInstant('2024-03-22', '08:30', 'Europe/London').toISOString()).toBe('2024-03-22T08:30:00.000Z');
    expect(zonedInstant('2024-04-02', '08:30', 'Europe/London').toISOString()).toBe('2024-04-02T07:30:00.000Z');
    expect(zonedInstant('2024-10-25', '08:30', 'Europe/London').toISOString()).toBe('2024-10-25T07:30:00.000Z');
    expect(zonedInstant('2024-10-29', '08:30', 'Europe/London').toISOString()).toBe('2024-10-29T08:30:00.000Z');
    expect(zonedInstant('2024-03-31', '01:30', 'Europe/London').toISOString()).toBe('2024-03-31T01:30:00.000Z'); // skipped hour: read after the change
  });
});

describe('the scheduled brief', () => {
  let t: TempStore;
  let store: Store;
  // Around both clock changes: Easter 2024 (bank holidays), BST from 31 March, GMT from 27 October.
  const meetings = ['2024-04-02', '2024-04-09', '2024-11-05'];
  let config: Config;
  const expected = [
    { key: 'brief:cambridge:2024-04-02', at: '2024-03-22T08:30:00.000Z' }, // Friday before Good Friday, GMT
    { key: 'brief:cambridge:2024-04-09', at: '2024-04-02T07:30:00.000Z' }, // the day after Easter Monday, BST
    { key: 'brief:cambridge:2024-11-05', at: '2024-10-29T08:30:00.000Z' }, // two days after the clocks went back
  ];

  beforeAll(async () => {
    t = await fixtureStore({ history: true });
    store = t.store;
    config = configWith(meetings);
  }, 300_000);
  afterAll(() => t?.cleanup());

  it('validates the chair channel and the brief time', () => {
    expect(() => parseConfig(BASE.replace(/meetingDates: \[[^\]]*\]/, 'meetingDates: [2024-04-02]\n    chairChannel: fenland-csp'), 'x.yaml')).toThrow(
      /x\.yaml:\d+: partnerships\.0\.chairChannel: expected the name of one of this partnership's channels \(cambridge-csp, cambridge-analysts\), found "fenland-csp" \(a channel of fenland\)/,
    );
    expect(() => parseConfig(BASE.replace('dataCheck: "30 6 * * *"', 'dataCheck: "30 6 * * *"\n  briefTime: "8.30"'), 'x.yaml')).toThrow(
      /x\.yaml:\d+: schedule\.briefTime: a time of day as HH:MM/,
    );
    expect(config.schedule.briefTime).toBe('08:30');
  });

  it('is posted exactly once, on its working day, at 08:30 London time, across the clock changes and Easter', async () => {
    const job = briefsJob({ store, config });
    expect(job.cron).toBe('30 8 * * *');
    let clock = new Date('2024-03-18T00:00:00Z');
    const posts: Array<{ key: string; at: string; channel: string; title: string; attachment: unknown }> = [];
    const platform: ChatPlatform = {
      name: 'local',
      async post(channel, reply, options) {
        posts.push({ key: options?.idempotencyKey ?? '', at: clock.toISOString(), channel: channel.name, title: reply.title, attachment: reply.attachment });
        return { messageId: `m${posts.length}` };
      },
    };
    const dispatcher = new OutboxDispatcher({ store, config, platforms: { local: platform }, owner: 'test', now: () => clock, random: () => 0.5 });
    const replicas = [new StoreRunCoordinator(store, 'replica-a'), new StoreRunCoordinator(store, 'replica-b')];
    const fires: string[] = [];
    const spans: Array<[string, string]> = [
      ['2024-03-18', '2024-04-12'],
      ['2024-10-21', '2024-11-06'],
    ];
    for (const [from, to] of spans) {
      for (let day = from; day <= to; day = addDays(day, 1)) {
        // The fire node-cron's matcher names for this London day (the scan covers the whole UTC day and its neighbours).
        const fire = previousFire(job.cron, 'Europe/London', new Date(`${addDays(day, 1)}T02:00:00Z`), 26 * 3600_000);
        if (!fire || fires.includes(fire.toISOString())) continue;
        fires.push(fire.toISOString());
        clock = new Date(fire.getTime() - 60_000);
        await dispatcher.runOnce(); // a minute early: nothing may go
        clock = fire;
        const won = await Promise.all(replicas.map((r) => r.shouldRun(`briefs:${fire.toISOString()}`)));
        expect(won.filter(Boolean)).toHaveLength(1);
        await job.run({ now: fire, fireAt: fire, reason: 'scheduled' });
        // A restart on the same day (catch-up on another replica) changes nothing.
        await enqueueDueBriefs({ store, config, now: new Date(fire.getTime() + 3_600_000) });
        await dispatcher.runOnce();
      }
    }
    // Every fire was 08:30 in London: 08:30Z in winter, 07:30Z in summer.
    expect(fires).toContain('2024-03-30T08:30:00.000Z');
    expect(fires).toContain('2024-03-31T07:30:00.000Z');
    expect(fires).toContain('2024-10-26T07:30:00.000Z');
    expect(fires).toContain('2024-10-27T08:30:00.000Z');
    expect(posts.map((p) => ({ key: p.key, at: p.at }))).toEqual(expected);
    for (const p of posts) {
      expect(p.channel).toBe('cambridge-csp');
      expect(p.title).toMatch(/^Chair's brief: Cambridge City Community Safety Partnership, /);
      expect(p.attachment).toMatchObject({ kind: 'brief-pdf', partnership: 'cambridge', channel: 'cambridge-csp' });
    }
    const queued = await store.outboxMessages({ channel: 'cambridge-csp' });
    expect(queued.filter((m) => m.kind === 'brief').map((m) => [m.idempotencyKey, m.notBefore, m.state])).toEqual(expected.map((e) => [e.key, e.at, 'sent']));
  }, 300_000);

  it('posts a brief whose day passed while no replica ran, before its meeting, saying it is late', async () => {
    const late = configWith(['2024-12-10']);
    expect(dueBriefs(late, '2024-12-02')).toEqual([]);
    expect(dueBriefs(late, '2024-12-03')).toEqual([{ partnership: 'cambridge', meetingDate: '2024-12-10', briefDay: '2024-12-03', channel: 'cambridge-csp', late: false }]);
    expect(dueBriefs(late, '2024-12-05')[0]).toMatchObject({ late: true });
    expect(dueBriefs(late, '2024-12-10')).toEqual([]); // the meeting itself: too late to be of use
    const keys = await enqueueDueBriefs({ store, config: late, now: new Date('2024-12-05T10:00:00Z') });
    expect(keys).toEqual(['brief:cambridge:2024-12-10']);
    const m = (await store.outboxByKey('brief:cambridge:2024-12-10'))!;
    expect(m.reply.summary).toMatch(/^This brief was due on Tuesday 3 December 2024; it is posted late/);
    expect(m.notBefore).toBe('2024-12-05T10:00:00.000Z');
  }, 120_000);

  it('enqueues one monthly summary per channel when the newest month lands, once', async () => {
    const consume = summaryConsumer({ store, config, now: () => new Date('2024-05-30T07:00:00Z') });
    const event = { id: 1, kind: 'landed' as const, source: 'police.uk' as const, month: '2024-04', releaseId: 1, synthetic: false, at: '2024-05-30T06:30:00Z' };
    const channels = config.channels.filter((c) => config.partnerships.some((p) => p.id === c.partnership && p.monthlySummary === 'own-message'));
    expect(await consume([event])).toBe(channels.length);
    expect(await consume([event])).toBe(0);
    const m = (await store.outboxByKey('summary:cambridge:cambridge-csp:2024-04'))!;
    expect(m.kind).toBe('summary');
    expect(m.reply.title).toBe('Monthly summary: April 2024, Cambridge City Community Safety Partnership');
    // An old month arriving late, a revision, or a partnership whose summary goes with the digest: no summary.
    expect(await consume([{ ...event, month: '2023-01' }])).toBe(0);
    expect(await consume([{ ...event, kind: 'revised' }])).toBe(0);
    const withDigest = configWith(meetings, '\n    monthlySummary: with-digest');
    const keysBefore = (await store.outboxMessages({})).length;
    await summaryConsumer({ store, config: withDigest })([{ ...event, month: '2024-04' }]);
    expect((await store.outboxMessages({})).length).toBe(keysBefore);
  }, 120_000);
});
