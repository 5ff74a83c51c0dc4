import { describe, expect, it } from 'vitest';
import { isSmall, measureAllowed, rulesFor, suppress, type Cell, type Equation } from '../../src/figures/suppression.ts';

const rules = { threshold: 5, cleared: false };
const count = (id: string, value: number | null, priority?: number): Cell => ({ id, value, kind: 'count', ...(priority !== undefined ? { priority } : {}) });

describe('primary suppression', () => {
  it('hides counts from 1 to threshold-1; shows 0 and the threshold itself', () => {
    expect([0, 1, 4, 5, 6].map((v) => isSmall(v, 5))).toEqual([false, true, true, false, false]);
    const r = suppress([count('a', 0), count('b', 3), count('c', 5)], [], rules);
    expect([...r.hidden]).toEqual(['b']);
  });
  it('nothing is hidden in a channel cleared for small numbers', () => {
    expect(suppress([count('a', 1)], [], { threshold: 5, cleared: true }).hidden.size).toBe(0);
  });
  it('uses the partnership threshold', () => {
    expect([...suppress([count('a', 6), count('b', 9)], [], { threshold: 10, cleared: false }).hidden]).toEqual(['a', 'b']);
  });
  it('hides what is computed from a hidden count (its rate)', () => {
    const r = suppress([count('n', 3), { id: 'rate', value: 1.2, kind: 'derived', dependsOn: ['n'] }], [], rules);
    expect(r.isHidden('rate')).toBe(true);
  });
});

describe('secondary suppression', () => {
  it('a total and its parts: primary alone would leak (20 - 17 = 3), so a second part is hidden', () => {
    const cells = [count('total', 20, 2), count('shoplifting', 17), count('robbery', 3)];
    const eqs: Equation[] = [{ total: 'total', parts: ['shoplifting', 'robbery'] }];
    // Primary suppression alone hides only "robbery", which the reader recovers as 20 - 17:
    const primaryOnly = new Set(cells.filter((c) => isSmall(c.value, 5)).map((c) => c.id));
    const shown = cells.filter((c) => !primaryOnly.has(c.id));
    expect(shown.find((c) => c.id === 'total')!.value! - shown.find((c) => c.id === 'shoplifting')!.value!).toBe(3);
    const r = suppress(cells, eqs, rules);
    expect(r.primary).toEqual(new Set(['robbery']));
    expect(r.secondary).toEqual(new Set(['shoplifting']));
  });
  it('prefers the smallest other part to the total, and needs nothing when two parts are already hidden', () => {
    const eqs: Equation[] = [{ total: 't', parts: ['a', 'b', 'c'] }];
    const r = suppress([count('t', 40, 2), count('a', 2), count('b', 8), count('c', 30)], eqs, rules);
    expect([...r.secondary]).toEqual(['b']);
    const r2 = suppress([count('t', 40, 2), count('a', 2), count('b', 3), count('c', 35)], eqs, rules);
    expect(r2.secondary.size).toBe(0);
  });
  it('a change and the previous value: current = previous + change, so the change is hidden', () => {
    const cells: Cell[] = [count('apr', 3), count('mar', 12), { id: 'change', value: -9, kind: 'derived' }];
    const r = suppress(cells, [{ total: 'apr', parts: ['mar', 'change'] }], rules);
    expect(r.hidden).toEqual(new Set(['apr', 'change']));
    // the other way round: the previous value is small
    const r2 = suppress([count('apr', 12), count('mar', 3), { id: 'change', value: 9, kind: 'derived' }], [{ total: 'apr', parts: ['mar', 'change'] }], rules);
    expect(r2.hidden).toEqual(new Set(['mar', 'change']));
  });
  it('several small numbers at the end of their range: a total 2 above its shown parts, with two parts "fewer than 5", makes both 1', () => {
    // t = 20 = 18 + a + b with a, b from 1 to 4: the reader knows a + b = 2, so a = b = 1.
    const eqs: Equation[] = [{ total: 't', parts: ['big', 'a', 'b'] }];
    const r = suppress([count('t', 20, 2), count('big', 18), count('a', 1), count('b', 1)], eqs, rules);
    expect(r.primary).toEqual(new Set(['a', 'b']));
    expect(r.isHidden('big')).toBe(true);
    // and at the top of the range: a + b = 8 makes both 4
    const r2 = suppress([count('t', 30, 2), count('big', 22), count('a', 4), count('b', 4)], eqs, rules);
    expect(r2.isHidden('big')).toBe(true);
    // a + b = 5 leaves each anywhere from 1 to 4: nothing more to hide
    const r3 = suppress([count('t', 25, 2), count('big', 20), count('a', 2), count('b', 3)], eqs, rules);
    expect(r3.secondary.size).toBe(0);
  });
  it('a zero hidden as the second value does not protect a 1 (1 = a + z with a >= 1, z >= 0)', () => {
    const eqs: Equation[] = [{ total: 't', parts: ['big', 'a', 'z'] }];
    const r = suppress([count('t', 18, 2), count('big', 17), count('a', 1), count('z', 0)], eqs, rules);
    expect(r.isHidden('a')).toBe(true);
    expect(r.isHidden('z')).toBe(true);
    expect(r.isHidden('big')).toBe(true);
  });
  it('a value that is missing anyway protects the equation', () => {
    const r = suppress([count('t', 20, 2), count('a', 3), count('b', null)], [{ total: 't', parts: ['a', 'b'] }], rules);
    expect(r.secondary.size).toBe(0);
  });
  it('cascades: hiding a month to protect the year total also protects the month change', () => {
    // YE total = sum of 12 months; one month is 2; the change on the previous month ties the last two months
    const months = Array.from({ length: 12 }, (_, i) => count(`m${i}`, i === 11 ? 2 : 20 + i));
    const cells: Cell[] = [
      ...months,
      count(
        'ye',
        months.reduce((s, c) => s + c.value!, 0),
        2,
      ),
      { id: 'chg', value: 2 - 30, kind: 'derived' },
    ];
    const eqs: Equation[] = [
      { total: 'ye', parts: months.map((m) => m.id) },
      { total: 'm11', parts: ['m10', 'chg'] },
    ];
    const r = suppress(cells, eqs, rules);
    expect(r.primary).toEqual(new Set(['m11']));
    expect(r.isHidden('chg')).toBe(true);
    // the YE equation now has two hidden values: m11 and one more month (the smallest, m0 = 20)
    expect(r.isHidden('m0')).toBe(true);
    expect(r.isHidden('ye')).toBe(false);
    for (const eq of eqs) expect([eq.total, ...eq.parts].filter((id) => r.isHidden(id)).length).not.toBe(1);
  });
});

describe('sensitive measures and channel measure lists', () => {
  const rape = { key: 'rape', sensitive: true, parent: 'violent-crime' };
  const burglary = { key: 'residential-burglary', sensitive: false, parent: 'burglary' };
  it('sensitive measures only in cleared channels', () => {
    expect(measureAllowed(rape, { clearance: { smallNumbers: true, sensitive: false }, measures: [] })).toBe(false);
    expect(measureAllowed(rape, { clearance: { smallNumbers: false, sensitive: true }, measures: [] })).toBe(true);
  });
  it("a channel's measure list allows the measures under the ones it names", () => {
    const parentOf = (k: string) => ({ 'residential-burglary': 'burglary', burglary: 'all-crime' })[k];
    const ch = { clearance: { smallNumbers: false, sensitive: false }, measures: ['burglary'] };
    expect(measureAllowed(burglary, ch, parentOf)).toBe(true);
    expect(measureAllowed({ key: 'shoplifting', sensitive: false, parent: 'all-crime' }, ch, parentOf)).toBe(false);
  });
});

describe('secondary suppression across equations', () => {
  it('two overlapping year-ending totals: their difference is one month less the same month a year before', () => {
    // months m0..m12; YE to m12 = m1..m12, YE to m11 = m0..m11. m12 is small and m0 is shown:
    // (YE12 - YE11) = m12 - m0, so m12 = YE12 - YE11 + m0, although each total has several hidden months.
    const vals = [9, 20, 3, 21, 22, 2, 23, 24, 25, 26, 27, 28, 1];
    const months = vals.map((v, i) => count(`m${i}`, v));
    const ye12 = vals.slice(1).reduce((a, b) => a + b, 0);
    const ye11 = vals.slice(0, 12).reduce((a, b) => a + b, 0);
    const eqs: Equation[] = [
      { total: 'ye12', parts: months.slice(1).map((m) => m.id) },
      { total: 'ye11', parts: months.slice(0, 12).map((m) => m.id) },
    ];
    const r = suppress([...months, count('ye12', ye12, 2), count('ye11', ye11, 2)], eqs, rules);
    expect(r.primary).toEqual(new Set(['m2', 'm5', 'm12']));
    // each equation alone has 3 hidden months; combined, m12 - m0 is known: m0 (or a total) must go too
    expect(r.isHidden('m0') || r.isHidden('ye11') || r.isHidden('ye12')).toBe(true);
  });
});

describe('perturbed cells (src/figures/disclosure.ts): the rules for protected figures in an uncleared channel', () => {
  const perturbed = rulesFor('perturbed', 5);
  it('0 is small too (a zero cell is never perturbed, so a shown 0 would be exact), and exact rules hide nothing', () => {
    expect([0, 1, 4, 5].map((v) => isSmall(v, 5, true))).toEqual([true, true, true, false]);
    expect([...suppress([count('a', 0), count('b', 3), count('c', 5)], [], perturbed).primary].sort()).toEqual(['a', 'b']);
    expect(rulesFor('exact', 5)).toMatchObject({ cleared: true });
    expect(suppress([count('a', 0), count('b', 3)], [], rulesFor('exact', 5)).hidden.size).toBe(0);
  });
  it('a total with its own key ties nothing: its shown parts minus it is not the hidden part', () => {
    const cells: Cell[] = [count('m1', 3), count('m2', 20), { id: 'ye', value: 24, kind: 'count', priority: 2, ownKey: true }];
    const eq: Equation[] = [{ total: 'ye', parts: ['m1', 'm2'] }];
    expect([...suppress(cells, eq, perturbed).hidden]).toEqual(['m1']);
    // without its own key (a sum of shown values), the same equation forces a second value hidden
    expect(suppress([count('m1', 3), count('m2', 20), { id: 'ye', value: 23, kind: 'count', priority: 2 }], eq, perturbed).hidden.size).toBe(2);
  });
  it('a change on a hidden month is still hidden (it is computed from the shown values)', () => {
    const cells: Cell[] = [count('cur', 12), count('prev', 2), { id: 'chg', value: 10, kind: 'derived' }];
    const r = suppress(cells, [{ total: 'cur', parts: ['prev', 'chg'] }], perturbed);
    expect(r.isHidden('prev') && r.isHidden('chg')).toBe(true);
  });
});
