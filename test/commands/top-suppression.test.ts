// `/crime top` in a channel not cleared for small numbers: the order of the table must not give a
// hidden count away. Found in review: "top robbery cambridge" ranked Cherry Hinton (4) 9th above
// Coleridge (3, same population) and Petersfield (3) joint 10th, all "fewer than 5"; with the
// Cambridge total (133) less the shown counts (123) = 10, the order pinned all three counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { Reply } from '../../src/core/reply.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
const { config } = loadConfig();
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(() => t?.cleanup());

const ask = (text: string, channel?: string): Promise<Reply> => answer(text, makeContext({ store: t.store, config, channel, now: new Date('2024-05-20T09:00:00Z') }));
type Row = { code: string; name: string; rank: number | null; rate: number | null; count: number | null; suppressed: boolean };
const ranking = (r: Reply) => (r.data as { ranking: Row[] }).ranking;

describe('top: the ranking order never gives a hidden count away', () => {
  it('hidden wards are unranked, in name order, after the wards whose counts are shown; those are ranked by their recorded rate', async () => {
    // Precondition, from the cleared channel: at least two small counts that differ. (Deliberate fires:
    // a partnership measure, perturbed in this channel; police.uk counts are shown exactly, see README.)
    const cleared = ranking(await ask('top deliberate fires cambridge', 'cambridge-analysts'));
    const small = cleared.filter((r) => r.count !== null && r.count > 0 && r.count < 5);
    expect(small.length).toBeGreaterThanOrEqual(2);
    expect(new Set(small.map((r) => r.count)).size).toBeGreaterThan(1);

    const r = await ask('top deliberate fires cambridge', 'cambridge-csp');
    const rows = ranking(r);
    const hidden = rows.filter((x) => x.suppressed);
    expect(hidden.length).toBeGreaterThanOrEqual(2);
    for (const x of rows) if (!x.suppressed) expect(x.count!).toBeGreaterThanOrEqual(5);
    // hidden rows: no rank, no rate, last, alphabetical
    for (const h of hidden) expect(h).toMatchObject({ rank: null, rate: null, count: null });
    const firstHidden = rows.findIndex((x) => x.suppressed);
    expect(rows.slice(firstHidden).every((x) => x.suppressed || x.rank === null)).toBe(true);
    expect(hidden.map((x) => x.name)).toEqual([...hidden.map((x) => x.name)].sort((a, b) => a.localeCompare(b)));
    // shown rows: ranked by the rate the reader can see, so their order says nothing about the hidden ones
    const shown = rows.slice(0, firstHidden);
    for (let i = 1; i < shown.length; i++) expect(shown[i - 1]!.rate!).toBeGreaterThanOrEqual(shown[i]!.rate!);
    expect(shown.every((x) => x.rank !== null)).toBe(true);
    // the text table says the same, and says why
    const table = r.table!.rows;
    for (const h of hidden) expect(table.find((row) => row[1] === h.name)![0]).toBe('-');
    expect([...r.notes, ...((r as { about?: string[] }).about ?? [])].join(' ')).toMatch(/only the wards whose counts are shown are ranked/);
  });
  it('a cleared channel keeps the smoothed ranking of every ward', async () => {
    const rows = ranking(await ask('top deliberate fires cambridge', 'cambridge-analysts'));
    expect(rows.filter((x) => x.count !== null && x.count > 0).every((x) => x.rank !== null)).toBe(true);
  });
});
