// `top` ranks over the year ending the latest month, but only when the data holds that whole year.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let real: TempStore;
let withHistory: TempStore;
beforeAll(async () => {
  real = await fixtureStore({ history: false });
  withHistory = await fixtureStore({ history: true });
});
afterAll(async () => {
  await real?.cleanup();
  await withHistory?.cleanup();
});

const ask = (t: TempStore, text: string) => answer(text, makeContext({ store: t.store, config: loadConfig('wardwatch.config.yaml').config, channel: 'cambridge-analysts' }));

describe('top with less than a year of data', () => {
  it('ranks on the latest month and says why, instead of showing no counts', async () => {
    const reply = await ask(real, 'top burglary cambridge');
    expect(reply.kind).toBe('answer');
    expect(reply.notes.join(' ')).toMatch(/does not cover the whole year ending April 2024, so areas are ranked on April 2024 alone/);
    const countColumn = reply.table!.columns.indexOf('Count');
    const counts = reply.table!.rows.map((r) => r[countColumn]);
    expect(counts.every((c) => /^\d+$/.test(c!))).toBe(true);
    expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('ranks on the year ending when the whole year is there', async () => {
    const reply = await ask(withHistory, 'top burglary cambridge');
    expect(reply.notes.join(' ')).not.toMatch(/does not cover the whole year/);
    expect(reply.notes[0]).toMatch(/year ending April 2024/);
  });
});
