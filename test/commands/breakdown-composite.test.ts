// "by type" for a composite: the parts must be the members its total is summed from. Found in
// review: "kings hedges personal loss by type" showed a year-ending total of 80 (police.uk members:
// the extract has no personal robbery) but broke it down into partnership residential burglary (62)
// and other theft (60), more than the total.
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

describe('a composite by type adds up to the composite', () => {
  for (const topic of ['personal loss', 'acquisitive crime', 'vehicle offences', 'commercial loss']) {
    for (const place of ['kings hedges', 'market']) {
      it(`${place} ${topic}`, async () => {
        const r = await ask(`${place} ${topic} by type`, 'cambridge-analysts');
        const d = r.data as { figures: Array<{ id: string; value: number | null }>; breakdown: { rows: Array<{ key: string; count: number | null }> } };
        const ye = d.figures.find((f) => f.id === 'year-ending')!.value!;
        const sum = d.breakdown.rows.reduce((s, row) => s + (row.count ?? 0), 0);
        expect(sum).toBe(ye);
      });
    }
  }
});
