// The alerting pipeline through the real store, ingest and shipped rules (alerts/*.yaml): months from
// the synthetic generator, quiet or with spikes planted, landing one after another.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeFromChannel, parseAckCommand } from '../../src/alerting/acknowledge.ts';
import { releaseHeldAlerts } from '../../src/alerting/held.ts';
import { runAlertPipeline, type PipelineResult } from '../../src/alerting/pipeline.ts';
import { loadRules } from '../../src/alerting/rules.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { Month } from '../../src/core/periods.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import type { Store } from '../../src/store/types.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';
import { plantPartnership, plantPoliceUk, synthMonth, type Plant } from './plant.ts';

const { config, alertRulesDir } = loadConfig(join(import.meta.dirname, '../../wardwatch.config.yaml'));
const rules = loadRules(alertRulesDir, config);
const MARKET = 'E05013057';
const ARBURY = 'E05013051';
const QUEEN_EDITHS = 'E05013060';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Generates a month, plants in it, ingests it; returns the folder (with an unplanted copy of the extract). */
async function landMonth(store: Store, month: Month, plants: { police?: Plant[]; partnership?: Plant[] } = {}, opts: { withoutExtract?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-alerting-'));
  dirs.push(dir);
  const files = await synthMonth(store, config, month, dir);
  const keep = join(tmpdir(), `${dir.split('/').pop()}-unplanted-partnership.csv`);
  if (files.partnership) copyFileSync(files.partnership, keep);
  dirs.push(keep);
  if (plants.partnership?.length) plantPartnership(files.partnership!, plants.partnership);
  if (plants.police?.length) await plantPoliceUk(store, config, files.police!, plants.police);
  if (opts.withoutExtract && files.partnership) rmSync(files.partnership);
  await ingestPaths(store, [dir], { config });
  return { dir, unplantedExtract: keep, files };
}

const run = (store: Store, month: Month, trigger: 'landed' | 'revised' | 'manual' = 'landed', now?: Date) =>
  runAlertPipeline({ store, config, rules, month, trigger, ...(now ? { now } : {}) });
const newIn = (r: PipelineResult, channel: string) => r.digests.find((d) => d.channel === channel)?.alerts ?? [];
const fp = (a: Record<string, unknown>) => `${String(a.rule)}|${String(a.areaCode)}`;

describe('shipped rules', () => {
  it('load, one a file, with the kinds the issue asks for', () => {
    expect(rules.map((r) => r.id).sort()).toEqual([
      'all-crime-district-spike',
      'asb-emerging-hotspot',
      'asb-hotspot',
      'priority-measures-spike',
      'residential-burglary-spike',
      'shoplifting-ye-increase',
      'violence-with-injury-spike',
    ]);
    expect(new Set(rules.map((r) => r.kind))).toEqual(new Set(['spike', 'hotspot', 'emerging-hotspot', 'threshold']));
    expect(rules.find((r) => r.id === 'residential-burglary-spike')!.params).toMatchObject({ thresholdMethod: 'nbPlugin', alpha: 0.025, trend: false, limit54: [5, 1] });
  });
});

describe('the pipeline on months from the synthetic generator', () => {
  let t: TempStore;
  const results: Record<string, PipelineResult> = {};
  let juneExtract = '';
  beforeAll(async () => {
    t = await fixtureStore({ history: true });
    results.april = await run(t.store, '2024-04'); // the first release the service sees: what is open now is announced once
    await landMonth(t.store, '2024-05');
    results.may = await run(t.store, '2024-05');
    const june = await landMonth(t.store, '2024-06', {
      partnership: [
        { ward: MARKET, what: 'residential-burglary', extra: 14 },
        { ward: ARBURY, what: 'violence-with-injury', extra: 25 },
      ],
      police: [{ ward: QUEEN_EDITHS, what: 'Anti-social behaviour', extra: 40 }],
    });
    juneExtract = june.unplantedExtract;
    results.june = await run(t.store, '2024-06');
    results.juneAgain = await run(t.store, '2024-06');
  }, 240_000);
  afterAll(() => t?.cleanup());

  it('a quiet synthetic month raises only what chance gives, none of it strong; a channel with none says so', async () => {
    // The ward spike rules are tuned to find most 3-SD rises, which costs about 1 to 1.9 false alerts a
    // month per partnership (npm run bench: the rate is measured over 24 quiet months there; a single
    // month can have 3 or more). What a quiet month must never raise is a strong alert: one whose chance
    // is below the rule's fireAtOnceBelow, as a planted rise is (the next test).
    expect(results.may!.digests.map((d) => d.channel).sort()).toEqual(config.channels.map((c) => c.name).sort());
    for (const d of results.may!.digests) {
      if (!d.alerts.length) expect(d.text).toContain('no new alerts in May 2024');
      else expect(d.text).toMatch(new RegExp(`: ${d.alerts.length} new alerts? in May 2024`));
      expect(d.text).toContain('The June 2024 figures are expected towards the end of July 2024');
    }
    const ids = [...new Set(results.may!.digests.flatMap((d) => d.alerts.map((a) => Number(a.id))))];
    const raised = await t.store.alerts({ ids });
    for (const a of raised) {
      const rule = rules.find((r) => r.id === a.rule)!;
      expect(a.probability, a.fingerprint).not.toBeNull();
      expect(a.probability!, a.fingerprint).toBeGreaterThanOrEqual(rule.fireAtOnceBelow);
    }
    expect(results.may!.digests.some((d) => d.alerts.length === 0)).toBe(true);
    // The planted June burglary rise is strong: below its rule's line at once.
    const planted = results.june!.findings.find((f) => f.rule === 'residential-burglary-spike' && f.areaCode === MARKET)!;
    const [june] = await t.store.alerts({ fingerprints: [`residential-burglary-spike|${MARKET}|residential-burglary`] });
    expect(planted.state).toBe('firing');
    expect(june!.probability!).toBeLessThan(rules.find((r) => r.id === 'residential-burglary-spike')!.fireAtOnceBelow);
  });

  it('the planted spikes and the planted hotspot fire, first line carrying the fact', () => {
    const cambridge = newIn(results.june!, 'cambridge-csp').map(fp);
    expect(cambridge).toContain(`residential-burglary-spike|${MARKET}`);
    expect(cambridge).toContain(`violence-with-injury-spike|${ARBURY}`);
    expect(cambridge).toContain(`asb-emerging-hotspot|${QUEEN_EDITHS}`);
    const burglary = newIn(results.june!, 'cambridge-csp').find((a) => a.rule === 'residential-burglary-spike')!;
    expect(burglary.headline).toMatch(/^Market: residential burglary \d+ in June 2024, about [\d.]+ expected$/);
    // "1 month in N" comes from the detector's own probability
    const finding = results.june!.findings.find((f) => f.rule === 'residential-burglary-spike' && f.areaCode === MARKET)!;
    expect(finding.state).toBe('firing');
    expect(finding.observed).toBeGreaterThan(finding.upperBound!);
    expect(String(burglary.explanation)).toMatch(/about 1 month in [\d,]+ would be this high by chance|very unlikely by chance/);
    const text = results.june!.digests.find((d) => d.channel === 'cambridge-csp')!.text;
    expect(text).toContain('never an address');
  });

  it('respects scope and clearance: other partnerships do not hear of Cambridge wards, the countywide board gets no ward alerts', () => {
    const cambridgeWards = new Set([MARKET, ARBURY, QUEEN_EDITHS]);
    for (const d of results.june!.digests.filter((x) => x.channel !== 'cambridge-csp' && x.channel !== 'cambridge-analysts')) {
      expect(d.alerts.filter((a) => cambridgeWards.has(String(a.areaCode)))).toEqual([]);
    }
    const board = results.june!.digests.find((d) => d.channel === 'countywide-board');
    expect((board?.alerts ?? []).every((a) => a.kind === 'spike' && /^E0[67]/.test(String(a.areaCode)))).toBe(true);
  });

  it('is idempotent: the same release again enqueues nothing and posts no digest', async () => {
    expect(results.june!.enqueued).toBeGreaterThan(0);
    expect(results.juneAgain!.enqueued).toBe(0);
    expect(results.juneAgain!.digests).toEqual([]);
    const keys = (await t.store.outboxMessages({ channel: 'cambridge-csp', limit: 100 })).map((m) => m.idempotencyKey);
    expect(keys.filter((k) => k === 'digest:cambridge-csp:2024-06')).toHaveLength(1);
  });

  it('acknowledge: the Acknowledge command records who and when; another partnership cannot acknowledge it', async () => {
    const hotspot = newIn(results.june!, 'cambridge-csp').find((a) => a.rule === 'asb-emerging-hotspot')!;
    expect(parseAckCommand(`alerts ack ${String(hotspot.id)}`)).toBe(hotspot.id);
    const fenland = config.channels.find((c) => c.name === 'fenland-csp')!;
    const refused = await acknowledgeFromChannel({ store: t.store, config, channel: fenland, alertId: Number(hotspot.id), by: 'U999', surface: 'slack' });
    expect(refused.kind).toBe('error');
    const ctx = makeContext({ store: t.store, config, channel: 'cambridge-csp' });
    const done = await answer(`alerts ack ${String(hotspot.id)}`, ctx);
    expect(done.title).toMatch(/^Acknowledged: Queen Edith's anti-social behaviour$/);
    const acks = await t.store.alertAcknowledgements([Number(hotspot.id)]);
    expect(acks).toHaveLength(1);
    const listed = await answer('alerts', ctx);
    expect(listed.summary).toContain(`Acknowledged by someone in cambridge-csp`);
  });

  it('a revised month that withdraws an alert sends one correction, not a back-to-normal notice', async () => {
    // the extract for June re-published without the burglary rise (the violence rise stays)
    const dir = mkdtempSync(join(tmpdir(), 'wardwatch-revision-'));
    dirs.push(dir);
    const revised = join(dir, 'synthetic-partnership-2024-06.csv');
    copyFileSync(juneExtract, revised);
    plantPartnership(revised, [{ ward: ARBURY, what: 'violence-with-injury', extra: 25 }]);
    await ingestPaths(t.store, [revised], { config });
    const events = await t.store.dataEvents(0, 10_000);
    expect(events.at(-1)).toMatchObject({ kind: 'revised', month: '2024-06', source: 'partnership' });
    const r = await run(t.store, '2024-06', 'revised');
    const corrections = r.messages.filter((m) => m.kind === 'correction');
    expect(corrections.map((m) => m.channel).sort()).toEqual(['cambridge-analysts', 'cambridge-csp']);
    expect(corrections[0]!.reply.summary).toMatch(/Market, residential burglary: the June 2024 figure was revised from \d+ to \d+.*withdrawn/);
    expect(corrections[0]!.threadOf).toBe(`digest:${corrections[0]!.channel}:2024-06`);
    expect(r.messages.some((m) => m.kind !== 'correction')).toBe(false); // no digest, no back to normal
    const again = await run(t.store, '2024-06', 'revised');
    expect(again.messages).toEqual([]);
    const [burglary] = await t.store.alerts({ fingerprints: [`residential-burglary-spike|${MARKET}|residential-burglary`] });
    expect(burglary!.state).toBe('withdrawn');
  });

  it('missing data keeps an alert open and says why; an acknowledged alert gets no reminder', async () => {
    await landMonth(t.store, '2024-07', {}, { withoutExtract: true });
    const r = await run(t.store, '2024-07');
    const [violence] = await t.store.alerts({ fingerprints: [`violence-with-injury-spike|${ARBURY}|violence-with-injury`] });
    expect(violence!.state).toBe('no-data');
    const d = r.digests.find((x) => x.channel === 'cambridge-csp')!;
    expect(d.text).toMatch(
      /Still open \(\d+\): .*Arbury: violence with injury, no figure for July 2024 \(no figure this month: the partnership's own extract for July 2024 has not been loaded yet\), open since June 2024/s,
    );
    expect(d.text).toMatch(/^The July 2024 figures are in \(police\.uk\)/m);
    expect(d.text).not.toMatch(/Back to normal.*Arbury/s);
    expect(d.text).not.toContain("Queen Edith's: anti-social behaviour"); // acknowledged: no reminder
  });
});

describe('mutes defer, never drop', () => {
  let t: TempStore;
  afterAll(() => t?.cleanup());
  it('a muted alert posts nothing in that channel until the mute ends, then posts once', async () => {
    t = await fixtureStore({ history: true });
    const now = new Date('2024-07-20T09:00:00Z');
    await run(t.store, '2024-04', 'landed', now);
    await landMonth(t.store, '2024-05');
    await run(t.store, '2024-05', 'landed', now);
    const ctx = makeContext({ store: t.store, config, channel: 'cambridge-csp', now });
    const muted = await answer('mute market residential burglary for 7 days because of the police operation there', ctx);
    expect(muted.title).toMatch(/^Muted here: residential burglary in Market/);
    await landMonth(t.store, '2024-06', { partnership: [{ ward: MARKET, what: 'residential-burglary', extra: 14 }] });
    const r = await run(t.store, '2024-06', 'landed', now);
    expect(newIn(r, 'cambridge-csp').map(fp)).not.toContain(`residential-burglary-spike|${MARKET}`);
    expect(newIn(r, 'cambridge-analysts').map(fp)).toContain(`residential-burglary-spike|${MARKET}`);
    const csp = r.digests.find((d) => d.channel === 'cambridge-csp')!;
    expect(csp.text).not.toContain('Market: residential burglary');
    expect(csp.text).toContain('Held back by a mute, posted here when it ends: residential burglary in Market');
    // still muted: nothing
    expect((await releaseHeldAlerts({ store: t.store, config, now: new Date('2024-07-25T09:00:00Z') })).enqueued).toBe(0);
    // ended: posted once
    const after = new Date('2024-07-28T09:00:00Z');
    const released = await releaseHeldAlerts({ store: t.store, config, now: after });
    expect(released.enqueued).toBe(1);
    expect(released.messages[0]!.channel).toBe('cambridge-csp');
    expect(released.messages[0]!.reply.summary).toContain('Market: residential burglary');
    expect((await releaseHeldAlerts({ store: t.store, config, now: after })).enqueued).toBe(0);
    // and the next month does not announce it again
    await landMonth(t.store, '2024-07');
    const july = await run(t.store, '2024-07', 'landed', after);
    expect(newIn(july, 'cambridge-csp').map(fp)).not.toContain(`residential-burglary-spike|${MARKET}`);
  }, 240_000);
});
