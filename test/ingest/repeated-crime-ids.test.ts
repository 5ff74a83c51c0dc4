// Repeated Crime IDs in one police.uk file (police.uk's own files have them: 883 rows in 10 of the 40 forces'
// January 2024 files, identical or the same crime at another location or with another outcome): each crime
// is counted once, as on its first row, and the file's summary says how many and where. The same Crime ID
// with another crime type is refused (bad-files/duplicate-crime-id.csv, in refusals.test.ts).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { ingestPaths, summaryLine } from '../../src/ingest/index.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const FILE = join(import.meta.dirname, 'repeated-crime-ids/2024-05-cambridgeshire-street.csv');
const CONFIG = loadConfig(join(ROOT, 'wardwatch.config.yaml')).config;

let t: TempStore;
beforeEach(async () => {
  t = await fixtureStore();
});
afterEach(() => t.cleanup());

async function may(code: string, measure: string): Promise<number> {
  const c = await t.store.counts({ areaCodes: [code], measures: [measure], source: 'police.uk', from: '2024-05', to: '2024-05' });
  return c.reduce((s, r) => s + r.count, 0);
}

describe('a police.uk file that repeats Crime IDs', () => {
  it('counts each crime once, as on its first row, and says so in the summary (file, line, field)', async () => {
    const r = await ingestPaths(t.store, [FILE], { config: CONFIG });
    const f = r.files[0]!;
    expect(f.outcome).toBe('loaded');
    expect(f.rowsRead).toBe(7);
    // 3 burglaries (line 3 repeats line 2; line 6 repeats line 4) and 2 ASB incidents (no Crime ID: both count).
    expect(f.placedByPolygon + f.placedByLsoa + f.unplaced + f.outOfArea).toBe(5);
    expect(await may('E01017975', 'burglary')).toBe(2); // Cambridge 001A: lines 2 and 4
    expect(await may('E01018094', 'burglary')).toBe(1); // Fenland 001A: line 5 only, not line 6
    expect(await may('E01017975', 'anti-social-behaviour')).toBe(2);
    expect(f.note).toBe(
      '2 rows repeat the Crime ID of an earlier row and are counted once, as on the first row (1 identical, 1 differing in Longitude, Latitude, Location, LSOA code, LSOA name, Last outcome category); ' +
        'e.g. line 3, field "Crime ID": the crime on line 2 (an identical row)',
    );
    expect(summaryLine(f)).toContain('2 rows repeat the Crime ID of an earlier row and are counted once');
  });

  it('the same through csv-parse (a file with a quoted field over two lines), and the store the same as from the fast path', async () => {
    const fast = await ingestPaths(t.store, [FILE], { config: CONFIG });
    const fastCounts = await t.store.counts({ areaCodes: ['E01017975', 'E01018094'], measures: ['burglary', 'anti-social-behaviour'], source: 'police.uk' });
    expect(fast.files[0]!.outcome).toBe('loaded');
    const lines = readFileSync(FILE, 'utf8').split('\r\n');
    lines[4] = lines[4]!.replace(/,$/, ',"a note\nover two lines"'); // line 5's Context
    const quoted = join(t.dir, '2024-05-cambridgeshire-street.csv');
    writeFileSync(quoted, lines.join('\r\n'));
    const other = await fixtureStore();
    try {
      const r = await ingestPaths(other.store, [quoted], { config: CONFIG });
      expect(r.files[0]!.note).toMatch(/^2 rows repeat the Crime ID of an earlier row and are counted once/);
      const counts = await other.store.counts({ areaCodes: ['E01017975', 'E01018094'], measures: ['burglary', 'anti-social-behaviour'], source: 'police.uk' });
      expect(counts.map((c) => [c.areaCode, c.measure, c.month, c.count])).toEqual(fastCounts.map((c) => [c.areaCode, c.measure, c.month, c.count]));
    } finally {
      await other.cleanup();
    }
  });

  it('a file without repeats has no such note; the same file twice is still skipped as a copy', async () => {
    const copy = join(t.dir, '2024-05-copy-street.csv');
    copyFileSync(FILE, copy);
    const r = await ingestPaths(t.store, [FILE, copy], { config: CONFIG });
    expect(r.files.map((f) => f.outcome)).toEqual(['loaded', 'skipped']);
    const single = join(t.dir, '2024-06-cambridgeshire-street.csv');
    writeFileSync(
      single,
      readFileSync(FILE, 'utf8')
        .split('\r\n')
        .slice(0, 2)
        .join('\r\n')
        .replace(/2024-05/g, '2024-06'),
    );
    const s = await ingestPaths(t.store, [single], { config: CONFIG, now: () => new Date('2024-06-15T12:00:00Z') });
    expect(s.files[0]!.note).toBeUndefined();
  });
});
