// The second read of a file with repeated Crime IDs (repeatedCrimeIds) splits only the rows whose Crime ID
// is a suspect and passes over the rest by their first field: it must find exactly what splitting every
// row finds, whatever the file's line endings, BOM, quoting, spaces around the identifiers or read size.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCsv } from '../../src/ingest/csv.ts';
import { repeatedCrimeIds, type RepeatedCrimeId } from '../../src/ingest/policeUkRead.ts';

const FILE = join(import.meta.dirname, 'repeated-crime-ids/2024-05-cambridgeshire-street.csv');
const LINES = readFileSync(FILE, 'utf8').split('\r\n').filter(Boolean);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-repeats-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What splitting every row finds (the second read before it passed rows over). */
async function everyRowSplit(path: string, suspect: (id: string) => boolean): Promise<RepeatedCrimeId[]> {
  const firstRow = new Map<string, { line: number; fields: string[] }>();
  const out: RepeatedCrimeId[] = [];
  await readCsv(path, () => {
    firstRow.clear();
    out.length = 0;
    return (f, line) => {
      const id = f[0]!.trim();
      if (id === '' || !suspect(id)) return;
      const first = firstRow.get(id);
      if (first === undefined) firstRow.set(id, { line, fields: f });
      else out.push({ line, fields: f, first: first.line, firstFields: first.fields });
    };
  });
  return out;
}

const variants: Record<string, (lines: string[]) => string> = {
  'as published (CRLF)': (l) => l.join('\r\n') + '\r\n',
  'LF, no final newline': (l) => l.join('\n'),
  'a BOM': (l) => '\uFEFF' + l.join('\r\n') + '\r\n',
  'spaces around the Crime IDs': (l) => l.map((x, i) => (i === 0 || x.startsWith(',') ? x : ` ${x.replace(',', ' ,')}`)).join('\n'),
  'a quoted LSOA name with a comma on a repeated row': (l) => l.map((x, i) => (i === 5 ? x.replace('Fenland 001A', '"Fenland, 001A"') : x)).join('\r\n'),
  'a quoted LSOA name on a row passed over': (l) => l.map((x, i) => (i === 4 ? x.replace('Fenland 001A', '"Fenland, 001A"') : x)).join('\r\n'),
  'a quoted field over two lines (csv-parse)': (l) => l.map((x, i) => (i === 4 ? x.replace(/,$/, ',"a note\nover two lines"') : x)).join('\r\n'),
  'a blank line and a row without a Crime ID between the repeats': (l) => [...l.slice(0, 3), '', l[6]!, ...l.slice(3)].join('\n'),
};

describe('repeatedCrimeIds (the second read)', () => {
  for (const [name, make] of Object.entries(variants)) {
    it(`finds what splitting every row finds: ${name}`, async () => {
      const path = join(dir, '2024-05-x-street.csv');
      writeFileSync(path, make(LINES));
      // Every identifier a suspect, and only some: both sides of the pass-over test.
      for (const suspect of [() => true, (id: string) => id.startsWith('937b')]) {
        const expected = await everyRowSplit(path, suspect);
        expect(await repeatedCrimeIds(path, suspect)).toEqual(expected);
      }
      expect((await everyRowSplit(path, () => true)).length).toBe(2);
    });
  }
});
