// Records have one implementation (src/detect/records.ts); the figures engine's recordSince reads
// its findings. These check that the two say the same thing, and the cases only the figures side
// used to meet: missing months in a series.
import { describe, expect, it } from 'vitest';
import { records } from '../../src/detect/records.ts';
import { recordSince } from '../../src/figures/compute.ts';
import { seriesOf } from '../../src/figures/series.ts';

describe("recordSince is detection's records", () => {
  it('the same month, count, since and wording as records() on a complete series', () => {
    const s = seriesOf('2019-01', [40, ...Array.from({ length: 40 }, (_, i) => 10 + (i % 7)), 38]);
    const r = recordSince(s, '2022-06')!;
    const f = records(s.points.map((p) => ({ month: p.month, count: p.count! }))).find((x) => x.kind === 'highest-since')!;
    expect(r).toMatchObject({ kind: 'highest', month: '2022-06', count: 38, since: f.since, monthsCompared: 41 });
    expect(r.wording).toBe(f.wording);
    expect(r.wording).toBe('the highest monthly count since January 2019');
    expect(f.explanation.sentence).toBe('38 in June 2022, the highest monthly count since January 2019 (40).');
  });

  it('passes over a missing month instead of failing or treating it as zero', () => {
    // Jan 2021 = 50, then 20s with Jul 2022 missing, Aug 2023 = 45
    const counts: Array<number | null> = [50, ...Array.from({ length: 30 }, (_, i) => (i === 17 ? null : 20)), 45];
    const s = seriesOf('2021-01', counts);
    expect(recordSince(s, '2023-08')!.wording).toBe('the highest monthly count since January 2021');
    expect(recordSince(s, '2023-08')!.monthsCompared).toBe(30);
    // a low month: 0 is a count, a missing month is not
    const low = seriesOf('2021-01', [...Array.from({ length: 20 }, (_, i) => (i === 5 ? null : 12)), 2]);
    expect(recordSince(low, '2022-09')).toMatchObject({ kind: 'lowest', since: null, wording: 'the lowest monthly count in the 20 months of data (since January 2021)' });
    // the month itself missing: nothing to say
    expect(recordSince(seriesOf('2021-01', [...Array.from({ length: 20 }, () => 12), null]), '2022-09')).toBeNull();
  });

  it('records() stops a same-month run at a missing year rather than claim years it cannot see', () => {
    const counts: Array<number | null> = [];
    for (let y = 0; y < 6; y++) for (let m = 0; m < 12; m++) counts.push(m === 3 ? (y === 2 ? null : 20 - y) : 12);
    const s = seriesOf('2019-01', counts.slice(0, 5 * 12 + 4));
    const f = records(s.points, { month: '2024-04' }).find((x) => x.kind === 'lowest-same-month');
    expect(f?.years).toBe(3); // 2024, 2023, 2022; April 2021 is missing
    expect(f?.wording).toBe('the lowest for April in 3 years');
  });
});
