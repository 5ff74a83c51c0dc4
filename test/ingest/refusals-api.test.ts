// Refusals that need what the CLI does not give a test: an injected clock, a config with other bounds,
// a store prepared by hand (a broken boundary stored before ingest checked them), and the things that
// must NOT be refused (identical ASB rows, a boundary that only touches itself). Through ingestPaths;
// every case also has a CLI test in refusals.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { polygonProblem } from '../../src/geo/validate.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { firstRealDuplicate } from '../../src/ingest/policeUk.ts';
import { DECIMAL, Fingerprints, isPlainDecimal, monthContaining } from '../../src/ingest/validate.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const BAD = join(import.meta.dirname, 'bad-files');
const REAL = readFileSync(join(ROOT, 'fixtures/police-uk/2024-01-cambridgeshire-street.csv'), 'utf8').split('\r\n').filter(Boolean);
const AGG = 'month,area_type,area_code,measure,count';
const CONFIG = loadConfig(join(ROOT, 'wardwatch.config.yaml')).config;

let t: TempStore;
beforeEach(async () => {
  t = await fixtureStore();
});
afterEach(() => t.cleanup());

const write = (name: string, lines: string[], eol = '\n') => {
  const p = join(t.dir, name);
  writeFileSync(p, lines.join(eol) + eol);
  return p;
};
const policeMonth = (name: string, month: string, rows = REAL.length) =>
  write(
    name,
    REAL.slice(0, rows).map((l, i) => (i === 0 ? l : l.replace(',2024-01,', `,${month},`))),
    '\r\n',
  );

describe('the month range uses an injectable clock', () => {
  it('the month containing today loads; the next month is refused', async () => {
    const now = () => new Date('2024-05-15T12:00:00Z');
    const checksum = await t.store.contentChecksum();
    await expect(ingestPaths(t.store, [policeMonth('2024-06-street.csv', '2024-06', 50)], { config: CONFIG, now })).rejects.toThrow(
      '2024-06-street.csv:2: field "Month": expected a month no later than this month (2024-05): a file cannot hold crimes from the future, found "2024-06"',
    );
    await expect(ingestPaths(t.store, [write('extract-2024-06.csv', [AGG, '2024-06,ward,E05013057,residential-burglary,3'])], { config: CONFIG, now })).rejects.toThrow(
      /extract-2024-06\.csv:2: field "month": expected a month no later than this month \(2024-05\)/,
    );
    expect(await t.store.contentChecksum()).toBe(checksum);
    const r = await ingestPaths(t.store, [policeMonth('2024-05-street.csv', '2024-05', 50)], { config: CONFIG, now });
    expect(r.files[0]).toMatchObject({ month: '2024-05', outcome: 'loaded' });
  });

  it('"this month" is the UK month: 23:30 UTC on 31 May 2024 is already June in London', async () => {
    expect(monthContaining(new Date('2024-05-31T23:30:00Z'))).toBe('2024-06');
    expect(monthContaining(new Date('2024-12-31T23:30:00Z'))).toBe('2024-12'); // GMT in winter
    const r = await ingestPaths(t.store, [policeMonth('2024-06-street.csv', '2024-06', 20)], { config: CONFIG, now: () => new Date('2024-05-31T23:30:00Z') });
    expect(r.files[0]!.outcome).toBe('loaded');
  });
});

describe('the count bound comes from the config', () => {
  it('ingest.maxMonthlyCount.ward lowers the bound for wards only', async () => {
    const text = readFileSync(join(ROOT, 'wardwatch.config.yaml'), 'utf8') + '\ningest:\n  maxMonthlyCount:\n    ward: 3\n';
    const config = parseConfig(text, 'test.config.yaml').config;
    expect(config.ingest?.maxMonthlyCount?.ward).toBe(3);
    const p = write('extract-2024-05.csv', [AGG, '2024-05,district,E07000008,residential-burglary,40', '2024-05,ward,E05013057,residential-burglary,4']);
    await expect(ingestPaths(t.store, [p], { config })).rejects.toThrow(/extract-2024-05\.csv:3: field "count": expected at most 3 for one ward, measure and month/);
    const r = await ingestPaths(t.store, [p], { config: CONFIG });
    expect(r.files[0]!.outcome).toBe('loaded');
  });

  it('a bad bound in the config is a config error naming the key', () => {
    const text = readFileSync(join(ROOT, 'wardwatch.config.yaml'), 'utf8') + '\ningest:\n  maxMonthlyCount:\n    ward: -1\n';
    expect(() => parseConfig(text, 'test.config.yaml')).toThrow(/ingest\.maxMonthlyCount\.ward/);
  });
});

describe('what is not refused', () => {
  it('identical ASB rows (no Crime ID, same snap point) are separate incidents and both count', async () => {
    // The real January file has such pairs (its lines 5 and 6).
    expect(REAL[4]).toBe(REAL[5]);
    expect(REAL[4]!.startsWith(',')).toBe(true);
    const p = write('2024-05-asb.csv', [REAL[0]!, ...[REAL[4]!, REAL[5]!, REAL[5]!].map((l) => l.replace(',2024-01,', ',2024-05,'))], '\r\n');
    await ingestPaths(t.store, [p], { config: CONFIG });
    const c = await t.store.counts({ areaCodes: ['E01017975'], measures: ['anti-social-behaviour'], source: 'police.uk', from: '2024-05', to: '2024-05' });
    expect(c[0]!.count).toBe(3);
  });

  it('a byte-identical copy of a police.uk file (same Crime IDs) is still skipped, not refused', async () => {
    const a = policeMonth('2024-05-street.csv', '2024-05', 100);
    const b = policeMonth('2024-05-street-copy.csv', '2024-05', 100);
    const r = await ingestPaths(t.store, [a, b], { config: CONFIG });
    expect(r.files.map((f) => f.outcome)).toEqual(['loaded', 'skipped']);
  });

  it('a ring that touches itself at a vertex, holes, and multipolygons are valid', () => {
    const shell = [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
      [0, 0],
    ];
    const hole = [
      [1, 1],
      [1, 2],
      [2, 2],
      [2, 1],
      [1, 1],
    ];
    expect(polygonProblem({ type: 'Polygon', coordinates: [shell, hole] })).toBeNull();
    expect(
      polygonProblem({
        type: 'MultiPolygon',
        coordinates: [
          [shell],
          [
            [
              [5, 5],
              [6, 5],
              [6, 6],
              [5, 5],
            ],
          ],
        ],
      }),
    ).toBeNull();
    // A hole touching the shell at one vertex, and a ring with a repeated position.
    expect(
      polygonProblem({
        type: 'Polygon',
        coordinates: [
          shell,
          [
            [0, 0],
            [1, 2],
            [2, 1],
            [0, 0],
          ],
        ],
      }),
    ).toBeNull();
    expect(
      polygonProblem({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [4, 0],
            [4, 0],
            [4, 4],
            [0, 0],
          ],
        ],
      }),
    ).toBeNull();
    // A hole crossing the shell is not.
    expect(
      polygonProblem({
        type: 'Polygon',
        coordinates: [
          shell,
          [
            [3, 3],
            [5, 3],
            [5, 5],
            [3, 3],
          ],
        ],
      })?.expected,
    ).toMatch(/edges that do not cross/);
  });
});

describe('a broken boundary already in a store', () => {
  it('never crashes a later police.uk ingest: the ward is left out of the index, with a note', async () => {
    const broken = { type: 'Feature', properties: { WD24CD: 'E05013057' }, geometry: { type: 'Polygon', coordinates: [[[0.12, 'x'], [0.13]]] } };
    await t.store.upsertBoundaries([{ areaCode: 'E05013057', geojson: JSON.stringify(broken) }]);
    const r = await ingestPaths(t.store, [policeMonth('2024-05-street.csv', '2024-05')], { config: CONFIG });
    expect(r.files[0]!.outcome).toBe('loaded');
    expect(r.files[0]!.note).toMatch(/the stored boundaries of 1 ward \(E05013057\) are not valid polygons: their points were placed by LSOA best fit/);
    const market = await t.store.counts({ areaCodes: ['E05013057'], measures: ['shoplifting'], source: 'police.uk', from: '2024-05', to: '2024-05' });
    expect(market[0]!.byPolygon).toBe(0);
    expect(market[0]!.byLsoa).toBeGreaterThan(0);
  });
});

describe('geography files that disagree in one ingest', () => {
  it('a ward list giving a ward another district than the lookup beside it', async () => {
    const lookup = join(ROOT, 'fixtures/geography/lsoa21_ward24_lad24_cambridgeshire_peterborough.csv');
    await expect(ingestPaths(t.store, [lookup, join(BAD, 'ward-list-moves-market-ward.csv')], { config: CONFIG, allowBoundaryChanges: true })).rejects.toThrow(
      /ward-list-moves-market-ward\.csv:2: field "LAD24CD": expected E05013057's district as on lsoa21_ward24_lad24_cambridgeshire_peterborough\.csv:\d+ \(E07000008\): a ward lies in one district, found "E07000009"/,
    );
  });
});

describe('duplicate identifiers are confirmed exactly', () => {
  it('fingerprints: sorted, and a repeated identifier becomes a suspect', () => {
    const s = new Fingerprints();
    for (let i = 0; i < 10_000; i++) s.add(`id-${i}`);
    s.add('id-1234');
    const sorted = s.finish();
    expect(sorted).toHaveLength(10_001);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1]! <= sorted[i]!).toBe(true);
    expect(s.hasSuspects).toBe(true);
    expect(s.isSuspect('id-1234')).toBe(true);
    expect(s.isSuspect('id-1235')).toBe(false);
    const none = new Fingerprints();
    for (let i = 0; i < 1000; i++) none.add(`${'x'.repeat(40)}${i}`); // long: hashed by their ends
    none.finish();
    expect(none.hasSuspects).toBe(false);
  });

  it('identifiers that only share a fingerprint are not refused; equal ones are', async () => {
    const p = write('records.csv', [
      'month,record_id,measure,lsoa_code,ward_code,longitude,latitude',
      '2024-05,a,deliberate-fires,,,,',
      '2024-05,b,deliberate-fires,,,,',
      '2024-05,a,deliberate-fires,,,,',
    ]);
    // As if a and b had the same fingerprint: they differ, so no duplicate; with every id a suspect, a is one.
    expect(await firstRealDuplicate(p, 1, (v) => v === 'b' || v === 'x')).toBeNull();
    expect(await firstRealDuplicate(p, 1, () => true)).toEqual({ first: 2, line: 4, value: 'a' });
  });

  it('the hand-written decimal test agrees with the pattern', () => {
    for (const v of [
      '0.12',
      '-0.123456',
      '+1',
      '52.',
      '.5',
      '0',
      '',
      '.',
      '-',
      '0x1F',
      '1e+23',
      '5.2e1',
      'Infinity',
      '-Infinity',
      'NaN',
      '1,000',
      '1_000',
      '0b101',
      '0o17',
      '1.2.3',
      ' 1',
      '--1',
      '١٢',
    ]) {
      expect(isPlainDecimal(v), v).toBe(DECIMAL.test(v));
    }
  });
});
