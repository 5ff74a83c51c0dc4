import { describe, expect, it } from 'vitest';
import {
  breakdown,
  changeOnPreviousMonth,
  changeOnSameMonthLastYear,
  compareWithYearBefore,
  fiveYearAverage,
  financialYearToDateComparison,
  rankByRate,
  ratePer1000,
  recordSince,
  reportingYearComparison,
  shareOf,
  yearEndingComparison,
} from '../../src/figures/compute.ts';
import { latestMonth, seriesFromRows, seriesOf, sumSeries, totalFor, valueAt } from '../../src/figures/series.ts';
import { changePhrase, describeChange, formatCount, formatRate, ordinal } from '../../src/figures/wording.ts';
import { reportingYearFromLabel, yearEnding } from '../../src/core/periods.ts';

const crime = { kind: 'crime' as const };
const asb = { kind: 'asb' as const };

/** 36 months Jan 2022 .. Dec 2024: month n (0-based) has count 10 + n. */
const ramp = seriesOf(
  '2022-01',
  Array.from({ length: 36 }, (_, i) => 10 + i),
);

describe('change wording, as the seeds write it', () => {
  it('writes "(+15%, +123)" and "-10% (-270)"', () => {
    const up = describeChange(820, 943, 10);
    expect(up.short).toBe('+15%, +123');
    expect(up.paren).toBe('+15% (+123)');
    const down = describeChange(2700, 2430, 10);
    expect(down.short).toBe('-10%, -270');
    expect(down.paren).toBe('-10% (-270)');
    expect(changePhrase(down, crime)).toBe('a decrease of 10% (-270 offences)');
    expect(changePhrase(describeChange(100, 115, 10), asb)).toBe('an increase of 15% (+15 incidents)');
  });
  it('says "no calc" below the configured base, and the base is configurable', () => {
    expect(describeChange(8, 12, 10).short).toBe('no calc, +4');
    expect(describeChange(8, 12, 10).paren).toBe('+4 (no calc)');
    expect(describeChange(8, 12, 5).short).toBe('+50%, +4');
    expect(describeChange(0, 3, 0).percentText).toBe('no calc');
    expect(changePhrase(describeChange(8, 12, 10), crime)).toMatch(/^an increase of 4 offences \(too few for a percentage\)/);
  });
  it('handles no change, missing figures and rounding half away from zero', () => {
    expect(describeChange(50, 50, 10).short).toBe('0%, 0');
    expect(changePhrase(describeChange(50, 50, 10), crime)).toBe('no change');
    expect(describeChange(null, 50, 10).short).toBe('n/a');
    expect(describeChange(200, 221, 10).percentText).toBe('+11%'); // 10.5 -> 11
    expect(describeChange(200, 179, 10).percentText).toBe('-11%');
    expect(formatCount(15415)).toBe('15,415');
    expect(formatRate(17.06)).toBe('17.1');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 112].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '112th']);
  });
});

describe('series', () => {
  it('tells a missing month (null) from a month with nothing recorded (0)', () => {
    const s = seriesFromRows(
      [
        { month: '2024-01', count: 5 },
        { month: '2024-04', count: 7 },
      ],
      ['2024-01', '2024-02', '2024-04'],
    );
    expect(s.points.map((p) => p.count)).toEqual([5, 0, null, 7]);
    expect(latestMonth(s)).toBe('2024-04');
  });
  it('sums rows for the same month and carries the synthetic flag', () => {
    const s = seriesFromRows(
      [
        { month: '2024-01', count: 5, synthetic: true },
        { month: '2024-01', count: 2 },
      ],
      ['2024-01'],
    );
    expect(s.points).toEqual([{ month: '2024-01', count: 7, synthetic: true }]);
  });
  it('sums composite members month by month; a month missing in one member is unknown', () => {
    const a = seriesOf('2024-01', [1, 2, 3]);
    const b = seriesOf('2024-01', [10, null, 30]);
    expect(sumSeries([a, b]).points.map((p) => p.count)).toEqual([11, null, 33]);
  });
  it('a revised month: the figures follow the version that replaced it', () => {
    const before = seriesOf('2023-01', [...Array.from({ length: 15 }, () => 20), 30]); // 2024-04 first published as 30
    const after = seriesOf('2023-01', [...Array.from({ length: 15 }, () => 20), 26]); // re-published as 26
    expect(changeOnPreviousMonth(before, '2024-04', 10).change.short).toBe('+50%, +10');
    expect(changeOnPreviousMonth(after, '2024-04', 10).change.short).toBe('+30%, +6');
    expect(totalFor(after, yearEnding('2024-04')).value).toBe(11 * 20 + 26);
  });
});

describe('month changes', () => {
  it('previous month, across a year boundary', () => {
    const c = changeOnPreviousMonth(ramp, '2024-01', 10); // Dec 2023 = 10+23 = 33, Jan 2024 = 34
    expect([c.previous.value, c.current.value, c.change.short]).toEqual([33, 34, '+3%, +1']);
    expect(c.previous.period.label).toBe('December 2023');
  });
  it('same month last year', () => {
    const c = changeOnSameMonthLastYear(ramp, '2024-04', 10); // Apr 2023 = 25, Apr 2024 = 37
    expect([c.previous.value, c.current.value, c.change.short]).toEqual([25, 37, '+48%, +12']);
    expect(c.previous.period.label).toBe('April 2023');
  });
  it('a first month with no history has no comparison', () => {
    const first = seriesOf('2024-01', [12]);
    expect(changeOnPreviousMonth(first, '2024-01', 10).change.direction).toBe('unknown');
    expect(changeOnSameMonthLastYear(first, '2024-01', 10).change.short).toBe('n/a');
    expect(yearEndingComparison(first, '2024-01', 10).current.value).toBeNull();
    expect(fiveYearAverage(first, '2024-01').value).toBeNull();
    expect(recordSince(first, '2024-01')).toBeNull();
  });
  it('a missing previous month gives no comparison rather than a wrong one', () => {
    const gap = seriesOf('2024-01', [10, null, 12]);
    const c = changeOnPreviousMonth(gap, '2024-03', 10);
    expect(c.previous.missing).toEqual(['2024-02']);
    expect(c.change.short).toBe('n/a');
  });
});

describe('year ending, financial year to date, reporting year', () => {
  it('YE April 2024 against YE April 2023, across calendar years', () => {
    const c = yearEndingComparison(ramp, '2024-04', 10);
    // YE Apr 2024 = May 2023..Apr 2024 = months 16..27 -> counts 26..37; YE Apr 2023 = 14..25
    expect(c.current.value).toBe((26 + 37) * 6);
    expect(c.previous.value).toBe((14 + 25) * 6);
    expect(c.change.short).toBe('+62%, +144'); // 144 / 234 = 61.5% -> 62%;
    expect(c.current.period.label).toBe('year ending April 2024');
  });
  it('a year ending with a missing month is not totalled', () => {
    const gap = seriesOf(
      '2022-01',
      Array.from({ length: 28 }, (_, i) => (i === 20 ? null : 10)),
    );
    const c = yearEndingComparison(gap, '2024-04', 10);
    expect(c.current.value).toBeNull();
    expect(c.current.missing).toEqual(['2023-09']);
    expect(c.change.short).toBe('n/a');
  });
  it('FYTD runs from April; in April it is one month', () => {
    const c = financialYearToDateComparison(ramp, '2024-06', 10); // Apr-Jun 2024: 37+38+39; Apr-Jun 2023: 25+26+27
    expect([c.current.value, c.previous.value]).toEqual([114, 78]);
    expect(c.current.period.label).toBe('2024/25 to June');
    const jan = financialYearToDateComparison(ramp, '2024-01', 10); // Apr 2023..Jan 2024
    expect(jan.current.period.from).toBe('2023-04');
    expect(jan.current.value).toBe(Array.from({ length: 10 }, (_, i) => 25 + i).reduce((a, b) => a + b));
  });
  it('the partnership reporting year (Cambridge: YE September) is the latest complete one', () => {
    const c = reportingYearComparison(ramp, '2024-04', 9, 10); // YE Sep 2023 = Oct 2022..Sep 2023 = months 9..20
    expect(c.current.period.label).toBe('2022/23 (year ending September 2023)');
    expect(c.current.value).toBe((19 + 30) * 6);
    expect(c.previous.value).toBeNull(); // Oct 2021.. is before the data starts
    const label = reportingYearFromLabel('2022/23', 3)!;
    expect(compareWithYearBefore(ramp, label, 10).current.value).toBe((13 + 24) * 6); // 2022/23 ending March = Apr 2022..Mar 2023 = counts 13..24
  });
});

describe('rates, ranks, averages, records, shares, breakdowns', () => {
  it('rate per 1,000', () => {
    expect(ratePer1000(345, 10_000)).toBeCloseTo(34.5);
    expect(ratePer1000(null, 10_000)).toBeNull();
    expect(ratePer1000(3, 0)).toBeNull();
  });
  it('ranks by rate, not count, with joint ranks on equal displayed rates', () => {
    const r = rankByRate([
      { code: 'A', name: 'Abbey', count: 100, population: 10_000 }, // 10.0
      { code: 'B', name: 'Market', count: 90, population: 3_000 }, // 30.0
      { code: 'C', name: 'Castle', count: 50, population: 5_000 }, // 10.0
      { code: 'D', name: 'Nowhere', count: 5, population: null },
    ]);
    expect(r.map((x) => [x.code, x.rank, x.joint])).toEqual([
      ['B', 1, false],
      ['A', 2, true],
      ['C', 2, true],
      ['D', null, false],
    ]);
  });
  it('5-year average for the month uses the same month of previous years only', () => {
    const s = seriesOf(
      '2019-04',
      Array.from({ length: 61 }, (_, i) => (i % 12 === 0 ? 10 * (i / 12 + 1) : 1)),
    ); // Aprils 10..60
    const avg = fiveYearAverage(s, '2024-04');
    expect(avg.value).toBe((10 + 20 + 30 + 40 + 50) / 5);
    expect(avg.months).toEqual(['2023-04', '2022-04', '2021-04', '2020-04', '2019-04']);
    expect(fiveYearAverage(s, '2021-04').months).toHaveLength(2); // shorter history: fewer years
  });
  it('highest since <month year>; a record; lowest since; nothing notable', () => {
    const s = seriesOf('2021-01', [50, ...Array.from({ length: 30 }, () => 20), 45]); // Aug 2023 = 45; Jan 2021 = 50
    expect(recordSince(s, '2023-08')!.wording).toBe('the highest monthly count since January 2021');
    const rec = seriesOf('2022-01', [...Array.from({ length: 15 }, () => 20), 60]);
    expect(recordSince(rec, '2023-04')!.wording).toBe('the highest monthly count in the 16 months of data (since January 2022)');
    const low = seriesOf('2022-01', [5, ...Array.from({ length: 14 }, () => 20), 6]);
    expect(recordSince(low, '2023-04')!).toMatchObject({ kind: 'lowest', since: '2022-01' });
    const recent = seriesOf('2023-01', [20, 20, 50, 20, 20, 40]);
    expect(recordSince(recent, '2023-06')).toBeNull(); // March was higher, within 12 months
  });
  it('share of the parent total', () => {
    expect(shareOf(345, 1380)).toBe(0.25);
    expect(shareOf(3, 0)).toBeNull();
  });
  it('breakdown by child measure, largest first, with shares and changes', () => {
    const b = breakdown(
      [
        { key: 'a', label: 'Shoplifting', current: 60, previous: 50 },
        { key: 'b', label: 'Burglary', current: 30, previous: 40 },
        { key: 'c', label: 'Robbery', current: 10, previous: 4 },
      ],
      10,
    );
    expect(b.map((r) => [r.label, r.share, r.change.short])).toEqual([
      ['Shoplifting', 0.6, '+20%, +10'],
      ['Burglary', 0.3, '-25%, -10'],
      ['Robbery', 0.1, 'no calc, +6'],
    ]);
  });
  it('valueAt outside the series is null', () => {
    expect(valueAt(ramp, '2021-12')).toBeNull();
    expect(valueAt(ramp, '2025-01')).toBeNull();
  });
});
