// Several files of one source and month in one ingest; geography readers that restart with the full
// CSV parser; a 2011-LSOA file without the LSOA11 lookup; a GeoJSON with a byte order mark; the
// progress bar on a terminal when an ingest fails.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/surfaces/cli/main.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { PendingGeography, readLsoaWardLookup, readPopulations } from '../../src/ingest/geography.ts';
import { fixtureStore, tempStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const GEO = join(ROOT, 'fixtures/geography');
const LOOKUP = join(GEO, 'lsoa21_ward24_lad24_cambridgeshire_peterborough.csv');
const JAN = join(ROOT, 'fixtures/police-uk/2024-01-cambridgeshire-street.csv');
const AGG = 'month,area_type,area_code,measure,count';

let t: TempStore;
beforeEach(async () => {
  t = await fixtureStore();
});
afterEach(() => t.cleanup());

const ward = async (code: string, measure: string, month: string) =>
  (await t.store.counts({ areaCodes: [code], measures: [measure], source: 'partnership', from: month, to: month }))[0]?.count ?? 0;

describe('several files of one source and month in one ingest', () => {
  it('a synthetic file next to a real one of the same month is skipped, not summed with it', async () => {
    const real = join(t.dir, 'extract-2024-05.csv');
    writeFileSync(real, [AGG, '2024-05,ward,E05013057,residential-burglary,3'].join('\n') + '\n');
    const synthetic = join(t.dir, 'synthetic-partnership-2024-05.csv');
    writeFileSync(synthetic, [AGG, '2024-05,ward,E05013057,residential-burglary,7'].join('\n') + '\n');
    const r = await ingestPaths(t.store, [real, synthetic]);
    expect(await ward('E05013057', 'residential-burglary', '2024-05')).toBe(3);
    expect(r.files.find((f) => f.file === 'synthetic-partnership-2024-05.csv')?.outcome).toBe('skipped: real data exists');
    expect((await t.store.currentMonths('partnership')).find((m) => m.month === '2024-05')?.synthetic).toBe(false);
  });

  it('a byte-identical copy is loaded once and still gets its summary line', async () => {
    const copy = join(t.dir, 'copy-of-january.csv');
    copyFileSync(JAN, copy);
    const r = await ingestPaths(t.store, [JAN, copy]);
    expect(r.files.map((f) => [f.file, f.outcome])).toEqual([
      ['2024-01-cambridgeshire-street.csv', 'unchanged'],
      ['copy-of-january.csv', 'skipped'],
    ]);
    expect(r.files[1]!.note).toBe('the same file as 2024-01-cambridgeshire-street.csv');
  });

  it('partnership files giving different measures for one month load together', async () => {
    const police = join(t.dir, 'police-2024-05.csv');
    writeFileSync(police, [AGG, '2024-05,ward,E05013057,residential-burglary,3'].join('\n') + '\n');
    const fire = join(t.dir, 'fire-2024-05.csv');
    writeFileSync(fire, [AGG, '2024-05,ward,E05013057,deliberate-fires,2'].join('\n') + '\n');
    await ingestPaths(t.store, [police, fire]);
    expect(await ward('E05013057', 'residential-burglary', '2024-05')).toBe(3);
    expect(await ward('E05013057', 'deliberate-fires', '2024-05')).toBe(2);
  });
});

describe('geography readers', () => {
  it('count rows once when a large file is re-read by the full CSV parser (a quoted field over two lines after the first read)', async () => {
    // Over 4 MiB (one read) of lookup rows, then a quoted field over two lines: the fast path (which
    // splits quoted fields on one line itself) restarts with csv-parse.
    const lines = readFileSync(LOOKUP, 'utf8').split(/\r?\n/).filter(Boolean);
    const header = lines[0]!;
    const rows = lines.slice(1).filter((l) => !l.includes('"'));
    const body: string[] = [];
    let bytes = 0;
    // Each LSOA once (a lookup giving an LSOA twice is refused): the rows repeat with fresh LSOA codes.
    while (bytes < (1 << 22) + 1000) {
      for (const r of rows) {
        const f = r.split(',');
        f[0] = `E01${String(body.length).padStart(6, '0')}`;
        (body.push(f.join(',')), (bytes += r.length + 1));
      }
    }
    const last = rows[0]!.split(',');
    last[0] = 'E01999999';
    last[1] = `"${last[1]}\n(continued)"`;
    body.push(last.join(','));
    const big = join(t.dir, 'big-lookup.csv');
    writeFileSync(big, [header, ...body].join('\n') + '\n');
    const r = await readLsoaWardLookup(big, new PendingGeography());
    expect(r.parser).toBe('csv-parse');
    expect(r.rows).toBe(body.length);

    // The same for populations, where counting twice would also report every area as a duplicate.
    const pops = ['area_code,population,year,source'];
    for (let i = 0; bytes > 0; i++) {
      const line = `E0${String(1000000 + i).padStart(7, '0')},1000,2021,an estimate for the test`;
      pops.push(line);
      bytes -= line.length + 1;
    }
    pops.push('E09999999,1000,2021,"ONS,\nmid-2021"');
    const popFile = join(t.dir, 'big-populations.csv');
    writeFileSync(popFile, pops.join('\n') + '\n');
    const p = await readPopulations(popFile, new PendingGeography(), () => 'lsoa');
    expect(p.parser).toBe('csv-parse');
    expect(p.rows).toBe(pops.length - 1);
  });

  it('a GeoJSON file that starts with a byte order mark loads', async () => {
    const file = join(t.dir, 'bom-wards.geojson');
    writeFileSync(file, '\uFEFF' + readFileSync(join(GEO, 'wards-E07000008-cambridge.geojson'), 'utf8'));
    const r = await ingestPaths(t.store, [file]);
    expect(r.files[0]).toMatchObject({ kind: 'boundaries', outcome: 'geography', rowsRead: 14 });
  });
});

describe('a 2011-LSOA police.uk file without the LSOA11 lookup', () => {
  it('says how many rows had LSOA codes the geography does not know, and what to load', async () => {
    const s = await tempStore();
    try {
      const boundaries = [
        'E06000031-peterborough',
        'E07000008-cambridge',
        'E07000009-east-cambridgeshire',
        'E07000010-fenland',
        'E07000011-huntingdonshire',
        'E07000012-south-cambridgeshire',
      ].map((d) => join(GEO, `wards-${d}.geojson`));
      const r = await ingestPaths(s.store, [LOOKUP, ...boundaries, join(ROOT, 'fixtures/police-uk/2019-08-cambridgeshire-street.csv')]);
      const f = r.files.find((x) => x.month === '2019-08')!;
      expect(f.outOfArea).toBeGreaterThan(500);
      expect(f.note).toMatch(new RegExp(`${f.outOfArea.toLocaleString('en-GB')} rows have LSOA codes not in the loaded geography .*LSOA11 -> LSOA21 lookup`));
    } finally {
      await s.cleanup();
    }
    // With the lookup loaded (the fixture store), no such note.
    const copy = join(t.dir, '2019-08-copy.csv');
    copyFileSync(join(ROOT, 'fixtures/police-uk/2019-08-cambridgeshire-street.csv'), copy);
    const again = await ingestPaths(t.store, [copy]);
    expect(again.files[0]!.note ?? '').not.toMatch(/not in the loaded geography/);
  });
});

describe('progress on a terminal', () => {
  it('is cleared before the error message when an ingest fails', async () => {
    const bad = join(t.dir, 'bad-2024-05.csv');
    const lines = readFileSync(JAN, 'utf8')
      .split('\r\n')
      .filter(Boolean)
      .map((l) => l.replace(',2024-01,', ',2024-05,'));
    lines[3] = lines[3]!
      .split(',')
      .map((f, i) => (i === 4 ? 'east' : f))
      .join(',');
    writeFileSync(bad, lines.join('\r\n') + '\r\n');
    await t.store.close();
    const written: string[] = [];
    const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean };
    const wasTTY = stderr.isTTY;
    const env = process.env.WARDWATCH_DB;
    stderr.isTTY = true;
    process.env.WARDWATCH_DB = t.path;
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void written.push(`${a.join(' ')}\n`));
    try {
      expect(await main(['ingest', JAN, bad])).toBe(1);
    } finally {
      vi.restoreAllMocks();
      stderr.isTTY = wasTTY;
      if (env === undefined) delete process.env.WARDWATCH_DB;
      else process.env.WARDWATCH_DB = env;
    }
    const text = written.join('');
    const error = text.indexOf('wardwatch ingest: bad-2024-05.csv:4');
    expect(error).toBeGreaterThan(0);
    expect(text.slice(0, error)).toMatch(/ingest \[#*-*\]/); // the bar was drawn
    expect(text.slice(0, error)).toMatch(/\r +\r$/); // and cleared just before the message
  });
});
