import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import synth from '../../src/surfaces/cli/verbs/synth.ts';
import { calendarMonth, monthRange } from '../../src/core/periods.ts';
import { seasonalFactor, trendFactor, writeSynthHistory, writeSynthMonth } from '../../src/synth/history.ts';
import { Random } from '../../src/synth/random.ts';
import { sumsByArea } from '../helpers/counts.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const CALIBRATION = ['2024-01', '2024-02', '2024-03', '2024-04'];
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'wardwatch-synth-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const digest = (files: string[]) => Object.fromEntries(files.map((f) => [basename(f), createHash('sha256').update(readFileSync(f)).digest('hex')]));

describe('Random', () => {
  it('is deterministic for a seed, and the negative binomial is over-dispersed with the asked mean', () => {
    const a = new Random(42),
      b = new Random(42),
      c = new Random(43);
    const xs = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(xs);
    const r = new Random(1);
    const draws = Array.from({ length: 20000 }, () => r.negativeBinomial(10, 8));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length;
    expect(mean).toBeGreaterThan(9.7);
    expect(mean).toBeLessThan(10.3);
    expect(variance).toBeGreaterThan(10 + 100 / 8 - 2.5); // mean + mean^2/size = 22.5
    expect(variance).toBeLessThan(22.5 + 2.5);
  });
});

describe('wardwatch synth', () => {
  let t: TempStore;
  beforeAll(async () => {
    t = await fixtureStore();
  });
  afterAll(() => t?.cleanup());

  it('is deterministic from the seed, and a different seed gives different files', async () => {
    const a = await writeSynthHistory(t.store, { seed: 7, outDir: tempDir(), from: '2023-06', config: undefined });
    const b = await writeSynthHistory(t.store, { seed: 7, outDir: tempDir(), from: '2023-06' });
    const c = await writeSynthHistory(t.store, { seed: 8, outDir: tempDir(), from: '2023-06' });
    expect(digest(a.files)).toEqual(digest(b.files));
    expect(Object.values(digest(c.files))).not.toEqual(Object.values(digest(a.files)));
    expect(a.calibrationMonths).toEqual(CALIBRATION);
    expect(a.policeUkMonths).toEqual(monthRange('2023-06', '2023-12'));
  });

  it('never writes a police.uk month that has real data (2019-08), but still splits it for the partnership', async () => {
    const r = await writeSynthHistory(t.store, { seed: 1, outDir: tempDir(), from: '2019-07' });
    expect(r.policeUkMonths).not.toContain('2019-08');
    expect(r.policeUkMonths[0]).toBe('2019-07');
    expect(r.partnershipMonths).toContain('2019-08');
    expect(r.files.every((f) => basename(f).startsWith('synthetic-'))).toBe(true);
  });

  it('writeSynthMonth: one month after the real ones, deterministic; nothing for a month with real police.uk data', async () => {
    const a = await writeSynthMonth(t.store, { month: '2024-05', seed: 3, outDir: tempDir() });
    const b = await writeSynthMonth(t.store, { month: '2024-05', seed: 3, outDir: tempDir() });
    expect(a.files.map((f) => basename(f))).toEqual(['synthetic-2024-05-cambridgeshire-street.csv', 'synthetic-partnership-2024-05.csv']);
    expect(digest(a.files)).toEqual(digest(b.files));
    const real = await writeSynthMonth(t.store, { month: '2024-04', seed: 3, outDir: tempDir() });
    expect(real.policeUkMonths).toEqual([]);
  });
});

describe('wardwatch synth --ingest', () => {
  it('ingests only the files it wrote, not whatever else is in the output folder', async () => {
    const t = await fixtureStore();
    const out = tempDir();
    writeFileSync(join(out, 'extract-2017-06.csv'), 'month,area_type,area_code,measure,count\n2017-06,ward,E05013057,residential-burglary,3\n');
    const env = process.env.WARDWATCH_DB;
    process.env.WARDWATCH_DB = t.path;
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await synth.run(['--out', out, '--from', '2023-11', '--ingest'])).toBe(0);
      expect(await t.store.months('partnership')).toContain('2023-11');
      expect(await t.store.months('partnership')).not.toContain('2017-06');
    } finally {
      vi.restoreAllMocks();
      if (env === undefined) delete process.env.WARDWATCH_DB;
      else process.env.WARDWATCH_DB = env;
      await t.cleanup();
    }
  });

  it('refuses an option with no value rather than using the default', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await synth.run(['--out'])).toBe(2);
      expect(await synth.run(['--from', '--ingest'])).toBe(2);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe('first start: fixtures plus synthetic history', () => {
  let t: TempStore;
  beforeAll(async () => {
    t = await fixtureStore({ history: true });
  });
  afterAll(() => t?.cleanup());

  it('covers 2018-01 to the latest real month for both sources, synthetic-labelled except the real months', async () => {
    const all = monthRange('2018-01', '2024-04');
    expect(await t.store.months('police.uk')).toEqual(all);
    expect(await t.store.months('partnership')).toEqual(all);
    expect(await t.store.realMonths('police.uk')).toEqual(['2019-08', ...CALIBRATION]);
    const synthetic = (await t.store.releases()).filter((r) => r.synthetic);
    expect(synthetic.length).toBeGreaterThan(140);
    expect(synthetic.every((r) => r.fileName.startsWith('synthetic-'))).toBe(true);
  });

  it('is calibrated to the real 2024 ward levels, seasonal and over-dispersed', async () => {
    const wards = (await t.store.areas('ward')).map((w) => w.code);
    const series = async (measure: string, months: string[]) => {
      const m = new Map<string, Map<string, number>>();
      for (const c of await t.store.counts({ areaCodes: wards, measures: [measure], source: 'police.uk', from: months[0], to: months[months.length - 1] })) {
        if (!m.has(c.areaCode)) m.set(c.areaCode, new Map());
        m.get(c.areaCode)!.set(c.month, c.count);
      }
      return (ward: string, month: string) => m.get(ward)?.get(month) ?? 0;
    };
    const history = monthRange('2018-01', '2023-12').filter((m) => m !== '2019-08');
    for (const measure of ['anti-social-behaviour', 'violent-crime', 'shoplifting', 'burglary']) {
      const get = await series(measure, ['2018-01', '2024-04']);
      // Per ward: the real 2024 mean against the synthetic history with season and trend divided out.
      const real = wards.map((w) => CALIBRATION.reduce((s, m) => s + get(w, m), 0) / CALIBRATION.length);
      const synth = wards.map(
        (w) => history.reduce((s, m) => s + get(w, m) / (seasonalFactor(measure, m, CALIBRATION) * trendFactor(measure, m, CALIBRATION)), 0) / history.length,
      );
      const corr = correlation(real, synth);
      expect(corr, measure).toBeGreaterThan(0.97);
      const totalReal = real.reduce((a, b) => a + b, 0),
        totalSynth = synth.reduce((a, b) => a + b, 0);
      expect(Math.abs(totalSynth / totalReal - 1), measure).toBeLessThan(0.08);
      // Over-dispersion: variance of the adjusted counts well above the mean in busy wards.
      const busy = wards.filter((_, i) => real[i]! >= 8);
      const ratios = busy.map((w) => {
        const xs = history.map((m) => get(w, m) / (seasonalFactor(measure, m, CALIBRATION) * trendFactor(measure, m, CALIBRATION)));
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        return xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length / mean;
      });
      if (busy.length) expect(ratios.reduce((a, b) => a + b, 0) / ratios.length, measure).toBeGreaterThan(1.3);
    }
    // Summer ASB peak: July above January in every synthetic year, force-wide.
    const asbRows = await t.store.counts({ areaCodes: ['cambridgeshire'], measures: ['anti-social-behaviour'], source: 'police.uk', from: '2018-01', to: '2023-12' });
    const asb = (m: string) => asbRows.find((c) => c.month === m)!.count;
    for (const y of [2018, 2020, 2021, 2022, 2023]) expect(asb(`${y}-07`)).toBeGreaterThan(asb(`${y}-01`) * 1.2);
    expect(calendarMonth('2023-07')).toBe(7);
  });

  it('keeps the partnership history consistent with police.uk ward counts', async () => {
    const wards = (await t.store.areas('ward')).map((w) => w.code);
    for (const month of ['2018-03', '2019-08', '2021-07', '2023-12']) {
      const sum = (source: 'police.uk' | 'partnership', measures: string[]) => sumsByArea(t.store, wards, source, measures, month);
      expect(await sum('partnership', ['residential-burglary', 'business-community-burglary']), month).toEqual(await sum('police.uk', ['burglary']));
      expect(await sum('partnership', ['asb-personal', 'asb-nuisance', 'asb-environmental']), month).toEqual(await sum('police.uk', ['anti-social-behaviour']));
    }
  });
});

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n,
    mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
