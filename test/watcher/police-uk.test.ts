// The police.uk watcher, through the real service (its scheduler, claims, data-event consumers and the
// alerting pipeline with the shipped rules in alerts/) and a real SQLite store, against a local fake of the API serving the fixture months as JSON. The store
// holds January to March 2024; the fake also has April. The fake refuses polygons with more than 200
// crimes (503), answers one request 429 with Retry-After, one 500, and lets one hang past the timeout.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { startService, type RunningService } from '../../src/service/service.ts';
import type { Store } from '../../src/store/types.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import { fixtureStore } from '../helpers/store.ts';
import { crimesFromCsv, FakePoliceUk, keyOf, type FakeCrime } from './fake-police-uk.ts';

const FIXTURE = (m: string) => new URL(`../../fixtures/police-uk/${m}-cambridgeshire-street.csv`, import.meta.url).pathname;
const MONTHS = ['2024-01', '2024-02', '2024-03', '2024-04'];
const MAX_CRIMES = 200;
const RATE = 10;
const BURST = 15;

let fake: FakePoliceUk;
let service: RunningService;
let store: Store;
let storeDir: string;
let config: Config;
const logs: string[] = [];
/** The planted ASB burst (in April as first published) and its ward. */
let burst: FakeCrime[] = [];
let burstWard = '';
const measures = taxonomy()
  .policeUkMeasures()
  .map((m) => m.key);

/** Every ward of the force area with its full boundary (from the store, as ingest placed it). */
let wards: Array<{ code: string; district: string; feature: Feature<Polygon | MultiPolygon> }>;

/** What a month should hold by ward: each crime with a point counted in the ward whose boundary holds it. */
function expectedByWard(crimes: readonly FakeCrime[]): { byWard: Map<string, number>; inWards: Set<string>; noLocation: number } {
  const byWard = new Map<string, number>();
  const inWards = new Set<string>();
  let noLocation = 0;
  for (const c of crimes) {
    if (!c.location) {
      noLocation++;
      continue;
    }
    const point = [Number(c.location.longitude), Number(c.location.latitude)];
    const ward = wards.find((w) => booleanPointInPolygon(point, w.feature));
    if (!ward) continue; // snapped outside the force area
    byWard.set(ward.code, (byWard.get(ward.code) ?? 0) + 1);
    inWards.add(keyOf(c));
  }
  return { byWard, inWards, noLocation };
}

async function storedByArea(month: string, type: 'ward' | 'force'): Promise<Map<string, number>> {
  const codes = type === 'ward' ? wards.map((w) => w.code) : ['cambridgeshire'];
  const out = new Map<string, number>();
  for (const c of await store.counts({ areaCodes: codes, measures, source: 'police.uk', from: month, to: month })) out.set(c.areaCode, (out.get(c.areaCode) ?? 0) + c.count);
  return out;
}

/** The outbox messages of a kind about April 2024. */
async function outbox(kind: string) {
  return (await store.outboxMessages({ limit: 10_000 })).filter((m) => m.kind === kind && m.idempotencyKey.includes('2024-04'));
}

async function eventsFor(month: string) {
  return (await store.dataEvents(0, 10_000)).filter((e) => e.source === 'police.uk' && e.month === month);
}

beforeAll(async () => {
  const months: Record<string, FakeCrime[]> = {};
  MONTHS.forEach((m, i) => (months[m] = crimesFromCsv(FIXTURE(m), (i + 1) * 1_000_000)));
  fake = new FakePoliceUk({ months, force: 'cambridgeshire', maxCrimes: MAX_CRIMES });
  await fake.start();

  const t = await fixtureStore({ lastRealMonth: '2024-03' });
  await t.store.close();
  storeDir = t.dir;
  const file = new URL('../../wardwatch.config.yaml', import.meta.url).pathname;
  const base = parseConfig(readFileSync(file, 'utf8'), file).config;
  config = {
    ...base,
    watcher: {
      ...base.watcher,
      policeUkApi: { ...base.watcher.policeUkApi, enabled: true, baseUrl: fake.url, ratePerSecond: RATE, burst: BURST, timeoutSeconds: 0.5, maxRetries: 4, revisionMonths: 1 },
    },
  };
  service = await startService({
    config,
    store: { path: t.path },
    binding: { host: '127.0.0.1', port: 0, token: null, loopback: true, pageEnabled: false },
    env: { NODE_ENV: 'test' },
    log: (line) => logs.push(line),
    devControls: false,
    fixturesOnFirstStart: false,
    eventPollMs: 60_000,
    messagePollMs: 60_000,
  });
  await service.ready;
  store = service.store;
  const areas = await store.areas('ward');
  const boundaries = new Map((await store.boundaries()).map((b) => [b.areaCode, b.geojson]));
  wards = areas
    .filter((a) => (config.forceArea.districts ?? []).includes(a.parentCode ?? ''))
    .map((a) => ({ code: a.code, district: a.parentCode!, feature: JSON.parse(boundaries.get(a.code)!) as Feature<Polygon | MultiPolygon> }));

  // An ASB burst in the quietest Cambridge ward in the April that police.uk first publishes (it makes an
  // emerging hotspot the Cambridge channels are told of), which the revision later takes back.
  const april = months['2024-04']!;
  const inWard = (w: (typeof wards)[number], c: FakeCrime) => c.location !== null && booleanPointInPolygon([Number(c.location.longitude), Number(c.location.latitude)], w.feature);
  const cambridge = wards
    .filter((w) => w.district === 'E07000008')
    .map((w) => ({ w, crimes: april.filter((c) => inWard(w, c)) }))
    .filter((x) => x.crimes.length > 0)
    .sort((a, b) => a.crimes.filter((c) => c.category === 'anti-social-behaviour').length - b.crimes.filter((c) => c.category === 'anti-social-behaviour').length)[0]!;
  burstWard = cambridge.w.code;
  const at = cambridge.crimes[0]!;
  burst = Array.from({ length: 40 }, (_, i) => ({ ...at, category: 'anti-social-behaviour', persistent_id: '', outcome_status: null, id: 9_000_000 + i }));
  months['2024-04'] = [...april, ...burst];
}, 120_000);

afterAll(async () => {
  await service?.close();
  await fake?.stop();
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
});

describe('the police.uk watcher (service, scheduler, SQLite, fake API)', () => {
  it('is registered as scheduled jobs beside the data check', async () => {
    const jobs = (await service.scheduler.status()).jobs.map((j) => j.name);
    expect(jobs).toEqual(expect.arrayContaining(['data-check', 'watch-police-uk', 'watch-police-uk-revisions']));
    expect(jobs).not.toContain('watch-inbox'); // no inbox configured
    // No catch-up for the watcher: starting the service asked police.uk nothing.
    expect(fake.requests).toHaveLength(0);
  });

  it('ingests a new month once and completely, through 503 splits, a 429, a 500 and a timeout', async () => {
    fake.faults = [
      { atCrimeRequest: 5, kind: '429', retryAfter: '1' },
      { atCrimeRequest: 9, kind: '500' },
      { atCrimeRequest: 13, kind: 'hang', hangMs: 2000 },
    ];
    await service.scheduler.runNow('watch-police-uk');

    // The month, complete: every crime whose point lies in a ward is in that ward, once.
    const april = fake.options.months['2024-04']!;
    const expected = expectedByWard(april);
    const stored = await storedByArea('2024-04', 'ward');
    expect(Object.fromEntries([...stored].filter(([, n]) => n > 0).sort())).toEqual(Object.fromEntries([...expected.byWard].sort()));
    const inWards = [...expected.byWard.values()].reduce((a, b) => a + b, 0);
    expect(inWards).toBeGreaterThan(6000);
    // The force total: the crimes placed in wards plus those police.uk could not map.
    expect((await storedByArea('2024-04', 'force')).get('cambridgeshire')).toBe(inWards + expected.noLocation);

    // What the fake served: every crime in a ward at least once, many twice (overlapping polygons), kept once.
    const served = fake.requests.flatMap((r) => (r.endpoint === 'crimes-street/all-crime' ? (r.served ?? []) : []));
    const unique = new Set(served);
    for (const k of expected.inWards) expect(unique.has(k)).toBe(true);
    expect(served.length).toBeGreaterThan(unique.size);

    // The large polygons: 503, then split until every piece was answered.
    const tooLarge = fake.requests.filter((r) => r.status === 503);
    expect(tooLarge.length).toBeGreaterThan(0);
    for (const r of tooLarge) expect(r.inPolygon).toBeGreaterThan(MAX_CRIMES);
    for (const r of fake.requests.filter((q) => q.status === 200 && q.endpoint === 'crimes-street/all-crime')) expect(r.inPolygon).toBeLessThanOrEqual(MAX_CRIMES);

    // The 429 was honoured: for the Retry-After second nothing new was sent; only requests already on
    // their way (at most concurrency - 1 = 3) arrived (a lower bound on our waiting, not a speed).
    const t429 = fake.requests.find((r) => r.note === 'planted 429')!.at;
    expect(fake.requests.filter((r) => r.at > t429 && r.at < t429 + 990).length).toBeLessThanOrEqual(3);
    expect(fake.requests.some((r) => r.at >= t429 + 990)).toBe(true);
    // The 500 and the hang were retried (the month is complete above), and logged.
    expect(fake.requests.some((r) => r.note === 'planted 500')).toBe(true);
    expect(logs.some((l) => /HTTP 500; retrying/.test(l))).toBe(true);
    expect(logs.some((l) => /no answer in 0.5 s; retrying/.test(l))).toBe(true);
    expect(logs.some((l) => /HTTP 429 \(rate limited, Retry-After 1 s\); retrying/.test(l))).toBe(true);

    // The rate: never more than the burst plus one second's rate in any second, and never over police.uk's own limit.
    expect(fake.maxInWindow(1000)).toBeLessThanOrEqual(BURST + RATE);
    expect(fake.limiterRefusals).toBe(0);

    // Once: one release and one 'landed' event, and the consumers ran: the alerting pipeline wrote the
    // month's digest (the "month landed" message) to the outbox, one per channel.
    const events = await eventsFor('2024-04');
    expect(events.map((e) => e.kind)).toEqual(['landed']);
    const release = (await store.releases()).filter((r) => r.month === '2024-04' && r.source === 'police.uk');
    expect(release.map((r) => r.fileName)).toEqual(['police-uk-api-cambridgeshire-2024-04.csv']);
    expect((await outbox('digest')).map((m) => m.channel).sort()).toEqual(config.channels.map((c) => c.name).sort());
    expect(await store.watchedMonths('police.uk-api:cambridgeshire')).toMatchObject([{ month: '2024-04', crimes: unique.size + expected.noLocation, releaseId: release[0]!.id }]);

    // The fire was claimed in the store like any job's.
    const fire = (await store.lastJobFires()).get('watch-police-uk');
    expect(fire).toMatchObject({ reason: 'invoked', ok: true, claimedBy: service.replica });
    // Progress was logged; no secret to leak (police.uk has none), and no request body either.
    expect(logs.some((l) => /police\.uk: 2024-04: 120\/120 wards/.test(l))).toBe(true);
    expect(logs.some((l) => /poly=/.test(l))).toBe(false);
  }, 120_000);

  it('a second run fetches nothing new', async () => {
    const from = fake.requests.length;
    const checksum = await store.contentChecksum();
    await service.scheduler.runNow('watch-police-uk');
    expect(fake.requests.slice(from).map((r) => r.endpoint)).toEqual(['crimes-street-dates', 'crime-last-updated']);
    expect(await eventsFor('2024-04')).toHaveLength(1);
    // Only the job's claim row changes (job_fires is not part of the content checksum).
    expect(await store.contentChecksum()).toBe(checksum);
  });

  it('a revised month is re-ingested once, as one revision, and sends one correction; fetched again unchanged, nothing', async () => {
    fake.faults = [];
    const april = fake.options.months['2024-04']!;
    // The April digest announced the ASB burst's ward as an emerging hotspot; police.uk's revision takes the burst back.
    const digests = await outbox('digest');
    type Line = { id: number; areaCode: string; measure: string };
    const announced = digests.flatMap((m) => ((m.reply.data as { digest: { alerts: Line[] } }).digest.alerts ?? []).map((a) => ({ ...a, channel: m.channel })));
    const alert = announced.find((a) => a.areaCode === burstWard && a.measure === 'anti-social-behaviour')!;
    expect(alert).toBeDefined();
    const planted = new Set(burst.map(keyOf));
    const revised = april.filter((c) => !planted.has(keyOf(c)));
    expect(april.length - revised.length).toBe(40);
    // Outcomes move on every month: a changed outcome alone is not a revision of the counts.
    const outcomeOnly = revised.map((c, i) => (i === 1 && c.outcome_status ? { ...c, outcome_status: { category: 'Awaiting court outcome', date: '2024-06' } } : c));
    fake.setMonth('2024-04', outcomeOnly);

    await service.scheduler.runNow('watch-police-uk-revisions');
    const events = await eventsFor('2024-04');
    expect(events.map((e) => e.kind)).toEqual(['landed', 'revised']);
    const expected = expectedByWard(outcomeOnly);
    const stored = await storedByArea('2024-04', 'ward');
    expect(Object.fromEntries([...stored].filter(([, n]) => n > 0).sort())).toEqual(Object.fromEntries([...expected.byWard].sort()));
    const current = (await store.currentMonths('police.uk')).find((c) => c.month === '2024-04')!;
    const release = (await store.releases()).find((r) => r.id === current.releaseId)!;
    expect(release.revision!.previousTotal - release.revision!.newTotal).toBe(april.length - revised.length);
    // One correction in each channel that was told of the alert, threaded under its digest, naming it.
    const told = announced.filter((a) => a.id === alert.id).map((a) => a.channel);
    const corrections = await outbox('correction');
    expect(corrections.map((m) => m.channel).sort()).toEqual([...told].sort());
    for (const m of corrections) {
      expect(m.threadOf).toBe(`digest:${m.channel}:2024-04`);
      expect((m.reply.data as { correction: { alerts: Line[] } }).correction.alerts.map((a) => a.areaCode)).toContain(alert.areaCode);
    }
    expect(await outbox('digest')).toHaveLength(config.channels.length); // no second "month landed"

    // Only an outcome changes now: not a revision, and nothing more is sent.
    fake.setMonth('2024-04', revised);
    await service.scheduler.runNow('watch-police-uk-revisions');
    expect((await eventsFor('2024-04')).map((e) => e.kind)).toEqual(['landed', 'revised']);
    expect(logs.some((l) => /police\.uk: 2024-04: unchanged since/.test(l))).toBe(true);
    expect(await outbox('correction')).toHaveLength(corrections.length);
  }, 120_000);

  it('police.uk down fails the fire (logged, in the job log), and the service carries on', async () => {
    await fake.stop();
    await expect(service.scheduler.runNow('watch-police-uk')).rejects.toThrow(/crimes-street-dates: network error/);
    const fire = (await store.lastJobFires()).get('watch-police-uk');
    expect(fire).toMatchObject({ ok: false });
    expect(fire!.error).toMatch(/gave up after 5 attempts/);
    const health = await fetch(`${service.url}healthz`);
    expect(health.status).toBe(200);
  }, 120_000);
});
