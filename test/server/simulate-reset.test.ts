// "Simulate next month" and its reset on the local page, through HTTP with a real store: the reset
// takes out exactly the months the simulations added (the store's data as before, the page's answers
// back on the last real month), nothing else; it is offered only where the demo controls are on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { resetSummary, simulationControls } from '../../src/service/simulate.ts';
import { fixtureStore, testRelease, type TempStore } from '../helpers/store.ts';
import { startHarness, type Harness } from './harness.ts';

let t: TempStore;
let h: Harness | undefined;
beforeEach(async () => {
  t = await fixtureStore();
}, 300_000);
afterEach(async () => {
  await h?.close();
  h = undefined;
  await t.cleanup();
});

const post = async (path: string) => {
  const res = await fetch(`${h!.base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  return { status: res.status, body: (await res.json()) as any };
};
const ask = async (text: string) => {
  const res = await fetch(`${h!.base}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ channel: 'cambridge-csp', text }) });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

describe('reset simulated months', () => {
  it('removes the months the simulations added, and only those', async () => {
    const { config } = loadConfig();
    const sim = simulationControls({ store: t.store, config });
    h = await startHarness({
      store: t.store,
      simulateMonth: async () => {
        const r = await sim.simulate();
        return { month: r.month, summary: r.month };
      },
      resetSimulation: async () => resetSummary(await sim.reset()),
    });
    const page = await (await fetch(`${h.base}/c/cambridge-csp`)).text();
    expect(page).toContain('id="reset-simulation"');
    expect(page).toContain('Reset simulated months');

    const before = await t.store.currentMonths();
    const policeBefore = await t.store.months('police.uk');
    expect(policeBefore.at(-1)).toBe('2024-04');
    const latestOf = async () => JSON.stringify(await ask('market ward')).match(/"latestMonth":"(\d{4}-\d{2})"/)?.[1];
    expect(await latestOf()).toBe('2024-04');

    expect((await post('/api/dev/simulate-month')).body.month).toBe('2024-05');
    expect((await post('/api/dev/simulate-month')).body.month).toBe('2024-06');
    expect(await t.store.months('police.uk')).toEqual([...policeBefore, '2024-05', '2024-06']);
    expect(await latestOf()).toBe('2024-06');
    const added = sim.added();
    expect(added.map((m) => m.month)).toContain('2024-05');
    expect(added.every((m) => m.month === '2024-05' || m.month === '2024-06')).toBe(true);

    const reset = await post('/api/dev/reset-simulation');
    expect(reset.status).toBe(200);
    expect(reset.body.summary).toMatch(/^Removed the simulated May 2024 to June 2024 \(2 months\)/);
    // the data as it was: the same current months (same releases), no counts left for the months removed
    expect(await t.store.currentMonths()).toEqual(before);
    const wards = (await t.store.areas('ward')).map((a) => a.code);
    expect(await t.store.counts({ areaCodes: wards, measures: ['all-crime', 'burglary', 'anti-social-behaviour'], from: '2024-05', to: '2024-06' })).toEqual([]);
    expect(await latestOf()).toBe('2024-04');

    // again: nothing to reset, and nothing changes
    const again = await post('/api/dev/reset-simulation');
    expect(again.body.summary).toMatch(/^Nothing to reset/);
    expect(await t.store.currentMonths()).toEqual(before);
    // simulating after a reset brings the same month back
    expect((await post('/api/dev/simulate-month')).body.month).toBe('2024-05');
  });

  it('leaves a month loaded some other way', async () => {
    const { config } = loadConfig();
    const sim = simulationControls({ store: t.store, config });
    h = await startHarness({
      store: t.store,
      simulateMonth: async () => ({ month: (await sim.simulate()).month, summary: '' }),
      resetSimulation: async () => resetSummary(await sim.reset()),
    });
    await post('/api/dev/simulate-month');
    // an operator's own file for a month the simulation did not add (ingested beside it)
    await t.store.replaceMonth({
      source: 'police.uk',
      month: '2024-07',
      counts: [
        { source: 'police.uk', month: '2024-07', areaType: 'ward', areaCode: wardCode, measure: 'burglary', count: 4, byPolygon: 4, byLsoa: 0, byPartner: 0, synthetic: false },
      ],
      release: testRelease('police.uk', '2024-07', 'operator', { fileName: '2024-07-cambridgeshire-street.csv', rowsRead: 4, placedByPolygon: 4 }),
    });
    await post('/api/dev/reset-simulation');
    const months = await t.store.months('police.uk');
    expect(months).not.toContain('2024-05');
    expect(months).toContain('2024-07');
  });

  it('is not offered where the demo controls are off', async () => {
    h = await startHarness({ store: t.store });
    expect(await (await fetch(`${h.base}/c/cambridge-csp`)).text()).not.toContain('reset-simulation');
    expect((await post('/api/dev/reset-simulation')).status).toBe(404);
    await h.close();
    // a reset without the simulate control is not offered either
    h = await startHarness({ store: t.store, resetSimulation: async () => ({ month: '', summary: 'x' }) });
    expect((await post('/api/dev/reset-simulation')).status).toBe(404);
  });
});

const wardCode = 'E05013057';
