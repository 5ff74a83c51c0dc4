import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, emergingHotspots, findHotspots, poissonInterval, shrunkRates, type AreaCount } from '../../src/detect/hotspots.ts';

const wards = (counts: number[], pops?: number[]): AreaCount[] =>
  counts.map((count, i) => ({ code: `E0500${i}`, name: `Ward ${String.fromCharCode(65 + i)}`, count, population: pops?.[i] ?? 7000 }));

describe('hotspot statistics agree with R', () => {
  it('Benjamini-Hochberg matches p.adjust(p, "BH")', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.2, 0.0001, 0.5]);
    [0.03, 0.06, 0.06, 0.24, 0.0006, 0.5].forEach((want, i) => expect(q[i]).toBeCloseTo(want, 12));
  });
  it('Garwood interval and one-sided p-value match poisson.test', () => {
    const [lo, hi] = poissonInterval(7);
    expect(lo / 2.5).toBeCloseTo(1.12574522060795, 9);
    expect(hi / 2.5).toBeCloseTo(5.76907014468095, 9);
    const f = findHotspots(
      [
        { code: 'a', name: 'A', count: 7, population: 2500 },
        { code: 'b', name: 'B', count: 3, population: 997500 },
      ],
      { parent: { count: 1000, population: 1_000_000 } },
    );
    expect(f[0]!.expected).toBeCloseTo(2.5, 12);
    expect(f[0]!.pValue).toBeCloseTo(0.0141873119909134, 12);
  });
});

describe('findHotspots', () => {
  const areas = wards([40, 12, 9, 11, 8, 10, 3]);
  const found = findHotspots(areas, { period: 'April 2024', parent: { name: 'Cambridge' } });

  it('flags only the area above its population share beyond chance, after FDR', () => {
    expect(found.filter((f) => f.hotspot).map((f) => f.name)).toEqual(['Ward A']);
    const a = found[0]!;
    expect(a.expected).toBeCloseTo(93 / 7, 10);
    expect(a.locationQuotient).toBeCloseTo(40 / (93 / 7), 10);
    expect(a.lqLower).toBeGreaterThan(1);
    expect(a.qValue).toBeLessThanOrEqual(0.05);
    expect(a.explanation.sentence).toMatch(
      /^Ward A: 40 in April 2024 against 13 expected from its share of the population of Cambridge, 3\.0 times the expected \(95% interval 2\.2 to 4\.1\)\. A hotspot/,
    );
    expect(a.explanation.sentence).not.toMatch(/significant/i);
    expect(a.explanation.fields).toMatchObject({ kind: 'hotspot', observed: 40, hotspot: true });
  });

  it('does not call a small count a hotspot however high the ratio', () => {
    const tiny = findHotspots([...wards([10, 10, 10, 10]), { code: 'x', name: 'Tiny', count: 4, population: 150 }]);
    const t = tiny.find((f) => f.name === 'Tiny')!;
    expect(t.locationQuotient).toBeGreaterThan(10);
    expect(t.testable).toBe(false);
    expect(t.hotspot).toBe(false);
    expect(t.explanation.sentence).toMatch(/Too few to test as a hotspot \(fewer than 5\)/);
  });

  it('controls the false discovery rate: no hotspots among many null areas most of the time', () => {
    // 120 equal wards with counts exactly at expectation: nothing to find
    expect(findHotspots(wards(Array.from({ length: 120 }, () => 10))).some((f) => f.hotspot)).toBe(false);
  });

  it('rejects bad input', () => {
    expect(() => findHotspots(wards([-1, 3]))).toThrow(/count must be a whole number >= 0/);
    expect(() => findHotspots(wards([1, 3], [0, 10]))).toThrow(/population must be > 0/);
  });
});

describe('emergingHotspots', () => {
  const quiet = wards([10, 10, 10, 10, 10, 10]);
  const hot = wards([40, 10, 10, 10, 10, 10]);
  it('is emerging when not a hotspot in any of the previous N periods', () => {
    const f = emergingHotspots(
      [
        { period: '2024-01', areas: quiet },
        { period: '2024-02', areas: quiet },
        { period: '2024-03', areas: quiet },
        { period: 'April 2024', areas: hot },
      ],
      { previous: 3 },
    );
    expect(f[0]).toMatchObject({ hotspot: true, emerging: true, previousChecked: 3, previousHotspotPeriods: [] });
    expect(f[0]!.explanation.sentence).toMatch(/Emerging: not a hotspot in any of the previous 3 months/);
    expect(f[0]!.explanation.fields.kind).toBe('emerging-hotspot');
  });
  it('is not emerging when it was a hotspot recently, or when history is too short', () => {
    const recent = emergingHotspots([
      { period: '2024-01', areas: quiet },
      { period: '2024-02', areas: hot },
      { period: '2024-03', areas: quiet },
      { period: '2024-04', areas: hot },
    ]);
    expect(recent[0]).toMatchObject({ hotspot: true, emerging: false, previousHotspotPeriods: ['2024-02'] });
    const short = emergingHotspots(
      [
        { period: '2024-03', areas: quiet },
        { period: '2024-04', areas: hot },
      ],
      { previous: 3 },
    );
    expect(short[0]).toMatchObject({ hotspot: true, emerging: false, previousChecked: 1 });
  });
});

describe('shrunkRates (Marshall 1991 global empirical Bayes)', () => {
  it('keeps a tiny ward with 3 crimes off the top of the table', () => {
    const areas = [...wards([70, 50, 45, 40, 35, 30], [7000, 7000, 7000, 7000, 7000, 7000]), { code: 'tiny', name: 'Tiny', count: 3, population: 160 }];
    const ranked = shrunkRates(areas);
    const tiny = ranked.find((r) => r.name === 'Tiny')!;
    expect(tiny.rate).toBeGreaterThan(ranked[0]!.rate); // highest raw rate (18.75 per 1,000)
    expect(ranked[0]!.name).toBe('Ward A');
    expect(tiny.rank).toBeGreaterThan(1);
    expect(tiny.weight).toBeLessThan(0.2);
    // large areas barely move
    expect(Math.abs(ranked[0]!.shrunkRate - ranked[0]!.rate) / ranked[0]!.rate).toBeLessThan(0.1);
  });
  it('shrinks everything to the overall rate when areas differ no more than chance', () => {
    const r = shrunkRates(wards([10, 11, 9, 10], [7000, 7000, 7000, 7000]));
    for (const x of r) expect(x.shrunkRate).toBeCloseTo((1000 * 40) / 28000, 10);
  });
});
