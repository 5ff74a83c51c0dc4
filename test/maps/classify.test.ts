// Map classes: natural breaks and quantiles cover every value, never split equal values, and the
// legend's labels tell neighbouring classes apart.
import { describe, expect, it } from 'vitest';
import { classify, classLabels, jenksMaxima } from '../../src/maps/index.ts';
import { buildMapRequest } from '../../src/maps/request.ts';
import { CAMBRIDGE, fixtureRequest } from './helpers.ts';

describe('classify', () => {
  it('natural breaks find the obvious groups', () => {
    expect(jenksMaxima([1, 2, 3, 10, 11, 12, 30, 31, 50, 51], 4)).toEqual([3, 12, 31, 51]);
    expect(jenksMaxima([1, 1, 1, 5, 5, 9], 3)).toEqual([1, 5, 9]);
  });

  for (const method of ['jenks', 'quantile'] as const) {
    it(`${method}: every value lies in its class's range, classes ascend without overlap, equal values share a class`, () => {
      const values: Array<number | null> = [0, 0.5, 2.25, 2.25, 3.1, 4, 7.8, 8, 8, 13.1, 40.2, null, 5.5, 5.6, 6.1, 9.9];
      const c = classify(values, method);
      expect(c.classes).toHaveLength(5);
      values.forEach((v, i) => {
        if (v === null) {
          expect(c.classOf[i]).toBeNull();
          return;
        }
        const k = c.classes[c.classOf[i]!]!;
        expect(v).toBeGreaterThanOrEqual(k.from);
        expect(v).toBeLessThanOrEqual(k.to);
      });
      for (let i = 1; i < c.classes.length; i++) expect(c.classes[i]!.from).toBeGreaterThan(c.classes[i - 1]!.to);
      expect(c.classes.reduce((s, k) => s + k.count, 0)).toBe(values.filter((v) => v !== null).length);
      expect(c.classOf[2]).toBe(c.classOf[3]);
    });
  }

  it('fewer distinct values than classes: one class each', () => {
    expect(classify([3, 3, 7, null], 'jenks').classes.map((k) => [k.from, k.to, k.count])).toEqual([
      [3, 3, 2],
      [7, 7, 1],
    ]);
    expect(classify([null, null]).classes).toEqual([]);
  });

  it('labels read apart: more decimal places where one would make neighbours look the same', () => {
    expect(
      classLabels(
        [
          { from: 1, to: 5.12, count: 2 },
          { from: 5.14, to: 9, count: 1 },
        ],
        'rate',
      ),
    ).toEqual(['1.00 to 5.12', '5.14 to 9.00']);
    expect(
      classLabels(
        [
          { from: 1, to: 4, count: 2 },
          { from: 6.04, to: 6.04, count: 1 },
        ],
        'rate',
      ),
    ).toEqual(['1.0 to 4.0', '6.0']);
    expect(classLabels([{ from: 1000, to: 2400, count: 2 }], 'count')).toEqual(['1,000 to 2,400']);
  });
});

describe('the legend in a map request', () => {
  it("covers every ward's value, from the values shown only", () => {
    const { request } = fixtureRequest([CAMBRIDGE], { uncleared: true });
    for (const w of request.wards) {
      if (w.hidden) {
        expect(w.class).toBeNull();
        continue;
      }
      const k = request.classes[w.class!]!;
      expect(w.value!).toBeGreaterThanOrEqual(k.from);
      expect(w.value!).toBeLessThanOrEqual(k.to);
    }
    expect(request.classes.reduce((s, k) => s + k.count, 0)).toBe(request.wards.filter((w) => !w.hidden).length);
  });

  it('a hidden ward gives nothing away: no value, no class, and the class ranges are the same as without it', () => {
    const base = { title: 't', areaName: 'A', measureLabel: 'Offences', period: 'p', unit: 'rate per 1,000' as const, source: 's' };
    const wards = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ code: `W${n}`, name: `W${n}`, count: n * 10, population: 1000 }));
    const withHidden = buildMapRequest({ ...base, wards: [...wards, { code: 'H', name: 'H', count: 3, population: 10, hidden: 'small-number' }] });
    const without = buildMapRequest({ ...base, wards });
    expect(withHidden.classes).toEqual(without.classes);
    expect(withHidden.wards.find((w) => w.code === 'H')).toMatchObject({ value: null, class: null, hidden: 'small-number' });
    expect(JSON.stringify(withHidden)).not.toContain('300'); // 3 per 10 residents = 300 per 1,000
  });

  it('counts, where there are no populations', () => {
    const r = buildMapRequest({
      title: 't',
      areaName: 'A',
      measureLabel: 'Fires',
      period: 'p',
      unit: 'count',
      source: 's',
      wards: [
        { code: 'a', name: 'a', count: 4, population: null },
        { code: 'b', name: 'b', count: 9, population: null },
      ],
    });
    expect(r.wards.map((w) => w.value)).toEqual([4, 9]);
    expect(r.classes.map((k) => k.label)).toEqual(['4', '9']);
  });
});
