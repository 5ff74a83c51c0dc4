// Agreement with R surveillance::farringtonFlexible on the committed reference vectors
// (test/detect/reference/; how they were made is in its README). R is not needed here.
import { describe, expect, it } from 'vitest';
import { farringtonFlexible } from '../../src/detect/farrington.ts';
import { loadReference, monthsOf, paramsOf } from './reference.ts';

const ref = loadReference();
const byId = new Map(ref.series.map((s) => [s.id, s]));

describe(`farringtonFlexible agrees with R surveillance ${ref.surveillanceVersion}`, () => {
  it('has at least 200 series and several parameter sets', () => {
    expect(ref.series.length).toBeGreaterThanOrEqual(200);
    expect(Object.keys(ref.paramSets).length).toBeGreaterThanOrEqual(5);
  });

  for (const setName of Object.keys(ref.paramSets)) {
    it(`parameter set ${setName}: identical alarms, upper bounds and expected within 1%`, () => {
      let months = 0;
      let alarms = 0;
      const problems: string[] = [];
      for (const c of ref.cases.filter((x) => x.params === setName)) {
        const s = byId.get(c.series)!;
        const allMonths = monthsOf(s);
        const from = allMonths[c.results[0]!.k - 1]!;
        const to = allMonths[c.results[c.results.length - 1]!.k - 1]!;
        const ours = farringtonFlexible(s.observed, allMonths, paramsOf(ref, setName), { population: s.population, from, to });
        expect(ours.length).toBe(c.results.length);
        c.results.forEach((r, i) => {
          const m = ours[i]!;
          months++;
          if (r.alarm) alarms++;
          const where = `${c.series} k=${r.k}`;
          if (m.alarm !== (r.alarm ?? false)) problems.push(`${where}: alarm ${m.alarm} vs R ${r.alarm}`);
          // R reports no upper bound when the limit54 gate fails; we report the gate as a status
          if ((r.upperbound === null) !== (m.status !== 'tested')) problems.push(`${where}: status ${m.status} vs R upperbound ${r.upperbound}`);
          if (r.upperbound !== null) {
            if (m.upperbound === null || Math.abs(m.upperbound - r.upperbound) > 0.01 * Math.abs(r.upperbound))
              problems.push(`${where}: upperbound ${m.upperbound} vs R ${r.upperbound}`);
          }
          if (r.expected !== null) {
            if (m.expected === null || Math.abs(m.expected - r.expected) > 0.01 * Math.abs(r.expected)) problems.push(`${where}: expected ${m.expected} vs R ${r.expected}`);
          }
          if (r.pvalue !== null && m.probability !== null && Math.abs(m.probability - r.pvalue) > 1e-6 + 0.01 * r.pvalue)
            problems.push(`${where}: probability ${m.probability} vs R ${r.pvalue}`);
          if (r.phi !== null && m.phi !== null && Math.abs(m.phi - r.phi) > 0.01 * r.phi) problems.push(`${where}: phi ${m.phi} vs R ${r.phi}`);
        });
      }
      expect(problems.slice(0, 10)).toEqual([]);
      expect(months).toBeGreaterThan(500);
      expect(alarms).toBeGreaterThan(0);
    });
  }
});
