// The disclosure policy (src/figures/disclosure.ts), reply by reply: police.uk exactly everywhere,
// protected figures perturbed by the cell key method where the channel is not cleared (the same cell
// the same value, in every reply, channel and restart), sensitive measures refused, and a by-type
// total that would give a refused sensitive count by subtraction left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { Reply } from '../../src/core/reply.ts';
import { MAX_ADJUSTMENT, PTABLE, RowKeys, disclosureModeFor, perturb, perturbedSeries } from '../../src/figures/disclosure.ts';
import { openSqliteStore } from '../../src/store/kysely.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import { privacyStore } from './extract.ts';
import type { TempStore } from '../helpers/store.ts';
import type { MonthlyCount } from '../../src/store/types.ts';

let t: TempStore;
const { config } = loadConfig();
beforeAll(async () => {
  t = await privacyStore();
}, 300_000);
afterAll(() => t?.cleanup());
const now = new Date('2024-05-20T09:00:00Z');
const ask = (text: string, channel: string, store = t.store): Promise<Reply> => answer(text, makeContext({ store, config, channel, now }));
const data = (r: Reply) => r.data as any;
const fig = (r: Reply, id: string) => data(r).figures.find((f: any) => f.id === id);

describe('the ptable', () => {
  it('covers every key once, leaves 0 alone, never goes below 0, and reaches out to MAX_ADJUSTMENT', () => {
    expect(PTABLE.reduce((s, r) => s + r.probability, 0)).toBeCloseTo(1, 12);
    for (let i = 1; i < PTABLE.length; i++) expect(PTABLE[i]!.from).toBe(PTABLE[i - 1]!.to);
    expect(PTABLE[0]!.from).toBe(0);
    expect(PTABLE.at(-1)!.to).toBe(2 ** 48);
    expect(MAX_ADJUSTMENT).toBe(27);
    const p = (k: number) => PTABLE.find((r) => r.adjustment === k)!.probability;
    expect(p(0)).toBeCloseTo(0.538, 3);
    expect(p(1)).toBeCloseTo(p(-1), 12);
    expect(p(0) + 2 * p(1) + 2 * p(2)).toBeCloseTo(0.958, 3);
    expect(perturb(0, 12345)).toBe(0); // the lowest keys take 0 below 0: it reads 0
    // an empty cell is perturbed too: a shown figure never says "not empty"
    expect(perturb(0, PTABLE.find((r) => r.adjustment === 3)!.from)).toBe(3);
    expect(perturb(0, PTABLE.find((r) => r.adjustment === 6)!.from)).toBe(6);
    expect(perturb(1, PTABLE.find((r) => r.adjustment === -MAX_ADJUSTMENT)!.from)).toBe(0);
    expect(perturb(100, PTABLE.find((r) => r.adjustment === MAX_ADJUSTMENT)!.from)).toBe(127);
    expect(perturb(7, 2 ** 47)).toBe(perturb(7, 2 ** 47));
  });

  it('decides the mode from the data: police.uk exact, protected perturbed unless cleared', () => {
    const tax = taxonomy();
    const eff = (key: string, source: 'police.uk' | 'partnership') => ({ measure: tax.require(key), requested: tax.require(key), parts: [{ key, source }] });
    const none = { clearance: { smallNumbers: false, sensitive: false } };
    const small = { clearance: { smallNumbers: true, sensitive: false } };
    const all = { clearance: { smallNumbers: true, sensitive: true } };
    expect(disclosureModeFor(eff('robbery', 'police.uk'), none, tax)).toBe('exact');
    expect(disclosureModeFor(eff('residential-burglary', 'partnership'), none, tax)).toBe('perturbed');
    expect(disclosureModeFor(eff('residential-burglary', 'partnership'), small, tax)).toBe('exact');
    // beside rape and other sexual offences under violence: exact figures would give them by subtraction
    expect(disclosureModeFor(eff('violence-with-injury', 'partnership'), small, tax)).toBe('perturbed');
    expect(disclosureModeFor(eff('violence-with-injury', 'partnership'), all, tax)).toBe('exact');
    expect(disclosureModeFor(eff('rape', 'partnership'), { clearance: { smallNumbers: false, sensitive: true } }, tax)).toBe('perturbed');
  });
});

describe('empty cells under an exact public total (the leak the attack harness found)', () => {
  // Newnham, April 2022: police.uk's violence count was 1, and a financial year to date whose other
  // month was a public 0 was shown as a figure; with empty cells never perturbed, that figure said
  // "not empty" and so which subgroup held the one crime.
  const keys = new RowKeys(Buffer.from('5eed'.repeat(16), 'hex'));
  const months = Array.from({ length: 400 }, (_, i) => `${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
  const series = (count: (i: number) => number) => ({ points: months.map((month, i) => ({ month, count: count(i) })) }) as any;
  const eff = { parts: [{ key: 'violence-with-injury', source: 'partnership' as const }] };
  const rows = (count: (i: number) => number) =>
    months.flatMap((month, i) =>
      count(i) > 0
        ? [{ source: 'partnership' as const, measure: 'violence-with-injury', areaCode: 'E05013058', areaType: 'ward', month, count: count(i), synthetic: false } as MonthlyCount]
        : [],
    );

  it('an empty cell is shown as 1 or more as often as it is for a cell of 1, and as 5 or more too', () => {
    const empty = perturbedSeries(
      series(() => 0),
      [],
      eff,
      keys,
      'E05013058',
    ).points.map((p) => p.count!);
    const ones = perturbedSeries(
      series(() => 1),
      rows(() => 1),
      eff,
      keys,
      'E05013058',
    ).points.map((p) => p.count!);
    expect(empty.filter((v) => v > 0).length).toBeGreaterThan(60); // about 23%
    expect(empty.some((v) => v >= 5)).toBe(true);
    // a shown value of 1 to 4 comes from empty cells and cells of 1 alike
    for (const v of [1, 2]) {
      expect(empty).toContain(v);
      expect(ones).toContain(v);
    }
    // and a small true value is not always shown small: "5 or more" does not mean "at least 5"
    expect(ones.some((v) => v >= 5)).toBe(true);
  });

  it('the same empty cell gets the same value every time, another empty cell an independent one', () => {
    const a = perturbedSeries(
      series(() => 0),
      [],
      eff,
      keys,
      'E05013058',
    );
    const b = perturbedSeries(
      series(() => 0),
      [],
      eff,
      keys,
      'E05013058',
    );
    const other = perturbedSeries(
      series(() => 0),
      [],
      eff,
      keys,
      'E05013059',
    );
    expect(a.points.map((p) => p.count)).toEqual(b.points.map((p) => p.count));
    expect(a.points.map((p) => p.count)).not.toEqual(other.points.map((p) => p.count));
    const ytd = { from: months[3]!, to: months[4]! } as any;
    expect(a.disclosed!.total(ytd)).toBe(b.disclosed!.total(ytd));
  });
});

describe('replies under the policy', () => {
  it('police.uk counts are exact in every channel: no "fewer than 5" for them', async () => {
    const open = await ask('market robbery', 'cambridge-csp');
    const cleared = await ask('market robbery', 'cambridge-analysts');
    const counts = (r: Reply) => data(r).series.map((p: any) => p.count);
    expect(counts(open)).toEqual(counts(cleared));
    expect(counts(open).some((c: number) => c > 0 && c < 5)).toBe(true); // small police.uk counts, shown
    expect(data(open).suppressed).toEqual([]);
    expect(JSON.stringify([open.figures, data(open).figures, open.summary])).not.toMatch(/fewer than 5/);
    expect(data(open).disclosure.mode).toBe('exact');
  });

  it('partnership figures are perturbed in an uncleared channel, exact in a cleared one, small ones "fewer than 5"', async () => {
    const open = await ask('market residential burglary', 'cambridge-csp');
    const cleared = await ask('market residential burglary', 'cambridge-analysts');
    expect(data(open).disclosure.mode).toBe('perturbed');
    expect(data(cleared).disclosure.mode).toBe('exact');
    const shown = data(open).series.map((p: any) => p.count);
    const truth = data(cleared).series.map((p: any) => p.count);
    // every shown count is 5 or more (0 to 4 read "fewer than 5"), within the ptable's reach of the truth
    for (let i = 0; i < shown.length; i++) {
      if (shown[i] === null) continue;
      expect(shown[i]).toBeGreaterThanOrEqual(5);
      expect(Math.abs(shown[i] - truth[i])).toBeLessThanOrEqual(MAX_ADJUSTMENT);
    }
    expect(shown.some((c: number | null, i: number) => c !== null && c !== truth[i])).toBe(true);
    expect(shown.some((c: number | null) => c === null)).toBe(true);
    expect(data(open).suppressed.some((s: any) => s.reason === 'small number')).toBe(true);
    expect(open.notes.join(' ')).toMatch(/shown with a small adjustment in this channel.*ONS cell key method/);
    expect(JSON.stringify(cleared)).not.toMatch(/small adjustment/);
  });

  it('the same cell gets the same value in every reply, channel and restart', async () => {
    const ye = fig(await ask('market residential burglary march 2024', 'cambridge-csp'), 'year-ending');
    const fy = fig(await ask('market residential burglary fy 2023/24', 'cambridge-csp'), 'period');
    expect(ye.value).not.toBeNull();
    expect(fy.value).toBe(ye.value); // the year ending March 2024 and 2023/24 are the same months
    const board = await ask('market residential burglary march 2024', 'countywide-board');
    expect(fig(board, 'year-ending').value).toBe(ye.value);
    // a restart: the record-key secret is in the store
    await t.store.checkpoint();
    const again = await openSqliteStore(t.path);
    try {
      expect(fig(await ask('market residential burglary march 2024', 'cambridge-csp', again), 'year-ending').value).toBe(ye.value);
    } finally {
      await again.close();
    }
    // and `top` shows Market's year-ending count as the same cell
    const top = data(await ask('top residential burglary cambridge march 2024', 'cambridge-csp'));
    expect(top.ranking.find((x: any) => x.name === 'Market').count).toBe(ye.value);
  });

  it('"market violence by type fytd": the total that would give rape by subtraction is left out, and rape is refused', async () => {
    const r = await ask('market violence by type fytd', 'cambridge-csp');
    expect(r.kind).toBe('answer');
    expect(r.figures).toEqual([]);
    expect(data(r).figures).toEqual([]);
    expect(data(r).series).toEqual([]);
    expect(data(r).disclosure.totalWithheld).toEqual(['Rape', 'Other sexual offences']);
    expect(r.table!.rows.map((row) => row[0])).toEqual(expect.arrayContaining(['Violence with injury', 'Violence without injury', 'Stalking and harassment']));
    expect(r.table!.rows.map((row) => row[0])).not.toContain('Rape');
    expect(r.notes.join(' ')).toMatch(/total for violence and sexual offences is not shown beside this breakdown: it includes rape and other sexual offences/);
    expect((await ask('market rape', 'cambridge-csp')).kind).toBe('error');
    // the rows are perturbed: the police.uk total asked separately, less the rows, is not the rape count
    const cleared = await ask('market violence by type fytd', 'cambridge-analysts');
    const rows = new Map(data(cleared).breakdown.rows.map((x: any) => [x.key, x.count]));
    expect(rows.get('rape')).toBeGreaterThan(0);
    expect(data(cleared).figures.length).toBeGreaterThan(0); // cleared: the total is shown
    const total = fig(await ask('market violence fytd', 'cambridge-csp'), 'period').value;
    const shownRows = data(r).breakdown.rows.reduce((s: number, x: any) => s + (x.count ?? 0), 0);
    const trueRest = (rows.get('rape') as number) + (rows.get('other-sexual-offences') as number);
    expect(total - shownRows === trueRest && data(r).breakdown.rows.every((x: any) => x.count === rows.get(x.key))).toBe(false);
  });

  it('in a channel cleared for sensitive measures but not small numbers, rape is shown perturbed', async () => {
    const r = await ask('market rape april 2024', 'countywide-board');
    expect(r.kind).toBe('answer');
    expect(data(r).disclosure.mode).toBe('perturbed');
    expect(fig(r, 'month').display).toMatch(/^fewer than 5|^\d/);
  });
});
