// Every bad-input case through the real CLI (`node bin/wardwatch.js ingest ...`) against a loaded store:
// non-zero exit, a message naming file, line and field, and a store checksum identical before and after.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const REAL = readFileSync(join(ROOT, 'fixtures/police-uk/2024-01-cambridgeshire-street.csv'), 'utf8').split('\r\n');
const HEADER = REAL[0]!;

let t: TempStore;
let before: string;
beforeAll(async () => {
  t = await fixtureStore();
  before = await t.store.contentChecksum();
  await t.store.close();
});
afterAll(() => t?.cleanup());

function ingestCli(...files: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/wardwatch.js'), 'ingest', '--quiet', ...files], {
    cwd: ROOT,
    env: { ...process.env, WARDWATCH_DB: t.path },
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** Writes a file into the test's temp folder. */
function file(name: string, lines: string[], eol = '\r\n'): string {
  const p = join(t.dir, name);
  writeFileSync(p, lines.join(eol) + eol);
  return p;
}

/** The real 2024-01 file with line `line` (1-based, header = 1) replaced by `edit(fields)`. */
function policeWith(name: string, line: number, edit: (f: string[]) => string[]): string {
  const lines = REAL.filter(Boolean);
  lines[line - 1] = edit(lines[line - 1]!.split(',')).join(',');
  return file(name, lines);
}

async function expectRejected(r: ReturnType<typeof ingestCli>, name: string, line: number | null, field: string | null, expected?: RegExp): Promise<void> {
  expect(r.status, r.stdout + r.stderr).not.toBe(0);
  if (line !== null) expect(r.stderr).toContain(`${name}:${line}`);
  else expect(r.stderr).toContain(name);
  if (field !== null) expect(r.stderr).toContain(`field "${field}"`);
  expect(r.stderr).toContain('expected');
  if (expected) expect(r.stderr).toMatch(expected);
  const s = await openStore({ path: t.path });
  try {
    expect(await s.contentChecksum()).toBe(before);
  } finally {
    await s.close();
  }
}

const AGG = 'month,area_type,area_code,measure,count';

describe('bad input: rejected whole, store unchanged', () => {
  it('unknown column set', async () => {
    const p = file('unknown-columns.csv', ['when,where,what,how many', '2024-01,E05013057,burglary,3']);
    await expectRejected(ingestCli(p), 'unknown-columns.csv', 1, null, /known header row/);
  });

  it('a row with the wrong number of fields (too few)', async () => {
    const p = policeWith('short-row.csv', 40, (f) => f.slice(0, 10));
    await expectRejected(ingestCli(p), 'short-row.csv', 40, 'Last outcome category', /12 fields/);
  });

  it('a row with the wrong number of fields (too many)', async () => {
    const p = policeWith('long-row.csv', 7, (f) => [...f, 'extra']);
    await expectRejected(ingestCli(p), 'long-row.csv', 7, 'column 13', /12 fields/);
  });

  it('a bad month', async () => {
    const p = policeWith('bad-month.csv', 100, (f) => (f.splice(1, 1, '2024-13'), f));
    await expectRejected(ingestCli(p), 'bad-month.csv', 100, 'Month', /YYYY-MM/);
  });

  it('a file that mixes two months', async () => {
    const p = policeWith('two-months.csv', 2500, (f) => (f.splice(1, 1, '2024-02'), f));
    await expectRejected(ingestCli(p), 'two-months.csv', 2500, 'Month', /same month/);
  });

  it('malformed coordinates (longitude not a number)', async () => {
    const p = policeWith('bad-longitude.csv', 12, (f) => (f.splice(4, 1, '0.12x'), f));
    await expectRejected(ingestCli(p), 'bad-longitude.csv', 12, 'Longitude', /longitude/);
  });

  it('malformed coordinates (latitude out of range, or one coordinate missing)', async () => {
    const p = policeWith('bad-latitude.csv', 13, (f) => (f.splice(5, 1, '152.2'), f));
    await expectRejected(ingestCli(p), 'bad-latitude.csv', 13, 'Latitude', /latitude/);
    const q = policeWith('half-point.csv', 14, (f) => (f.splice(5, 1, ''), f));
    await expectRejected(ingestCli(q), 'half-point.csv', 14, 'Latitude');
  });

  it('an unknown police.uk crime type', async () => {
    const p = policeWith('bad-crime-type.csv', 20, (f) => (f.splice(9, 1, 'Jaywalking'), f));
    await expectRejected(ingestCli(p), 'bad-crime-type.csv', 20, 'Crime type');
  });

  it('a non-numeric count', async () => {
    const p = file('non-numeric.csv', [AGG, '2024-05,ward,E05013057,residential-burglary,3', '2024-05,ward,E05013057,asb-nuisance,seven'], '\n');
    await expectRejected(ingestCli(p), 'non-numeric.csv', 3, 'count', /whole number/);
  });

  it('a negative count', async () => {
    const p = file('negative.csv', [AGG, '2024-05,ward,E05013057,residential-burglary,-2'], '\n');
    await expectRejected(ingestCli(p), 'negative.csv', 2, 'count', /whole number/);
  });

  it('an unknown measure', async () => {
    const p = file('unknown-measure.csv', [AGG, '2024-05,ward,E05013057,residential-burglary,3', '2024-05,ward,E05013057,littering offences,3'], '\n');
    await expectRejected(ingestCli(p), 'unknown-measure.csv', 3, 'measure', /taxonomy/);
  });

  it('an unknown area code', async () => {
    const p = file('unknown-area.csv', [AGG, '2024-05,ward,E05099999,residential-burglary,3'], '\n');
    await expectRejected(ingestCli(p), 'unknown-area.csv', 2, 'area_code', /geography/);
  });

  it('an area code of the wrong type, and a bad record-level LSOA', async () => {
    const p = file('wrong-type.csv', [AGG, '2024-05,ward,E07000008,residential-burglary,3'], '\n');
    await expectRejected(ingestCli(p), 'wrong-type.csv', 2, 'area_code', /district code/);
    const q = file('bad-lsoa.csv', ['month,record_id,measure,lsoa_code,ward_code,longitude,latitude', '2024-05,r1,dwelling burglary,E01999999,,,'], '\n');
    await expectRejected(ingestCli(q), 'bad-lsoa.csv', 2, 'lsoa_code');
  });

  it('a record whose ward_code is in another district than its lsoa_code', async () => {
    const p = file(
      'ward-elsewhere.csv',
      [
        'month,record_id,measure,lsoa_code,ward_code,longitude,latitude',
        '2024-05,r1,dwelling burglary,E01017983,E05013057,,',
        '2024-05,r2,dwelling burglary,E01017983,E05010805,,',
      ],
      '\n',
    );
    await expectRejected(ingestCli(p), 'ward-elsewhere.csv', 3, 'ward_code', /same district as lsoa_code E01017983 \(E07000008\)/);
  });

  it('a quoted CSV (full parser path) with a bad row is still named by line and field', async () => {
    const p = file('quoted.csv', [AGG, '2024-05,ward,E05013057,"dwelling burglary",3', '2024-05,ward,E05013057,"asb, gardening",3'], '\n');
    await expectRejected(ingestCli(p), 'quoted.csv', 3, 'measure');
  });

  it('a populations file that gives an area twice', async () => {
    const p = file('populations-dup.csv', ['area_code,population,year,source', 'E05013057,9000,2021,ONS', 'E05013050,8000,2021,ONS', 'E05013057,9100,2021,ONS'], '\n');
    await expectRejected(ingestCli(p), 'populations-dup.csv', 4, 'area_code', /each area once \(E05013057 is already on line 2\)/);
  });

  it('two versions of one force and month in one ingest (e.g. a re-download next to the original): not summed', async () => {
    const lines = REAL.filter(Boolean).map((l) => l.replace(',2024-01,', ',2024-05,'));
    const first = file('2024-05-cambridgeshire-street.csv', lines);
    const second = file('2024-05-cambridgeshire-street (1).csv', lines.slice(0, -3));
    await expectRejected(ingestCli(first, second), '2024-05-cambridgeshire-street (1).csv', null, 'Reported by', /one file per force and month/);
  });

  it('two partnership files of one month that both give a measure', async () => {
    const a = file('extract-a.csv', [AGG, '2024-05,ward,E05013057,residential-burglary,3', '2024-05,ward,E05013057,asb-nuisance,2'], '\n');
    const b = file('extract-b.csv', [AGG, '2024-05,ward,E05013050,dwelling burglary,1'], '\n');
    await expectRejected(ingestCli(a, b), 'extract-b.csv', null, 'measure', /each measure in one partnership file per month \(extract-a\.csv also gives residential-burglary/);
  });

  it('one bad file among good ones loads nothing at all (all or nothing per invocation)', async () => {
    const good = file(
      '2024-05-good.csv',
      REAL.filter(Boolean).map((l, i) => (i === 0 ? l : l.replace(',2024-01,', ',2024-05,'))),
    );
    const bad = file('negative-2.csv', [AGG, '2024-05,ward,E05013057,residential-burglary,-1'], '\n');
    await expectRejected(ingestCli(good, bad), 'negative-2.csv', 2, 'count');
    expect(HEADER.split(',')).toHaveLength(12);
  });
});
