import { describe, expect, it } from 'vitest';
import { addMonths } from '../../src/core/periods.ts';
import { records } from '../../src/detect/records.ts';

const series = (start: string, counts: number[]) => counts.map((count, i) => ({ month: addMonths(start, i), count }));

describe('records', () => {
  it('finds "highest since <month year>" with the earlier month and its count', () => {
    const counts = [30, 12, 10, ...Array.from({ length: 30 }, (_, i) => 10 + (i % 5)), 25];
    const r = records(series('2021-01', counts), { label: 'burglary in Market' });
    const f = r.find((x) => x.kind === 'highest-since')!;
    expect(f).toMatchObject({ month: '2023-10', count: 25, since: '2021-01', sinceCount: 30, monthsSince: 33 });
    expect(f.explanation.sentence).toBe('Burglary in Market: 25 in October 2023, the highest monthly count since January 2021 (30).');
  });

  it('says nothing about a high that was only a few months ago', () => {
    const counts = [...Array.from({ length: 30 }, () => 10), 20, 11, 12, 19];
    expect(records(series('2021-01', counts)).filter((x) => x.kind === 'highest-since' || x.kind === 'highest-on-record')).toEqual([]);
  });

  it('claims "on record" only with enough data', () => {
    const rising = Array.from({ length: 30 }, (_, i) => i);
    expect(records(series('2020-01', rising)).map((x) => x.kind)).toContain('highest-on-record');
    expect(records(series('2020-01', rising.slice(0, 10))).map((x) => x.kind)).not.toContain('highest-on-record');
    const f = records(series('2020-01', rising)).find((x) => x.kind === 'highest-on-record')!;
    expect(f.explanation.sentence).toBe('30 in June 2022, the highest monthly count in the data (which starts in January 2020).'.replace('30', '29'));
  });

  it('finds "lowest for the same month in N years"', () => {
    // Aprils: 20, 18, 25, 17, 16, 9 (this one)
    const counts: number[] = [];
    const aprils = [20, 18, 25, 17, 16, 9];
    for (let y = 0; y < 6; y++) for (let m = 0; m < 12; m++) counts.push(m === 3 ? aprils[y]! : 12);
    const s = series('2019-01', counts).slice(0, 5 * 12 + 4);
    const f = records(s, { month: '2024-04' }).find((x) => x.kind === 'lowest-same-month')!;
    expect(f.years).toBe(6);
    expect(f.explanation.sentence).toBe('9 in April 2024, the lowest for April in 6 years.');
  });

  it('rejects gaps and negative counts', () => {
    expect(() =>
      records([
        { month: '2024-01', count: 1 },
        { month: '2024-03', count: 2 },
      ]),
    ).toThrow(/consecutive/);
    expect(() => records([{ month: '2024-01', count: -1 }])).toThrow(/whole number >= 0/);
    expect(() => records(series('2024-01', [1, 2]), { month: '2023-01' })).toThrow(/not in the series/);
  });
});
