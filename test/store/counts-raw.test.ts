// SQLite's counts() reads arrays straight from better-sqlite3 (the answer path's hot read); the kysely
// query it replaced still serves long area lists and reads during a transaction. Both must give the same
// rows in the same order for every shape of query, and a read beside an open transaction must not see
// the transaction's half-written month.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KyselyStore } from '../../src/store/kysely.ts';
import type { CountQuery } from '../../src/store/types.ts';
import { fixtureStore, testRelease, type TempStore } from '../helpers/store.ts';

let t: TempStore;
beforeAll(async () => {
  t = await fixtureStore();
});
afterAll(() => t?.cleanup());

/** The kysely path, bypassing the raw override. */
const viaKysely = (q: CountQuery) => KyselyStore.prototype.counts.call(t.store, q);

describe('SQLite counts(): the raw read path', () => {
  it('gives the kysely path’s rows, in its order, for every shape of query', async () => {
    const store = t.store;
    const [wards, districts, months] = await Promise.all([store.areas('ward'), store.areas('district'), store.months()]);
    const measures = ['anti-social-behaviour', 'burglary', 'violent-crime', 'shoplifting', 'bicycle-theft'];
    const queries: CountQuery[] = [];
    for (let i = 0; i < 12; i++) {
      const areaCodes = [...wards.slice(i * 3, i * 3 + 1 + (i % 4)).map((a) => a.code), ...(i % 3 === 0 ? [districts[i % districts.length]!.code] : [])];
      const q: CountQuery = { areaCodes, measures: measures.slice(0, 1 + (i % measures.length)) };
      if (i % 2) q.source = 'police.uk';
      if (i % 3 === 1) q.from = months[Math.floor(months.length / 2)]!;
      if (i % 4 === 2) q.to = months.at(-2)!;
      queries.push(q);
    }
    // unknown codes and measures, and a repeated shape (a cached statement) with other values
    queries.push({ areaCodes: ['E05999999'], measures: ['burglary'] }, { areaCodes: [wards.at(-1)!.code], measures: ['no-such-measure'] });
    queries.push({ areaCodes: [wards[5]!.code], measures: ['burglary'] });
    let rows = 0;
    for (const q of queries) {
      const raw = await store.counts(q);
      expect(JSON.stringify(raw)).toBe(JSON.stringify(await viaKysely(q)));
      rows += raw.length;
    }
    expect(rows).toBeGreaterThan(200);
  });

  it('batches a long area list through the kysely path and keeps the order', async () => {
    const wards = (await t.store.areas('ward')).map((a) => a.code);
    const long = Array.from({ length: 2100 }, (_, i) => (i < wards.length ? wards[i]! : `E05${String(900000 + i)}`));
    const q: CountQuery = { areaCodes: long, measures: ['anti-social-behaviour'], source: 'police.uk' };
    const got = await t.store.counts(q);
    expect(got.length).toBeGreaterThan(wards.length);
    const keys = got.map((c) => `${c.areaCode}|${c.measure}|${c.source}|${c.month}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('does not see a transaction’s uncommitted month from beside it', async () => {
    const store = t.store;
    const [ward] = await store.areas('ward');
    const q: CountQuery = { areaCodes: [ward!.code], measures: ['burglary'], source: 'police.uk' };
    const before = JSON.stringify(await store.counts(q));
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const tx = store.transaction(async (trx) => {
      await trx.replaceMonth({
        source: 'police.uk',
        month: '2024-01',
        counts: [
          {
            source: 'police.uk',
            month: '2024-01',
            areaType: 'ward',
            areaCode: ward!.code,
            measure: 'burglary',
            count: 99_999,
            byPolygon: 99_999,
            byLsoa: 0,
            byPartner: 0,
            synthetic: false,
          },
        ],
        release: testRelease('police.uk', '2024-01', 'held', { fileName: 'held.csv' }),
      });
      inside();
      await hold;
      throw new Error('rolled back on purpose');
    });
    await entered;
    const beside = store.counts(q);
    release();
    await expect(tx).rejects.toThrow('rolled back on purpose');
    expect(JSON.stringify(await beside)).toBe(before);
  });
});
