// The alerting pipeline's harder cases, through the real store, ingest and shipped rules: a revision of a
// month older than an alert's latest judged month, alerts whose rule was removed from alerts/, the monthly
// summary folded into the digest (`monthlySummary: with-digest`), and who set a chat mute.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAlertPipeline, type PipelineResult } from '../../src/alerting/pipeline.ts';
import { loadRules, type AlertRule } from '../../src/alerting/rules.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { handleQuestion, type Responder } from '../../src/core/conversation.ts';
import type { Month } from '../../src/core/periods.ts';
import type { Reply } from '../../src/core/reply.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { summaryConsumer } from '../../src/service/briefs.ts';
import type { Store } from '../../src/store/types.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { plantPartnership, synthMonth, type Plant } from './plant.ts';

const loaded = loadConfig(join(import.meta.dirname, '../../wardwatch.config.yaml'));
const rules = loadRules(loaded.alertRulesDir, loaded.config);
const MARKET = 'E05013057';
const QUEEN_EDITHS = 'E05013060';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Generates a month from the synthetic generator, plants in its extract, ingests it; returns the unplanted extract. */
async function landMonth(store: Store, config: Config, month: Month, partnership: Plant[] = []): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-revisions-'));
  dirs.push(dir);
  const files = await synthMonth(store, config, month, dir);
  const keep = join(dir, '..', `${dir.split('/').pop()}-unplanted.csv`);
  copyFileSync(files.partnership!, keep);
  dirs.push(keep);
  if (partnership.length) plantPartnership(files.partnership!, partnership);
  await ingestPaths(store, [dir], { config });
  return keep;
}

/** Re-publishes a month's extract from `source` (with `plants`), as a revision. */
async function revise(store: Store, config: Config, month: Month, source: string, plants: Plant[] = []): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-revised-'));
  dirs.push(dir);
  const file = join(dir, `synthetic-partnership-${month}.csv`);
  copyFileSync(source, file);
  if (plants.length) plantPartnership(file, plants);
  await ingestPaths(store, [file], { config });
  expect((await store.dataEvents(0, 100_000)).at(-1)).toMatchObject({ kind: 'revised', month, source: 'partnership' });
}

const burglaryFingerprint = `residential-burglary-spike|${MARKET}|residential-burglary`;

describe('a revision of a month older than the alert’s latest month', () => {
  let t: TempStore;
  const config = loaded.config;
  const run = (month: Month, trigger: 'landed' | 'revised', ruleSet: readonly AlertRule[] = rules, log?: (line: string) => void) =>
    runAlertPipeline({ store: t.store, config, rules: ruleSet, month, trigger, ...(log ? { log } : {}) });
  let juneExtract = '';
  let june: PipelineResult;
  beforeAll(async () => {
    t = await fixtureStore({ history: true });
    await run('2024-04', 'landed');
    await landMonth(t.store, config, '2024-05');
    await run('2024-05', 'landed');
    juneExtract = await landMonth(t.store, config, '2024-06', [{ ward: MARKET, what: 'residential-burglary', extra: 14 }]);
    june = await run('2024-06', 'landed');
    await landMonth(t.store, config, '2024-07');
    await run('2024-07', 'landed');
  }, 240_000);
  afterAll(() => t?.cleanup());

  it('keeps an alert the revision leaves standing, with no message', async () => {
    expect(june.digests.find((d) => d.channel === 'cambridge-csp')!.alerts.map((a) => a.rule)).toContain('residential-burglary-spike');
    const [before] = await t.store.alerts({ fingerprints: [burglaryFingerprint] });
    expect(before!.lastMonth).toBe('2024-07'); // judged again in July: still open (keep-firing), not back to normal
    expect(['firing', 'recovering']).toContain(before!.state);
    // June re-published with the rise still in it (another ward's figure changed): nothing to correct.
    await revise(t.store, config, '2024-06', juneExtract, [
      { ward: MARKET, what: 'residential-burglary', extra: 14 },
      { ward: QUEEN_EDITHS, what: 'shoplifting', extra: 1 },
    ]);
    const r = await run('2024-06', 'revised');
    expect(r.messages.filter((m) => m.kind === 'correction')).toEqual([]);
    const [after] = await t.store.alerts({ fingerprints: [burglaryFingerprint] });
    expect(after!.state).toBe(before!.state);
  });

  it('withdraws it, with one correction in the June thread, when the revision takes away the month that raised it', async () => {
    await revise(t.store, config, '2024-06', juneExtract); // June without the burglary rise
    const r = await run('2024-06', 'revised');
    const corrections = r.messages.filter((m) => m.kind === 'correction');
    expect(corrections.map((m) => m.channel).sort()).toEqual(['cambridge-analysts', 'cambridge-csp']);
    const csp = corrections.find((m) => m.channel === 'cambridge-csp')!;
    expect(csp.threadOf).toBe('digest:cambridge-csp:2024-06');
    expect(csp.reply.summary).toMatch(/Market, residential burglary: the June 2024 figure was revised from \d+ to \d+, which is no longer unusual, so this alert is withdrawn/);
    expect(r.messages.some((m) => m.kind !== 'correction')).toBe(false);
    const [burglary] = await t.store.alerts({ fingerprints: [burglaryFingerprint] });
    expect(burglary!.state).toBe('withdrawn');
    expect((await run('2024-06', 'revised')).messages).toEqual([]); // once
    // The next month does not call it "back to normal".
    await landMonth(t.store, config, '2024-08');
    const august = await run('2024-08', 'landed');
    for (const d of august.digests) expect(d.resolved.map((a) => a.areaCode)).not.toContain(MARKET);
  });

  it('closes the alerts of a rule removed from alerts/ quietly, with a log line, not as back to normal', async () => {
    const open = await t.store.alerts({ states: ['firing', 'recovering', 'no-data'] });
    const victim = open.find((a) => a.rule !== 'residential-burglary-spike')!;
    expect(victim).toBeDefined();
    const lines: string[] = [];
    await landMonth(t.store, config, '2024-09');
    const r = await run(
      '2024-09',
      'landed',
      rules.filter((x) => x.id !== victim.rule),
      (l) => lines.push(l),
    );
    const [closed] = await t.store.alerts({ ids: [victim.id] });
    expect(closed!.state).toBe('retired');
    expect(closed!.resolvedMonth).toBe('2024-09');
    for (const d of r.digests) expect(d.resolved.map((a) => a.id)).not.toContain(victim.id);
    expect(r.messages.map((m) => JSON.stringify(m.reply))).not.toContain(`"id":${victim.id},`);
    expect(lines.some((l) => l.includes(`closed alert #${victim.id}`) && l.includes(`rule "${victim.rule}" is no longer in the alert rules`))).toBe(true);
    // and it is not re-announced or resolved later, even with the rule back
    await landMonth(t.store, config, '2024-10');
    const back = await run('2024-10', 'landed');
    for (const d of back.digests) expect(d.resolved.map((a) => a.id)).not.toContain(victim.id);
  });
});

describe('the monthly summary inside the digest (monthlySummary: with-digest)', () => {
  let t: TempStore;
  const config: Config = {
    ...loaded.config,
    partnerships: loaded.config.partnerships.map((p) => (p.id === 'cambridge' ? { ...p, monthlySummary: 'with-digest' as const } : p)),
  };
  afterAll(() => t?.cleanup());

  it('is folded into each of the partnership’s digests once, and posted nowhere else', async () => {
    t = await fixtureStore({ history: true });
    await runAlertPipeline({ store: t.store, config, rules, month: '2024-04', trigger: 'landed' });
    const before = (await t.store.dataEvents(0, 100_000)).length;
    await landMonth(t.store, config, '2024-05');
    const events = (await t.store.dataEvents(0, 100_000)).slice(before);
    const r = await runAlertPipeline({ store: t.store, config, rules, month: '2024-05', trigger: 'landed' });
    const digest = (channel: string): Reply => r.messages.find((m) => m.channel === channel && m.kind === 'digest')!.reply;
    for (const channel of ['cambridge-csp', 'cambridge-analysts']) {
      const reply = digest(channel);
      expect(reply.title).toMatch(/^Cambridge City: (no new alerts|\d+ new alerts?) in May 2024$/);
      expect(reply.summary).toMatch(/The May 2024 figures are in/);
      expect(reply.summary).toMatch(/The month in figures: .*May 2024/s);
      expect(reply.figures.map((f) => f.id)).toContain('year-ending:all-crime');
      expect(reply.table?.columns[0]).toBe('Priority');
      expect(reply.chart?.kind).toBe('trend');
      expect(reply.notes.some((n) => /^Active alerts:/.test(n))).toBe(false); // the digest itself says what is open
      expect((reply.data as { summary?: { month?: string } }).summary?.month).toBe('2024-05');
      expect(r.digests.find((d) => d.channel === channel)!.text).toContain('The month in figures:');
    }
    // Another partnership's digest carries no summary (its own message comes from the summary consumer).
    expect(digest('fenland-csp').summary).not.toContain('The month in figures');
    const posted = await summaryConsumer({ store: t.store, config })(events);
    const keys = (await t.store.outboxMessages({ limit: 1000 })).filter((m) => m.kind === 'summary').map((m) => m.channel);
    expect(posted).toBeGreaterThan(0);
    expect(keys).not.toContain('cambridge-csp');
    expect(keys).not.toContain('cambridge-analysts');
    expect(keys).toContain('fenland-csp');
    // A second run of the release, or a manual one, does not post it again.
    expect((await runAlertPipeline({ store: t.store, config, rules, month: '2024-05', trigger: 'landed' })).enqueued).toBe(0);
    expect(
      (await runAlertPipeline({ store: t.store, config, rules, month: '2024-05', trigger: 'manual' })).messages.some((m) => m.reply.summary?.includes('The month in figures')),
    ).toBe(false);
  }, 240_000);
});

describe('a chat mute records who set it', () => {
  let t: TempStore;
  afterAll(() => t?.cleanup());
  it('as the surface names the user, through the conversation port', async () => {
    t = await fixtureStore();
    const config = loaded.config;
    const channel = config.channels.find((c) => c.name === 'cambridge-csp')!;
    const delivered: Reply[] = [];
    const responder: Responder = {
      prefix: '/crime',
      canAnswerPrivately: true,
      deliver: async (reply) => {
        delivered.push(reply);
      },
      apologise: async (reason) => {
        throw new Error(reason);
      },
    };
    const now = new Date('2024-06-01T09:00:00Z');
    await handleQuestion({ surface: 'slack', userId: 'U0ANALYST', channel, text: 'mute market burglary for 2 weeks because of the police operation' }, responder, {
      store: t.store,
      config,
      now: () => now,
    });
    expect(delivered[0]!.title).toMatch(/^Muted here/);
    const [mute] = await t.store.alertMutes();
    expect(mute!.by).toBe('<@U0ANALYST>');
    await handleQuestion({ surface: 'local', userId: 'local', channel, text: 'mute list' }, responder, { store: t.store, config, now: () => now });
    expect(delivered[1]!.summary ?? '').toContain('set by <@U0ANALYST>');
  });
});
