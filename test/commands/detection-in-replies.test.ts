// Detection in the answers partners see: the spike test in `/crime <place> <topic>` (figure, summary,
// notes, the chart's expected band and alarm marker), small-number suppression of the band, and
// hotspots / emerging hotspots in `/crime top`, each checked against an independent computation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import { addMonths, monthRange } from '../../src/core/periods.ts';
import type { Reply, SeriesPoint } from '../../src/core/reply.ts';
import { farringtonFlexible } from '../../src/detect/index.ts';
import type { DataSource, Store } from '../../src/store/types.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const { config } = loadConfig();
const MARKET = 'E05013057';
const CAMBRIDGE = 'E07000008';
const data = (r: Reply) => r.data as Record<string, any>;
const askIn = (store: Store) => (text: string, channel?: string) => answer(text, makeContext({ store, config, channel, now: new Date('2024-05-20T09:00:00Z') }));
const allText = (r: Reply) => JSON.stringify(r);

/**
 * Re-publishes one month of a source with one ward's count of a measure set to `count`, the
 * district and force rows moved by the same amount (as a corrected file would).
 */
async function setWardCount(store: Store, o: { source?: DataSource; month: string; measure: string; ward: string; count: number }): Promise<void> {
  const source = o.source ?? 'police.uk';
  const areas = await store.areas();
  const rows = await store.counts({ areaCodes: areas.map((a) => a.code), measures: taxonomy().measures.map((m) => m.key), source, from: o.month, to: o.month });
  const ward = (await store.area(o.ward))!;
  const district = (await store.area(ward.parentCode!))!;
  const old = rows.find((r) => r.areaCode === o.ward && r.measure === o.measure)?.count ?? 0;
  const delta = o.count - old;
  const lift = new Set([ward.code, district.code, district.parentCode ?? '']);
  const counts = rows.map((r) =>
    r.measure === o.measure && lift.has(r.areaCode) ? { ...r, count: r.count + delta, ...(r.areaCode === ward.code ? { byPolygon: (r.byPolygon ?? 0) + delta } : {}) } : r,
  );
  if (!rows.some((r) => r.areaCode === o.ward && r.measure === o.measure)) {
    counts.push({
      source,
      month: o.month,
      areaType: 'ward',
      areaCode: o.ward,
      measure: o.measure,
      count: o.count,
      byPolygon: o.count,
      byLsoa: 0,
      byPartner: 0,
      synthetic: rows[0]?.synthetic ?? false,
    });
  }
  const current = (await store.currentMonths(source)).find((c) => c.month === o.month)!;
  const release = (await store.releases()).find((r) => r.id === current.releaseId)!;
  const res = await store.replaceMonth({
    source,
    month: o.month,
    counts,
    release: { ...release, fileName: `${release.fileName} (test edit)`, checksum: `${release.checksum.slice(0, 40)}-edit-${o.measure}-${o.ward}-${o.count}` },
  });
  expect(res.unchanged).toBe(false);
}

/** The monthly series of a ward and measure straight from the store (the independent side). */
async function storeSeries(store: Store, code: string, measure: string, to: string): Promise<{ months: string[]; counts: number[] }> {
  const months = (await store.months('police.uk')).filter((m) => m <= to);
  const byMonth = new Map((await store.counts({ areaCodes: [code], measures: [measure], source: 'police.uk' })).map((r) => [r.month, r.count]));
  return { months, counts: months.map((m) => byMonth.get(m) ?? 0) };
}

const band = (r: Reply) => (r.chart as { series: SeriesPoint[] }).series;

describe('the spike test in /crime <place> <topic>', () => {
  let t: TempStore;
  beforeAll(async () => {
    t = await fixtureStore({ history: true });
  });
  afterAll(() => t?.cleanup());

  it('a normal month is "not higher than expected" (never "within range": the band runs from the expected level up), with the band on the chart for the tested months', async () => {
    const r = await askIn(t.store)('market burglary');
    const f = r.figures.find((x) => x.id === 'spike')!;
    expect(f.label).toBe('Expected for April 2024');
    expect(f.wording).toMatch(/^Not higher than expected for the time of year \(expected about [\d.]+, alert above \d+\)\.$/);
    expect(r.summary).toContain('not higher than expected for the time of year.');
    const last = band(r).at(-1)!;
    expect(last).toMatchObject({ month: '2024-04', alarm: false });
    expect(last.upperbound).toBeGreaterThan(last.count!);
    // history used, and that it is synthetic
    // the method is said under "About these figures"
    expect(r.about!.join(' ')).toMatch(/in the 58 months from March 2019 to December 2023/);
    expect(r.about!.join(' ')).toMatch(/of those months are synthetic/);
    // only the chart's 24 months are tested; the earliest of them have too little history
    const tested = data(r).detection.months;
    expect(tested).toHaveLength(24);
    expect(tested[0].month).toBe('2022-05');
    expect(tested.filter((m: any) => m.status === 'not-enough-history').map((m: any) => m.month)).toEqual(monthRange('2022-05', '2023-01'));
    expect(allText(r)).not.toMatch(/significant/i);
  });

  it('an injected spike alarms in the reply and on the chart request, with the same numbers as the detector run on the store', async () => {
    await setWardCount(t.store, { month: '2024-04', measure: 'burglary', ward: MARKET, count: 30 });
    const r = await askIn(t.store)('market burglary');
    expect(r.figures.find((x) => x.id === 'month')!.value).toBe(30);
    const f = r.figures.find((x) => x.id === 'spike')!;
    expect(f.display).toMatch(/^higher than expected/);
    expect(f.wording).toMatch(/^Higher than expected for the time of year \(expected about [\d.]+, alert above \d+\): about 1 month in [\d,]+ would be this high by chance\.$/);
    expect(r.summary).toMatch(/, higher than expected for the time of year: about 1 month in [\d,]+ would be this high by chance\./);
    const last = band(r).at(-1)!;
    expect(last.alarm).toBe(true);
    expect(last.count).toBeGreaterThan(last.upperbound!);
    expect(r.chartAlt).toBeDefined();
    // independently: the detector on the series read straight from the store
    const s = await storeSeries(t.store, MARKET, 'burglary', '2024-04');
    const ref = farringtonFlexible(s.counts, s.months, {}, { from: '2024-04' })[0]!;
    expect(ref.alarm).toBe(true);
    expect(last.upperbound).toBe(ref.upperbound);
    expect(last.expected).toBeCloseTo(ref.expected!, 2);
    expect(data(r).detection.latest).toMatchObject({ month: '2024-04', status: 'tested', alarm: true, rangeHidden: false, upperbound: ref.upperbound });
    expect(f.wording).toContain(`alert above ${ref.upperbound}`);
    // a year's question keeps the alarm among its key figures
    const ye = await askIn(t.store)('market burglary ye');
    expect(ye.figures.map((x) => x.id)).toContain('spike');
    expect(allText(r)).not.toMatch(/significant/i);
  });

  it('compare is unchanged: no spike test there', async () => {
    const r = await askIn(t.store)('compare market abbey burglary');
    expect(r.kind).toBe('answer');
    expect(allText(r)).not.toMatch(/Spike test/);
  });
});

describe('not enough history', () => {
  let t: TempStore;
  beforeAll(async () => {
    t = await fixtureStore();
  });
  afterAll(() => t?.cleanup());
  it('says so, and draws no band', async () => {
    const r = await askIn(t.store)('market burglary');
    const f = r.figures.find((x) => x.id === 'spike')!;
    expect(f.display).toBe('not tested (not enough history)');
    expect(f.wording).toMatch(
      /^April 2024 was not tested for a spike: not enough history \(the test needs 5 years and 1 month of earlier months, this series has \d+ months?\)\.$/,
    );
    expect(band(r).some((p) => p.expected != null || p.upperbound != null || p.alarm)).toBe(false);
    expect(allText(r)).not.toMatch(/significant/i);
  });
});

describe('small numbers: the band never gives a hidden count away', () => {
  let t: TempStore;
  beforeAll(async () => {
    t = await fixtureStore({ history: true });
  });
  afterAll(() => t?.cleanup());
  /** The defaults' baseline for month k: k-61 .. k-4. */
  const baseline = (month: string) => monthRange(addMonths(month, -61), addMonths(month, -4));

  it('no expected value or upper bound for a hidden month, nor for a month whose baseline holds exactly one hidden count', async () => {
    let bandsShown = 0;
    // partnership measures (perturbed, small ones hidden); police.uk counts are exact everywhere
    let hiddenSeen = 0;
    for (const text of [
      'market residential burglary',
      'newnham business and community burglary',
      'market asb environmental',
      'castle deliberate fires',
      'abbey asb personal',
      'coleridge deliberate fires',
      // and at district level, where the counts are large enough to show their bands whatever the keys
      'cambridge deliberate fires',
      'cambridge asb environmental',
    ]) {
      const r = await askIn(t.store)(text, 'cambridge-csp');
      const d = data(r);
      const hiddenMonths = new Set((d.suppressedIds as string[]).filter((id) => id.startsWith('m:')).map((id) => id.slice(2)));
      hiddenSeen += hiddenMonths.size;
      for (const p of band(r)) {
        if (p.count === null) expect(p.expected ?? p.upperbound ?? p.alarm, `${text} ${p.month}`).toBeUndefined();
        if (p.expected != null) {
          bandsShown++;
          expect(baseline(p.month).filter((m) => hiddenMonths.has(m)).length, `${text} ${p.month}`).not.toBe(1);
        }
      }
      for (const m of d.detection.months) if (hiddenMonths.has(m.month)) expect([m.expected, m.upperbound, m.alarm], `${text} ${m.month}`).toEqual([null, null, null]);
      const f = r.figures.find((x) => x.id === 'spike');
      if (f && hiddenMonths.has('2024-04')) expect(f.wording, text).not.toMatch(/\d+(\.\d)?,|up to \d|alert above \d/);
    }
    expect(bandsShown).toBeGreaterThan(0);
    expect(hiddenSeen).toBeGreaterThan(0);
  });

  it('one small month in five years of large counts hides the range (it could be worked back), but not the verdict', async () => {
    // A partnership measure: police.uk counts are shown exactly (README "Disclosure policy"), the
    // extract's are perturbed, and a month of 0 always reads "fewer than 5" (zero cells are not perturbed).
    const before = await askIn(t.store)('market asb nuisance', 'cambridge-csp');
    expect(band(before).at(-1)!.expected).toBeGreaterThan(0);
    await setWardCount(t.store, { source: 'partnership', month: '2021-06', measure: 'asb-nuisance', ward: MARKET, count: 0 }); // inside April 2024's baseline
    const r = await askIn(t.store)('market asb nuisance', 'cambridge-csp');
    const d = data(r);
    expect(d.suppressedIds).toContain('m:2021-06');
    expect(d.suppressedIds).toContain('band:2024-04');
    expect(band(r).at(-1)).not.toHaveProperty('expected');
    const f = r.figures.find((x) => x.id === 'spike')!;
    expect(f).toMatchObject({ value: null, suppressed: true });
    expect(f.wording).toMatch(/not shown: it could reveal a small number/);
    expect(d.detection.latest).toMatchObject({ rangeHidden: true, expected: null, upperbound: null, probability: null });
    expect(d.suppressed.find((s: any) => s.id === 'band:2024-04').label).toBe('expected range, April 2024');
    // a cleared channel sees it all
    const cleared = await askIn(t.store)('market asb nuisance', 'cambridge-analysts');
    expect(band(cleared).at(-1)!.expected).toBeGreaterThan(0);
    expect(cleared.figures.find((x) => x.id === 'spike')!.wording).toMatch(/expected about \d+/);
  });
});

/** P(X >= k) for X ~ Poisson(mu), summed directly in log space: the independent side of the hotspot test. */
function poissonUpperTail(k: number, mu: number): number {
  if (k <= 0) return 1;
  let below = 0;
  let logTerm = -mu; // log P(X = 0)
  for (let i = 0; i < k; i++) {
    below += Math.exp(logTerm);
    logTerm += Math.log(mu) - Math.log(i + 1);
  }
  return Math.max(0, 1 - below);
}

/** Benjamini-Hochberg: which p-values are discoveries at level q. */
function bhDiscoveries(ps: number[], q: number): boolean[] {
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  let cut = -1;
  order.forEach(([p], r) => {
    if (p <= ((r + 1) / ps.length) * q) cut = r;
  });
  const out = ps.map(() => false);
  for (let r = 0; r <= cut; r++) out[order[r]![1]] = true;
  return out;
}

describe('hotspots in /crime top', () => {
  let t: TempStore;
  beforeAll(async () => {
    t = await fixtureStore({ history: true });
  });
  afterAll(() => t?.cleanup());

  it('flags exactly the wards an exact Poisson test with BH false discovery control flags, on the chart and in the table', async () => {
    const r = await askIn(t.store)('top burglary cambridge');
    const d = data(r);
    const wards = (await t.store.children(CAMBRIDGE)).filter((a) => a.type === 'ward');
    const ye = monthRange('2023-05', '2024-04');
    const rows = await t.store.counts({ areaCodes: wards.map((w) => w.code), measures: ['burglary'], source: 'police.uk', from: ye[0], to: ye[11] });
    const counts = wards.map((w) => rows.filter((x) => x.areaCode === w.code).reduce((s, x) => s + x.count, 0));
    const populations = await t.store.populations(wards.map((w) => w.code));
    const pops = wards.map((w) => populations.get(w.code)!.population);
    const rate = counts.reduce((a, b) => a + b, 0) / pops.reduce((a, b) => a + b, 0);
    const ps = wards.map((_, i) => poissonUpperTail(counts[i]!, rate * pops[i]!));
    const disc = bhDiscoveries(ps, 0.05);
    const expected = wards
      .filter((_, i) => disc[i] && counts[i]! >= 5 && counts[i]! > rate * pops[i]!)
      .map((w) => w.code)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    const flagged = (d.ranking as any[])
      .filter((x) => x.hotspot)
      .map((x) => x.code)
      .sort();
    expect(flagged).toEqual(expected);
    for (const h of d.hotspots.areas as any[]) {
      const i = wards.findIndex((w) => w.code === h.code);
      expect(h.pValue).toBeCloseTo(ps[i]!, 6);
    }
    const bars = (r.chart as any).bars as any[];
    for (const b of bars) if (expected.includes(b.code)) expect(b.hotspot, b.name).toBe(true);
    const hotCol = r.table!.columns.indexOf('Hotspot');
    for (const row of r.table!.rows) {
      const ward = wards.find((w) => row[1]!.startsWith(w.name))!;
      expect(row[hotCol]!.startsWith('hotspot'), ward.name).toBe(expected.includes(ward.code));
    }
    expect(r.figures.find((f) => f.id === 'hotspots')!.value).toBe(expected.length);
    // the method is said under "About these figures"
    expect(r.about!.join(' ')).toMatch(/exact Poisson test/);
    expect(r.about!.join(' ')).toMatch(/false discovery rate of 5%/);
    expect(allText(r)).not.toMatch(/significant/i);
  });

  it('ranks by smoothed rate with the recorded rate and count beside it', async () => {
    const r = await askIn(t.store)('top burglary cambridge');
    expect(r.table!.columns.slice(0, 5)).toEqual(['Rank', 'Ward', 'Smoothed rate', 'Rate per 1,000', 'Count']);
    const ranking = data(r).ranking as any[];
    for (let i = 1; i < ranking.length; i++) expect(ranking[i - 1].smoothedRate).toBeGreaterThanOrEqual(ranking[i].smoothedRate);
    // shrinkage pulls every rate towards the Cambridge rate, never past it
    const parent = data(r).reference.rate;
    for (const x of ranking) expect(Math.abs(x.smoothedRate - parent)).toBeLessThanOrEqual(Math.abs(x.rate - parent) + 1e-9);
  });

  it('the "Show hotspots" button of an answer leads to a reply that names the hotspots', async () => {
    const a = await askIn(t.store)('market burglary');
    const btn = a.actions.find((x) => x.label === 'Show hotspots')!;
    const r = await askIn(t.store)(btn.command);
    expect(r.figures.find((f) => f.id === 'hotspots')!.display).toMatch(/^\d+ of 14: .*Market/);
    expect(r.summary).toMatch(/hotspots? for burglary/);
  });

  it('an emerging hotspot: a ward that jumps in the latest month and was not a hotspot before', async () => {
    const before = data(await askIn(t.store)('top burglary cambridge'));
    const romsey = (await t.store.children(CAMBRIDGE)).find((a) => a.name === 'Romsey')!;
    expect(before.ranking.find((x: any) => x.code === romsey.code).emerging).toBe(false);
    expect(before.hotspots.emerging.areas.find((x: any) => x.code === romsey.code).previousHotspotMonths).toEqual([]);
    await setWardCount(t.store, { month: '2024-04', measure: 'burglary', ward: romsey.code, count: 25 });
    const r = await askIn(t.store)('top burglary cambridge');
    const d = data(r);
    expect(d.ranking.find((x: any) => x.code === romsey.code).emerging).toBe(true);
    expect(d.hotspots.emerging).toMatchObject({ month: '2024-04', previous: 3, previousChecked: 3 });
    const fig = r.figures.find((f) => f.id === 'emerging-hotspots')!;
    expect(fig.display).toContain('Romsey');
    expect(fig.wording).toMatch(/Romsey became a hotspot in April 2024, not one in any of the previous 3 months\./);
    const row = r.table!.rows.find((x) => x[1]!.startsWith('Romsey'))!;
    expect(row.at(-1)).toMatch(/emerging \(April 2024\)/);
    // labelled "emerging" on the chart, not "hotspot" (it is a hotspot in April alone)
    const bar = (r.chart as any).bars.find((b: any) => b.code === romsey.code);
    expect(bar?.emerging || bar?.hotspot).toBe(true);
    if (!d.hotspots.areas.find((a: any) => a.code === romsey.code)?.hotspot) expect(bar?.hotspot).toBeFalsy();
    // independently: Romsey's April count against its population share of Cambridge's April
    const wards = (await t.store.children(CAMBRIDGE)).filter((a) => a.type === 'ward');
    const aprilRows = await t.store.counts({ areaCodes: wards.map((w) => w.code), measures: ['burglary'], source: 'police.uk', from: '2024-04', to: '2024-04' });
    const april = (code: string) => aprilRows.filter((x) => x.areaCode === code).reduce((s, x) => s + x.count, 0);
    const total = wards.reduce((s, w) => s + april(w.code), 0);
    const populations = await t.store.populations(wards.map((w) => w.code));
    const pop = wards.reduce((s, w) => s + populations.get(w.code)!.population, 0);
    expect(poissonUpperTail(25, (total / pop) * populations.get(romsey.code)!.population)).toBeLessThan(0.05 / wards.length);
  });

  it('in a channel not cleared for small numbers, a hidden count is never flagged and smoothed rates are withheld', async () => {
    const r = await askIn(t.store)('top deliberate fires cambridge', 'cambridge-csp');
    const d = data(r);
    expect((d.ranking as any[]).some((x) => x.suppressed)).toBe(true);
    for (const x of d.ranking as any[]) if (x.suppressed) expect(x.hotspot || x.emerging).toBe(false);
    if ((d.ranking as any[]).some((x) => x.suppressed)) {
      expect((d.ranking as any[]).every((x) => x.smoothedRate === null)).toBe(true);
      expect([...r.notes, ...((r as { about?: string[] }).about ?? [])].join(' ')).toMatch(/Smoothed rates are not shown here|Ranking: by the rate as recorded/);
      for (const h of d.hotspots.areas as any[]) if ((d.ranking as any[]).find((x) => x.code === h.code).suppressed) expect(h.locationQuotient).toBeUndefined();
    }
  });
});
