// Agreement with R surveillance::farringtonFlexible for the parameter settings the shipped ward spike
// rules use (alerts/*-spike.yaml: nbPlugin at 95%, no trend), on the series of the main reference file.
// Vectors and the R script that made them: test/detect/reference/ward-spike-reference.json and
// make-ward-spike-reference.R. R is not needed here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { farringtonFlexible, type FarringtonParams } from '../../src/detect/farrington.ts';
import { loadRules } from '../../src/alerting/rules.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadReference, monthsOf, type ReferenceFile, type ReferenceRow } from './reference.ts';

const series = new Map(loadReference().series.map((s) => [s.id, s]));
const ward = JSON.parse(readFileSync(fileURLToPath(new URL('./reference/ward-spike-reference.json', import.meta.url)), 'utf8')) as Pick<
  ReferenceFile,
  'rVersion' | 'surveillanceVersion' | 'paramSets'
> & { cases: { series: string; params: string; results: ReferenceRow[] }[] };

function paramsOf(name: string): Partial<FarringtonParams> {
  const p = ward.paramSets[name]!;
  return { ...p, limit54: [p.limit54[0], p.limit54[1]], glmWarnings: false };
}

describe(`the shipped ward spike settings agree with R surveillance ${ward.surveillanceVersion}`, () => {
  it('the vectors are the settings the shipped ward spike rules use', () => {
    const { config, alertRulesDir } = loadConfig(fileURLToPath(new URL('../../wardwatch.config.yaml', import.meta.url)));
    const rules = loadRules(alertRulesDir, config);
    const params = (id: string) => rules.find((r) => r.id === id)?.params;
    expect(params('violence-with-injury-spike')).toMatchObject({ ...paramsOf('ward_spike_notrend_04'), glmWarnings: true });
    expect(params('residential-burglary-spike')).toMatchObject({ ...paramsOf('ward_spike_notrend_025'), glmWarnings: true });
  });

  for (const setName of Object.keys(ward.paramSets)) {
    it(`parameter set ${setName}: identical alarms, upper bounds and expected within 1%`, () => {
      let months = 0;
      let alarms = 0;
      const problems: string[] = [];
      for (const c of ward.cases.filter((x) => x.params === setName)) {
        const s = series.get(c.series)!;
        const allMonths = monthsOf(s);
        const ours = farringtonFlexible(s.observed, allMonths, paramsOf(setName), { from: allMonths[c.results[0]!.k - 1]!, to: allMonths[c.results.at(-1)!.k - 1]! });
        expect(ours.length).toBe(c.results.length);
        c.results.forEach((r, i) => {
          const m = ours[i]!;
          months++;
          if (r.alarm) alarms++;
          const where = `${c.series} k=${r.k}`;
          if (m.alarm !== (r.alarm ?? false)) problems.push(`${where}: alarm ${m.alarm} vs R ${r.alarm}`);
          if ((r.upperbound === null) !== (m.status !== 'tested')) problems.push(`${where}: status ${m.status} vs R upperbound ${r.upperbound}`);
          if (r.upperbound !== null && (m.upperbound === null || Math.abs(m.upperbound - r.upperbound) > 0.01 * Math.abs(r.upperbound)))
            problems.push(`${where}: upperbound ${m.upperbound} vs R ${r.upperbound}`);
          if (r.expected !== null && (m.expected === null || Math.abs(m.expected - r.expected) > 0.01 * Math.abs(r.expected)))
            problems.push(`${where}: expected ${m.expected} vs R ${r.expected}`);
          if (r.pvalue !== null && m.probability !== null && Math.abs(m.probability - r.pvalue) > 1e-6 + 0.01 * r.pvalue)
            problems.push(`${where}: probability ${m.probability} vs R ${r.pvalue}`);
        });
      }
      expect(problems.slice(0, 10)).toEqual([]);
      expect(months).toBeGreaterThan(5000);
      expect(alarms).toBeGreaterThan(100);
    });
  }
});
