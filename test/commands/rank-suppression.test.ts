// The rank figure of a ward reply in a channel not cleared for small numbers. Found in review: the
// --json of "market robbery" in cambridge-csp listed every sibling ward's year-ending count under
// rank.siblings, small ones included (Cherry Hinton 4, Coleridge 3, Petersfield 3), and a ward whose
// own count was "fewer than 5" was still given its place by rate ("9th of 14").
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
type Sib = { code: string; name: string; count: number | null; rate: number | null; rank: number | null };
const rank = (r: Reply) => (r.data as { rank: { rank: number; of: number; siblings: Sib[] } | null }).rank;

describe('rank among siblings: no small count in it, no rank for a hidden count', () => {
  it('no sibling count from 1 to 4 appears in the reply, and the rank says how many wards it is among', async () => {
    const cleared = rank(await ask('market robbery', 'cambridge-analysts'))!;
    const small = cleared.siblings.filter((s) => s.count !== null && s.count > 0 && s.count < 5);
    expect(small.length).toBeGreaterThan(0); // the fixture has small sibling counts to protect

    const r = await ask('market robbery', 'cambridge-csp');
    const rk = rank(r)!;
    for (const s of rk.siblings) expect(s.count === null || s.count === 0 || s.count >= 5, `${s.name} ${s.count}`).toBe(true);
    expect(rk.siblings.map((s) => s.code)).not.toEqual(expect.arrayContaining(small.map((s) => s.code)));
    expect(rk.of).toBe(cleared.of - small.length);
    expect(r.figures.find((f) => f.id === 'rank')?.wording).toMatch(/wards with counts shown/);
    expect(JSON.stringify(r.data)).not.toMatch(new RegExp(`"code":"${small[0]!.code}","name":"[^"]*","count":${small[0]!.count}`));
  });
  it('a ward whose own count is hidden gets no rank (the rank would bound its rate)', async () => {
    const cleared = rank(await ask('market robbery', 'cambridge-analysts'))!;
    const smallWard = cleared.siblings.find((s) => s.count !== null && s.count > 0 && s.count < 5)!;
    const r = await ask(`${smallWard.code} robbery`, 'cambridge-csp');
    expect(r.figures.find((f) => f.id === 'year-ending')?.display).toBe('fewer than 5');
    expect(r.figures.find((f) => f.id === 'rank')).toBeUndefined();
    expect(rank(r)).toBeNull();
  });
});

describe('the noun does not give a hidden count away', () => {
  it('"fewer than 5 offences", never "fewer than 5 offence" (which says it is 1)', async () => {
    // Cherry Hinton had 1 robbery in April 2024 (the cleared channel shows it)
    const cleared = await ask('cherry hinton robbery', 'cambridge-analysts');
    expect(cleared.figures.find((f) => f.id === 'month')!.value).toBe(1);
    const r = await ask('cherry hinton robbery', 'cambridge-csp');
    const text = JSON.stringify(r);
    expect(r.figures.find((f) => f.id === 'month')!.wording).toBe('fewer than 5 offences of robbery in April 2024.');
    expect(text).not.toMatch(/fewer than \d+ (offence|incident)(?!s)/);
    expect(r.summary).toMatch(/recorded fewer than 5 offences of robbery/);
  });
});

describe('a count hidden only to protect another reads "not shown", not "fewer than 5"', () => {
  it('newnham burglary, April 2024: 0 recorded, hidden as a secondary', async () => {
    const cleared = await ask('newnham burglary', 'cambridge-analysts');
    expect(cleared.figures.find((f) => f.id === 'month')!.value).toBe(0);
    const r = await ask('newnham burglary', 'cambridge-csp');
    const d = r.data as { suppressed: Array<{ id: string; reason: string }> };
    expect(d.suppressed.find((s) => s.id === 'm:2024-04')?.reason).toBe('could reveal a small number');
    const month = r.figures.find((f) => f.id === 'month')!;
    expect(month.display).toBe('not shown');
    expect(month.wording).not.toMatch(/fewer than/);
    expect(r.summary).not.toMatch(/recorded fewer than 5/);
  });
});
