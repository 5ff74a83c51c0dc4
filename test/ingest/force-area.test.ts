// The force area: the config's districts when a config exists, else every district in the geography.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { tempStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const FILES = [join(ROOT, 'fixtures/geography'), join(ROOT, 'fixtures/police-uk/2024-01-cambridgeshire-street.csv')];
const ALL = [
  'anti-social-behaviour',
  'bicycle-theft',
  'burglary',
  'criminal-damage-arson',
  'drugs',
  'other-crime',
  'other-theft',
  'possession-of-weapons',
  'public-order',
  'robbery',
  'shoplifting',
  'theft-from-the-person',
  'vehicle-crime',
  'violent-crime',
];

let t: TempStore;
afterEach(() => t.cleanup());

describe('force area', () => {
  it('with no config: a force area named "force" over every district in the loaded geography', async () => {
    t = await tempStore();
    const r = await ingestPaths(t.store, FILES, { config: null });
    const police = r.files.find((f) => f.kind === 'police-uk')!;
    expect(police).toMatchObject({ rowsRead: 6116, outOfArea: 38, unplaced: 210 });
    expect(await t.store.area('force')).toMatchObject({ type: 'force' });
    expect(await t.store.children('force')).toHaveLength(6);
  });

  it('with a config naming only Cambridge: other districts are out of area and their wards get nothing', async () => {
    t = await tempStore();
    const base = loadConfig(join(ROOT, 'wardwatch.config.yaml')).config;
    const config = { ...base, forceArea: { ...base.forceArea, districts: ['E07000008'] } };
    const r = await ingestPaths(t.store, FILES, { config });
    const police = r.files.find((f) => f.kind === 'police-uk')!;
    const cambridge = (await t.store.counts({ areaCodes: ['E07000008'], measures: ALL, source: 'police.uk' })).reduce((s, c) => s + c.count, 0);
    expect(police.placedByPolygon + police.placedByLsoa).toBe(cambridge);
    expect(police.outOfArea).toBe(6116 - 210 - cambridge);
    const wards = await t.store.areas('ward');
    const counted = new Set((await t.store.counts({ areaCodes: wards.map((w) => w.code), measures: ALL, source: 'police.uk' })).map((c) => c.areaCode));
    for (const w of wards) if (counted.has(w.code)) expect(w.parentCode).toBe('E07000008');
    expect((await t.store.area('E07000010'))!.parentCode).toBeNull();
    expect((await t.store.area('E07000008'))!.parentCode).toBe('cambridgeshire');
  });
});
