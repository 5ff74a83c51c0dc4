// `wardwatch synth`: synthetic monthly history so spike detection has 5+ years to learn from.
//
// For every in-area ward and police.uk crime type, a month's count is drawn from a negative binomial
// (size SYNTH_DISPERSION: variance = mean + mean^2/size) whose mean is
//     the ward's real mean over the calibration months (the latest run of real police.uk months)
//   x a seasonal factor for the crime type (summer ASB peak, winter burglary peak, ...), relative to the
//     calibration months' own season
//   x a mild trend per crime type (a few per cent a year), equal to 1 at the calibration months.
// Each count becomes rows of a police.uk-shaped CSV whose location fields (longitude, latitude, "On or
// near ...", LSOA code and name) are copied from real rows of the same ward, so polygon and LSOA placement
// stay consistent; "No Location" and out-of-area rows are drawn at the real rates. A partnership extract
// for each month splits the same ward counts (see partnership.ts).
//
// Files are named synthetic-*.csv, which the release log records as synthetic. Months that already hold
// real data for a source are never written (and the store would refuse to overwrite them anyway).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import { addMonths, calendarMonth, monthIndex, monthRange, type Month } from '../core/periods.ts';
import { readCsv } from '../ingest/csv.ts';
import { forceAreaOf, GeoContext, PendingGeography } from '../ingest/geography.ts';
import { POLICE_UK_HEADER } from '../ingest/policeUk.ts';
import { taxonomy } from '../taxonomy/index.ts';
import type { Store } from '../store/types.ts';
import { splitPartnership, writePartnershipCsv, type WardMeasureCounts } from './partnership.ts';
import { Random } from './random.ts';

export const SYNTH_FIRST_MONTH: Month = '2018-01';
export const SYNTH_DISPERSION = 8;

/** Seasonal factors by calendar month (Jan..Dec), by police.uk measure key. */
export const SEASONALITY: Record<string, readonly number[]> = {
  'anti-social-behaviour': [0.82, 0.82, 0.92, 1.0, 1.1, 1.18, 1.28, 1.22, 1.05, 1.0, 0.88, 0.78],
  'bicycle-theft': [0.7, 0.7, 0.85, 0.95, 1.1, 1.2, 1.3, 1.3, 1.25, 1.1, 0.9, 0.7],
  burglary: [1.12, 1.0, 0.95, 0.9, 0.88, 0.88, 0.93, 0.95, 0.95, 1.08, 1.15, 1.18],
  'criminal-damage-arson': [0.92, 0.9, 1.0, 1.02, 1.06, 1.06, 1.06, 1.04, 1.0, 1.04, 0.98, 0.92],
  'violent-crime': [0.94, 0.9, 0.97, 0.98, 1.05, 1.06, 1.09, 1.05, 1.0, 1.0, 0.96, 1.0],
  'public-order': [0.92, 0.9, 0.98, 1.0, 1.06, 1.08, 1.1, 1.06, 1.0, 1.0, 0.94, 0.96],
  shoplifting: [0.98, 0.95, 1.0, 0.98, 1.0, 0.98, 1.0, 1.0, 0.98, 1.02, 1.05, 1.16],
  'vehicle-crime': [1.05, 0.98, 0.97, 0.95, 0.95, 0.96, 1.0, 1.0, 1.0, 1.04, 1.06, 1.04],
};
const FLAT = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] as const;

/** Annual trend by police.uk measure key (0.03 = +3% a year); anything not listed is flat. */
export const TREND: Record<string, number> = {
  shoplifting: 0.06,
  'violent-crime': 0.03,
  'public-order': 0.02,
  'anti-social-behaviour': -0.04,
  burglary: -0.03,
  'vehicle-crime': -0.02,
  'bicycle-theft': -0.02,
  drugs: 0.01,
};

const OUTCOMES = [
  'Investigation complete; no suspect identified',
  'Unable to prosecute suspect',
  'Under investigation',
  'Awaiting court outcome',
  'Local resolution',
  'Offender given a caution',
  'Action to be taken by another organisation',
];

export interface SynthOptions {
  seed: number;
  outDir: string;
  /** Real police.uk CSVs of the calibration months, for snap points (default: fixtures/police-uk). */
  pointsDir?: string;
  config?: Config | null;
  /** First month of history (default 2018-01). */
  from?: Month;
}

export interface SynthResult {
  files: string[];
  policeUkMonths: Month[];
  partnershipMonths: Month[];
  calibrationMonths: Month[];
  rows: number;
}

/** The latest run of consecutive months in `months` (ascending). */
export function latestRun(months: readonly Month[]): Month[] {
  const run: Month[] = [];
  for (let i = months.length - 1; i >= 0; i--) {
    if (run.length && monthIndex(run[0]!) - monthIndex(months[i]!) !== 1) break;
    run.unshift(months[i]!);
  }
  return run;
}

/** Seasonal factor for `measure` in `month`, relative to the mean over the calibration months. */
export function seasonalFactor(measure: string, month: Month, calibration: readonly Month[]): number {
  const s = SEASONALITY[measure] ?? FLAT;
  const norm = calibration.reduce((sum, m) => sum + s[calendarMonth(m) - 1]!, 0) / calibration.length;
  return s[calendarMonth(month) - 1]! / norm;
}

export function trendFactor(measure: string, month: Month, calibration: readonly Month[]): number {
  const mid = (monthIndex(calibration[0]!) + monthIndex(calibration[calibration.length - 1]!)) / 2;
  return Math.pow(1 + (TREND[measure] ?? 0), (monthIndex(month) - mid) / 12);
}

interface Pools {
  byWard: Map<string, string[]>;
  byWardMeasure: Map<string, string[]>;
  outOfArea: Array<{ location: string; crimeType: string }>;
}

/** Real location tuples ("lon,lat,location,lsoa code,lsoa name") by the ward the ingest would place them in. */
async function locationPools(files: string[], geo: GeoContext, measureOf: Map<string, string>): Promise<Pools> {
  const pools: Pools = { byWard: new Map(), byWardMeasure: new Map(), outOfArea: [] };
  const push = (map: Map<string, string[]>, key: string, v: string) => {
    const list = map.get(key);
    if (list) list.push(v);
    else map.set(key, [v]);
  };
  await geo.loadBoundaries();
  for (const file of files) {
    await readCsv(file, () => (f) => {
      const lonText = f[4]!,
        latText = f[5]!,
        lsoaRaw = f[7]!;
      if (!lonText || !latText || !lsoaRaw) return;
      const tuple = `${lonText},${latText},${f[6]},${lsoaRaw},${f[8]}`;
      const lsoa = geo.lsoaWard.has(lsoaRaw) ? lsoaRaw : geo.lsoa11.get(lsoaRaw);
      const district = lsoa ? geo.lsoaDistrict.get(lsoa) : undefined;
      if (!district || !geo.districts.has(district)) {
        pools.outOfArea.push({ location: tuple, crimeType: f[9]! });
        return;
      }
      const ward = geo.locate(Number(lonText), Number(latText)) ?? geo.lsoaWard.get(lsoa!)!;
      push(pools.byWard, ward, tuple);
      const measure = measureOf.get(f[9]!);
      if (measure) push(pools.byWardMeasure, `${ward}\t${measure}`, tuple);
    });
  }
  return pools;
}

interface Calibrated {
  geo: GeoContext;
  measures: ReturnType<ReturnType<typeof taxonomy>['policeUkMeasures']>;
  wards: string[];
  keys: string[];
  calibration: Month[];
  realPolice: Set<Month>;
  realPartnership: Set<Month>;
  mean: Map<string, number>;
  noLocation: Map<string, number>;
  outOfAreaMean: number;
  pools: Pools;
  lsoasOfWard: Map<string, string[]>;
  forceName: string;
  slug: string;
}

/** Reads the calibration (real ward means, No Location and out-of-area rates, snap points) from the store. */
async function calibrate(store: Store, options: Pick<SynthOptions, 'config' | 'pointsDir'>): Promise<Calibrated> {
  const tax = taxonomy();
  const measures = tax.policeUkMeasures();
  const measureOf = new Map(measures.map((m) => [m.policeUkName!, m.key]));
  const config = options.config === undefined ? (await import('../ingest/index.ts')).defaultConfig() : options.config;
  const force = forceAreaOf(config);
  const geo = await GeoContext.load(store, new PendingGeography(), force);
  if (!geo.hasGeography) throw new UserError('synth needs geography in the store: run `wardwatch ingest fixtures/geography` first');
  const realMonths = await store.realMonths('police.uk');
  const calibration = latestRun(realMonths);
  if (!calibration.length) throw new UserError('synth needs at least one real police.uk month in the store to calibrate to');
  const first = calibration[0]!,
    last = calibration[calibration.length - 1]!;

  const wards = (await store.areas('ward')).filter((w) => geo.districts.has(w.parentCode ?? '')).map((w) => w.code);
  const keys = measures.map((m) => m.key);
  const mean = new Map<string, number>();
  for (const c of await store.counts({ areaCodes: wards, measures: keys, source: 'police.uk', from: first, to: last })) {
    const k = `${c.areaCode}\t${c.measure}`;
    mean.set(k, (mean.get(k) ?? 0) + c.count / calibration.length);
  }
  const noLocation = new Map<string, number>();
  for (const c of await store.counts({ areaCodes: [force.code, ...geo.districts], measures: keys, source: 'police.uk', from: first, to: last })) {
    noLocation.set(c.measure, (noLocation.get(c.measure) ?? 0) + ((c.areaType === 'force' ? 1 : -1) * c.count) / calibration.length);
  }
  const calibReleases = (await store.releases()).filter((r) => r.source === 'police.uk' && r.month && calibration.includes(r.month) && !r.synthetic);
  const outOfAreaMean = calibReleases.reduce((s, r) => s + r.outOfArea, 0) / Math.max(1, calibReleases.length);

  const pointsDir = options.pointsDir ?? (await import('../ingest/fixture-paths.ts')).FIXTURE_PATHS.policeUk;
  const pointFiles = readdirSync(pointsDir)
    .filter((f) => f.endsWith('.csv') && !/^synthetic-/i.test(f) && calibration.some((m) => f.startsWith(m)))
    .map((f) => join(pointsDir, f));
  if (!pointFiles.length) throw new UserError(`synth needs the real police.uk files of ${calibration.join(', ')} in ${pointsDir} for snap points`);
  const pools = await locationPools(pointFiles, geo, measureOf);
  const lsoasOfWard = new Map<string, string[]>();
  for (const a of await store.areas('lsoa')) if (a.parentCode) lsoasOfWard.set(a.parentCode, [...(lsoasOfWard.get(a.parentCode) ?? []), `,,,${a.code},${a.name}`]);
  return {
    geo,
    measures,
    wards,
    keys,
    calibration,
    mean,
    noLocation,
    outOfAreaMean,
    pools,
    lsoasOfWard,
    realPolice: new Set(realMonths),
    realPartnership: new Set(await store.realMonths('partnership')),
    forceName: config?.forceArea.name ?? 'Force',
    slug: force.code,
  };
}

/** Writes one month's files (police.uk-shaped unless real police.uk data exists; partnership unless real partnership data exists). */
async function generateMonth(store: Store, cal: Calibrated, rng: Random, month: Month, outDir: string, result: SynthResult): Promise<void> {
  const { measures, wards, keys, calibration, pools } = cal;
  const factor = (key: string) => seasonalFactor(key, month, calibration) * trendFactor(key, month, calibration);
  let wardCounts: WardMeasureCounts = new Map();
  if (cal.realPolice.has(month)) {
    // A real police.uk month inside the range (e.g. 2019-08) is kept; the partnership splits its ward counts.
    for (const c of await store.counts({ areaCodes: wards, measures: keys, source: 'police.uk', from: month, to: month })) {
      wardCounts.set(c.areaCode, { ...(wardCounts.get(c.areaCode) ?? {}), [c.measure]: c.count });
    }
  } else {
    wardCounts = new Map();
    const lines: string[] = [POLICE_UK_HEADER.join(',')];
    const row = (m: (typeof measures)[number], location: string) => {
      const asb = m.kind === 'asb';
      lines.push(`${asb ? '' : rng.hex64()},${month},${cal.forceName},${cal.forceName},${location},${m.policeUkName},${asb ? '' : rng.pick(OUTCOMES)},`);
    };
    for (const ward of wards) {
      const counts: Record<string, number> = {};
      for (const m of measures) {
        const n = rng.negativeBinomial(Math.max(cal.mean.get(`${ward}\t${m.key}`) ?? 0, 0.05) * factor(m.key), SYNTH_DISPERSION);
        if (!n) continue;
        counts[m.key] = n;
        const pool = pools.byWardMeasure.get(`${ward}\t${m.key}`) ?? pools.byWard.get(ward) ?? cal.lsoasOfWard.get(ward)!;
        for (let i = 0; i < n; i++) row(m, rng.pick(pool));
      }
      wardCounts.set(ward, counts);
    }
    for (const m of measures) {
      const n = rng.negativeBinomial(Math.max(cal.noLocation.get(m.key) ?? 0, 0.05) * factor(m.key), SYNTH_DISPERSION);
      for (let i = 0; i < n; i++) row(m, ',,No Location,,');
    }
    if (pools.outOfArea.length) {
      const n = rng.poisson(cal.outOfAreaMean);
      for (let i = 0; i < n; i++) {
        const o = rng.pick(pools.outOfArea);
        row(taxonomy().byPoliceUk(o.crimeType)!, o.location);
      }
    }
    const file = join(outDir, `synthetic-${month}-${cal.slug}-street.csv`);
    writeFileSync(file, lines.join('\r\n') + '\r\n');
    result.files.push(file);
    result.policeUkMonths.push(month);
    result.rows += lines.length - 1;
  }
  if (!cal.realPartnership.has(month)) {
    const rows = splitPartnership(rng, month, wardCounts);
    const file = join(outDir, `synthetic-partnership-${month}.csv`);
    writePartnershipCsv(file, month, rows);
    result.files.push(file);
    result.partnershipMonths.push(month);
    result.rows += rows.length;
  }
}

/** Writes the synthetic history as CSV files into `outDir`. Needs geography and real police.uk months in the store. */
export async function writeSynthHistory(store: Store, options: SynthOptions): Promise<SynthResult> {
  const cal = await calibrate(store, options);
  const months = monthRange(options.from ?? SYNTH_FIRST_MONTH, addMonths(cal.calibration[0]!, -1));
  const rng = new Random(options.seed);
  mkdirSync(options.outDir, { recursive: true });
  const result: SynthResult = { files: [], policeUkMonths: [], partnershipMonths: [], calibrationMonths: cal.calibration, rows: 0 };
  // One month after another: each draws from the same random stream, in month order.
  for (const month of months) await generateMonth(store, cal, rng, month, options.outDir, result);
  return result;
}

/**
 * One synthetic month (e.g. the month after the latest real one, for "simulate next month"), calibrated the
 * same way; deterministic from the seed and the month. Writes nothing for a source with real data that month.
 */
export async function writeSynthMonth(store: Store, options: Omit<SynthOptions, 'from'> & { month: Month }): Promise<SynthResult> {
  const cal = await calibrate(store, options);
  const rng = new Random((options.seed ^ Math.imul(monthIndex(options.month), 0x9e3779b1)) >>> 0);
  mkdirSync(options.outDir, { recursive: true });
  const result: SynthResult = { files: [], policeUkMonths: [], partnershipMonths: [], calibrationMonths: cal.calibration, rows: 0 };
  await generateMonth(store, cal, rng, options.month, options.outDir, result);
  return result;
}
