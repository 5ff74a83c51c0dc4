// Builds the generated fixture files that are committed to the repository (run again with
// `wardwatch synth --fixture-files`; the output is deterministic):
//   fixtures/populations/populations-estimate-census2021.csv
//       district totals (Census 2021 usual residents, first results, rounded to 100) spread over wards and
//       LSOAs by LSOA count; labelled ESTIMATE in the source column. A deployment loads ONS mid-year
//       estimates instead (same columns).
//   fixtures/partnership/synthetic-partnership-YYYY-MM.csv
//       a synthetic partnership extract for each real 2024 police.uk month, split from the real ward counts.
import { mkdirSync, rmSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { forceAreaOf } from '../ingest/geography.ts';
import { ingestPaths } from '../ingest/index.ts';
import { openStore } from '../store/open.ts';
import { latestRun } from './history.ts';
import { splitPartnership, writePartnershipCsv, type WardMeasureCounts } from './partnership.ts';
import { Random } from './random.ts';
import { taxonomy } from '../taxonomy/index.ts';

/** Census 2021 usual residents, first results, rounded to the nearest 100 (ONS, OGL v3.0). */
export const DISTRICT_POPULATION_2021: Record<string, number> = {
  E07000008: 145700,
  E07000009: 87700,
  E07000010: 102500,
  E07000011: 180800,
  E07000012: 162100,
  E06000031: 215700,
};

export const POPULATION_SOURCE = 'ESTIMATE: Census 2021 district usual residents (rounded to 100) spread over wards and LSOAs by LSOA count';
export const FIXTURE_EXTRACT_SEED = 2024;

/** Splits `total` over parts in proportion to `weights`, in whole numbers that add up (largest remainder). */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    out[i]!++;
  }
  return out;
}

export async function writeFixtureFiles(options: { fixturesDir: string; config: Config | null }): Promise<string[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'wardwatch-fixtures-'));
  const store = await openStore({ path: join(tmp, 'store.sqlite') });
  const written: string[] = [];
  try {
    const policeDir = join(options.fixturesDir, 'police-uk');
    const realFiles = readdirSync(policeDir)
      .filter((f) => /^\d{4}-\d{2}-.*\.csv$/.test(f))
      .map((f) => join(policeDir, f));
    await ingestPaths(store, [join(options.fixturesDir, 'geography'), ...realFiles], { config: options.config });
    const force = forceAreaOf(options.config);

    // Populations.
    const lines = ['area_code,population,year,source'];
    const districts = (await store.areas('district')).filter((d) => d.code in DISTRICT_POPULATION_2021);
    const allLsoas = await store.areas('lsoa');
    const allWards = await store.areas('ward');
    let forceTotal = 0;
    for (const d of districts) {
      const total = DISTRICT_POPULATION_2021[d.code]!;
      forceTotal += total;
      lines.push(`${d.code},${total},2021,${POPULATION_SOURCE.replace(' spread over wards and LSOAs by LSOA count', '')}`);
      const lsoas = allLsoas.filter((l) => l.districtCode === d.code);
      const lsoaPops = apportion(
        total,
        lsoas.map(() => 1),
      );
      // (the district's children that are wards, in code order, as children() gives them)
      const wards = allWards.filter((w) => w.parentCode === d.code);
      const wardPops = apportion(
        total,
        wards.map((w) => lsoas.filter((l) => l.parentCode === w.code).length),
      );
      wards.forEach((w, i) => lines.push(`${w.code},${wardPops[i]},2021,${POPULATION_SOURCE}`));
      lsoas.forEach((l, i) => lines.push(`${l.code},${lsoaPops[i]},2021,${POPULATION_SOURCE}`));
    }
    if (options.config)
      lines.splice(1, 0, `${force.code},${forceTotal},2021,${POPULATION_SOURCE.replace(' spread over wards and LSOAs by LSOA count', ' (sum of the districts)')}`);
    mkdirSync(join(options.fixturesDir, 'populations'), { recursive: true });
    const popFile = join(options.fixturesDir, 'populations', 'populations-estimate-census2021.csv');
    writeFileSync(popFile, lines.join('\n') + '\n');
    written.push(popFile);

    // Partnership extract for the latest run of real police.uk months.
    const rng = new Random(FIXTURE_EXTRACT_SEED);
    const wards = allWards.map((w) => w.code);
    const keys = taxonomy()
      .policeUkMeasures()
      .map((m) => m.key);
    mkdirSync(join(options.fixturesDir, 'partnership'), { recursive: true });
    for (const month of latestRun(await store.realMonths('police.uk'))) {
      const wardCounts: WardMeasureCounts = new Map(wards.map((w) => [w, {}]));
      for (const c of await store.counts({ areaCodes: wards, measures: keys, source: 'police.uk', from: month, to: month })) wardCounts.get(c.areaCode)![c.measure] = c.count;
      const file = join(options.fixturesDir, 'partnership', `synthetic-partnership-${month}.csv`);
      writePartnershipCsv(file, month, splitPartnership(rng, month, wardCounts));
      written.push(file);
    }
  } finally {
    await store.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return written;
}
