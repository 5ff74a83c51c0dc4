// What the commands ask the charts to say: source lines, periods and synthetic months.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceLine } from '../../commands/ask.ts';
import { isEstimatedPopulation } from '../../src/figures/area.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

let t: TempStore;
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(() => t.cleanup());

const ask = (text: string) => answer(text, makeContext({ store: t.store, config: loadConfig('wardwatch.config.yaml').config, channel: 'cambridge-analysts' }));

describe('chart requests built by the commands', () => {
  it('name the licence, and for rates whether the population is an estimate', async () => {
    expect(isEstimatedPopulation({ source: 'ONS mid-year estimates, mid-2023' })).toBe(false);
    expect(isEstimatedPopulation({ source: 'ESTIMATE: Census 2021 district totals spread by LSOA count' })).toBe(true);
    expect(sourceLine('police.uk')).toBe('Source: police.uk, Open Government Licence');
    expect(sourceLine('police.uk', { source: 'ESTIMATE: spread by LSOA count', year: 2021 })).toBe('Source: police.uk, Open Government Licence; populations: estimate');
    expect(sourceLine('police.uk', { source: 'ONS mid-year estimates', year: 2023 })).toBe('Source: police.uk, Open Government Licence; populations: 2023');
    const top = await ask('top asb cambridge');
    expect(top.chart?.source).toBe('Source: police.uk, Open Government Licence; populations: estimate');
    const trend = await ask('market burglary');
    expect(trend.chart?.source).toBe('Source: police.uk, Open Government Licence');
  });

  it('give the compare chart its period', async () => {
    const reply = await ask('compare romsey abbey');
    expect(reply.chart?.kind).toBe('compare');
    expect(reply.chart?.subtitle).toMatch(/per 1,000 residents, May 2022 to Apr 2024 \(estimated populations\)$/);
    expect(reply.chart?.source).toMatch(/populations: estimate$/);
  });

  it('say when every month shown is synthetic', async () => {
    const older = await ask('market ward ye sep 2022');
    expect(older.chart?.subtitle).toMatch(/\(all months synthetic\)$/);
    const latest = await ask('market ward');
    expect(latest.chart?.subtitle).toMatch(/\(earlier months synthetic\)$/);
  });
});
