// Re-ingesting the same file changes nothing; a revised month replaces the old one atomically and is logged;
// synthetic files never overwrite real months; partnership extracts (both shapes) place rows as documented.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/index.ts';
import { sumsByArea } from '../helpers/counts.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const APRIL = join(ROOT, 'fixtures/police-uk/2024-04-cambridgeshire-street.csv');
const POLICE = [
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
beforeEach(async () => {
  t = await fixtureStore();
});
afterEach(() => t.cleanup());

const forceTotal = async (month: string, measures = POLICE) =>
  (await t.store.counts({ areaCodes: ['cambridgeshire'], measures, source: 'police.uk', from: month, to: month })).reduce((s, c) => s + c.count, 0);

describe('re-ingest', () => {
  it('the same files again change nothing (not even the release log)', async () => {
    const before = await t.store.contentChecksum();
    const releases = (await t.store.releases()).length;
    const r = await ingestPaths(t.store, [
      join(ROOT, 'fixtures/geography'),
      join(ROOT, 'fixtures/police-uk'),
      join(ROOT, 'fixtures/partnership'),
      join(ROOT, 'fixtures/populations'),
    ]);
    expect(r.files.filter((f) => f.month).every((f) => f.outcome === 'unchanged')).toBe(true);
    expect(await t.store.releases()).toHaveLength(releases);
    expect(await t.store.contentChecksum()).toBe(before);
  });

  it('a revised month replaces the earlier version atomically and logs old and new totals', async () => {
    const lines = readFileSync(APRIL, 'utf8').split('\r\n').filter(Boolean);
    // The revision drops the first ten in-area burglaries in Market's LSOAs and adds nothing else.
    let dropped = 0;
    const revised = lines.filter((l, i) => {
      if (i === 0 || dropped >= 10) return true;
      const f = l.split(',');
      if (f[9] === 'Burglary' && f[7] && ['E01017983', 'E01018005', 'E01035515', 'E01035517'].includes(f[7])) {
        dropped++;
        return false;
      }
      return true;
    });
    const path = join(t.dir, '2024-04-cambridgeshire-street-revised.csv');
    writeFileSync(path, revised.join('\r\n') + '\r\n');
    const oldTotal = await forceTotal('2024-04');
    const oldBurglary = await forceTotal('2024-04', ['burglary']);
    const r = await ingestPaths(t.store, [path]);
    expect(r.files[0]!.outcome).toBe('revised');
    expect(await forceTotal('2024-04')).toBe(oldTotal - dropped);
    expect(await forceTotal('2024-04', ['burglary'])).toBe(oldBurglary - dropped);
    const rel = (await t.store.releases()).filter((x) => x.month === '2024-04' && x.source === 'police.uk');
    expect(rel).toHaveLength(2);
    expect(rel[1]!.revision).toMatchObject({ previousTotal: oldTotal, newTotal: oldTotal - dropped });
    expect(rel[1]!.revision!.previousChecksum).toBe(rel[0]!.checksum);
    expect((await t.store.currentMonths('police.uk')).find((m) => m.month === '2024-04')!.releaseId).toBe(rel[1]!.id);
    // Other months untouched.
    expect(await forceTotal('2024-03')).toBe(6954);
    // The original file again is a revision back, not "unchanged".
    const back = await ingestPaths(t.store, [APRIL]);
    expect(back.files[0]!.outcome).toBe('revised');
    expect(await forceTotal('2024-04')).toBe(oldTotal);
  });

  it('a synthetic file never overwrites a real month; a real file replaces a synthetic month', async () => {
    const synthetic = join(t.dir, 'synthetic-2024-04-cambridgeshire-street.csv');
    writeFileSync(synthetic, readFileSync(join(ROOT, 'fixtures/police-uk/2024-03-cambridgeshire-street.csv'), 'utf8').replaceAll(',2024-03,', ',2024-04,'));
    const before = await t.store.contentChecksum();
    const r = await ingestPaths(t.store, [synthetic]);
    expect(r.files[0]!.outcome).toBe('skipped: real data exists');
    expect(await t.store.contentChecksum()).toBe(before);

    const synthMay = join(t.dir, 'synthetic-2024-05-cambridgeshire-street.csv');
    writeFileSync(synthMay, readFileSync(APRIL, 'utf8').replaceAll(',2024-04,', ',2024-05,'));
    await ingestPaths(t.store, [synthMay]);
    expect(await t.store.months('police.uk')).toContain('2024-05');
    expect(await t.store.realMonths('police.uk')).not.toContain('2024-05');
    const realMay = join(t.dir, '2024-05-cambridgeshire-street.csv');
    writeFileSync(realMay, readFileSync(join(ROOT, 'fixtures/police-uk/2024-01-cambridgeshire-street.csv'), 'utf8').replaceAll(',2024-01,', ',2024-05,'));
    const real = await ingestPaths(t.store, [realMay]);
    expect(real.files[0]!.outcome).toBe('revised');
    expect(await t.store.realMonths('police.uk')).toContain('2024-05');
    expect(await forceTotal('2024-05')).toBe(await forceTotal('2024-01'));
    expect((await t.store.counts({ areaCodes: ['cambridgeshire'], measures: POLICE, source: 'police.uk', from: '2024-05', to: '2024-05' })).every((c) => !c.synthetic)).toBe(true);
  });
});

describe('partnership extracts', () => {
  it('aggregated: synonyms resolve; ward rows are partner-supplied; district and force are summed from wards', async () => {
    const p = join(t.dir, 'extract-2024-06.csv');
    writeFileSync(
      p,
      [
        'month,area_type,area_code,measure,count',
        '2024-06,ward,E05013057,dwelling burglary,4',
        '2024-06,ward,E05013050,Residential burglary,2',
        '2024-06,lsoa,E01017983,asb nuisance,3',
      ].join('\n'),
    );
    const r = await ingestPaths(t.store, [p]);
    expect(r.files[0]).toMatchObject({ outcome: 'loaded', placedByPartner: 6, placedByLsoa: 3 });
    const c = async (code: string, measure: string) => (await t.store.counts({ areaCodes: [code], measures: [measure], source: 'partnership', from: '2024-06', to: '2024-06' }))[0];
    expect(await c('E05013057', 'residential-burglary')).toMatchObject({ count: 4, byPartner: 4 });
    expect((await c('E07000008', 'residential-burglary'))!.count).toBe(6);
    expect((await c('cambridgeshire', 'residential-burglary'))!.count).toBe(6);
    expect(await c('E05013057', 'asb-nuisance')).toMatchObject({ count: 3, byLsoa: 3 }); // E01017983 best-fits to Market
    expect((await c('E01017983', 'asb-nuisance'))!.count).toBe(3);
  });

  it('aggregated: a level given is kept as given; a missing level is summed from the nearest finer level given', async () => {
    const p = join(t.dir, 'extract-2024-07.csv');
    writeFileSync(p, ['month,area_type,area_code,measure,count', '2024-07,ward,E05013057,deliberate-fires,2', '2024-07,district,E07000008,deliberate-fires,9'].join('\n'));
    await ingestPaths(t.store, [p]);
    const c = async (code: string) =>
      (await t.store.counts({ areaCodes: [code], measures: ['deliberate-fires'], source: 'partnership', from: '2024-07', to: '2024-07' }))[0]?.count;
    expect([await c('E05013057'), await c('E07000008'), await c('cambridgeshire')]).toEqual([2, 9, 9]);
  });

  it('record-level: ward_code, then point-in-polygon, then LSOA best-fit; no place = force only; outside = out of area', async () => {
    const p = join(t.dir, 'records-2024-06.csv');
    writeFileSync(
      p,
      [
        'month,record_id,measure,lsoa_code,ward_code,longitude,latitude',
        '2024-06,a1,domestic abuse,,E05013057,,', // partner-supplied ward
        '2024-06,a2,deliberate fires,,,0.121,52.2056', // a point in Market (central Cambridge)
        '2024-06,a3,deliberate-fires,E01017983,,,', // LSOA only -> best-fit Market
        '2024-06,a4,deliberate-fires,,,,', // nowhere -> force level only
        '2024-06,a5,deliberate-fires,,,-1.89,52.48', // a point in Birmingham -> out of area
      ].join('\n'),
    );
    const r = await ingestPaths(t.store, [p]);
    expect(r.files[0]).toMatchObject({ rowsRead: 5, placedByPartner: 1, placedByPolygon: 1, placedByLsoa: 1, unplaced: 1, outOfArea: 1 });
    const fires = await t.store.counts({ areaCodes: ['E05013057', 'cambridgeshire'], measures: ['deliberate-fires'], source: 'partnership', from: '2024-06', to: '2024-06' });
    expect(fires.find((c) => c.areaCode === 'E05013057')).toMatchObject({ count: 2, byPolygon: 1, byLsoa: 1 });
    expect(fires.find((c) => c.areaCode === 'cambridgeshire')!.count).toBe(3);
  });

  it('both README templates ingest as documented (copied to a data file name, as the README says)', async () => {
    // A template named as it is, is refused (its figures are examples): the copy loads.
    await expect(ingestPaths(t.store, [join(ROOT, 'fixtures/templates/partnership-aggregated.template.csv')])).rejects.toThrow(/expected a data file, not a template/);
    const copy = (name: string) => {
      const p = join(t.dir, name.replace('.template', '-2024-05'));
      copyFileSync(join(ROOT, 'fixtures/templates', name), p);
      return p;
    };
    const r = await ingestPaths(t.store, [copy('partnership-aggregated.template.csv')]);
    expect(r.files[0]).toMatchObject({ outcome: 'loaded', rowsRead: 6, placedByPartner: 15, placedByLsoa: 3 });
    const rec = await ingestPaths(t.store, [copy('partnership-records.template.csv')]);
    expect(rec.files[0]).toMatchObject({ outcome: 'revised', rowsRead: 4, placedByPartner: 1, placedByPolygon: 2, placedByLsoa: 1 });
    // A folder walk skips templates.
    const folder = await ingestPaths(t.store, [join(ROOT, 'fixtures/templates'), join(ROOT, 'fixtures/partnership')]);
    expect(folder.files.some((f) => f.file.includes('template'))).toBe(false);
  });

  it('the fixture extract is consistent with police.uk for every ward and month', async () => {
    const wards = (await t.store.areas('ward')).map((w) => w.code);
    for (const month of ['2024-01', '2024-02', '2024-03', '2024-04']) {
      const get = (source: 'police.uk' | 'partnership', measures: string[]) => sumsByArea(t.store, wards, source, measures, month);
      expect(await get('partnership', ['residential-burglary', 'business-community-burglary'])).toEqual(await get('police.uk', ['burglary']));
      expect(await get('partnership', ['asb-personal', 'asb-nuisance', 'asb-environmental'])).toEqual(await get('police.uk', ['anti-social-behaviour']));
      const sub = await get('partnership', ['violence-with-injury', 'violence-without-injury', 'stalking-harassment']);
      const vso = await get('police.uk', ['violent-crime']);
      sub.forEach((s, i) => expect(s).toBeLessThanOrEqual(vso[i]!));
      expect(sub.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.7 * vso.reduce((a, b) => a + b, 0));
    }
    expect((await t.store.releases()).filter((r) => r.source === 'partnership').every((r) => r.synthetic)).toBe(true);
  });
});
