// The hand-split fast path against csv-parse, including lines split across reads, quoted fields on one
// line (split by hand) and over several (csv-parse).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv, splitQuotedLine } from '../../src/ingest/csv.ts';
import { createProgress } from '../../src/surfaces/cli/progress.ts';

const dir = mkdtempSync(join(tmpdir(), 'wardwatch-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const REAL = join(import.meta.dirname, '../../fixtures/police-uk/2024-02-cambridgeshire-street.csv');

async function collect(path: string, chunkSize?: number) {
  const rows: Array<[number, string[]]> = [];
  // onHeader runs again if the file is restarted with csv-parse: start the collection afresh there.
  const r = await readCsv(path, () => ((rows.length = 0), (f, line) => rows.push([line, [...f]])), chunkSize ? { chunkSize } : {});
  return { rows, r };
}

describe('readCsv', () => {
  it('fast path gives exactly what csv-parse gives on a real file, whatever the read size', async () => {
    const expected = parse(readFileSync(REAL), { from_line: 2 }) as string[][];
    for (const chunk of [undefined, 4096, 97, 13]) {
      const { rows, r } = await collect(REAL, chunk);
      expect(r.parser).toBe('fast');
      expect(rows.map(([, f]) => f)).toEqual(expected);
      expect(rows[0]![0]).toBe(2);
      expect(rows[rows.length - 1]![0]).toBe(expected.length + 1);
    }
  });

  it('a quoted field on one line stays on the fast path, with the fields csv-parse gives', async () => {
    const p = join(dir, 'quoted.csv');
    const lines = readFileSync(REAL, 'utf8').split('\r\n').slice(0, 50);
    lines[30] = lines[30]!.replace(/On or near [^,]*/, '"On or near King\'s Parade, Cambridge"');
    // As real police.uk files quote LSOA names: "Bournemouth, Christchurch and Poole 042D".
    lines[40] = lines[40]!.replace(/,(Cambridge|Huntingdonshire|Fenland|East Cambridgeshire|South Cambridgeshire|Peterborough) (\d{3}[A-Z]),/, ',"$1, ""X"" $2",');
    writeFileSync(p, lines.join('\r\n') + '\r\n');
    const expected = parse(readFileSync(p), { from_line: 2 }) as string[][];
    const { rows, r } = await collect(p, 512);
    expect(r.parser).toBe('fast');
    expect(rows.map(([, f]) => f)).toEqual(expected);
    const row = rows.find(([line]) => line === 31)!;
    expect(row[1][6]).toBe("On or near King's Parade, Cambridge");
    expect(row[1]).toHaveLength(12);
    expect(rows.find(([line]) => line === 41)![1][8]).toMatch(/^[A-Za-z ]+, "X" \d{3}[A-Z]$/);
  });

  it('a quoted field over two lines switches to csv-parse from the start, with the same line numbers', async () => {
    const p = join(dir, 'multiline.csv');
    const lines = readFileSync(REAL, 'utf8').split('\r\n').slice(0, 50);
    lines[30] = lines[30]!.replace(/On or near [^,]*/, '"On or near King\'s Parade,\nCambridge"');
    writeFileSync(p, lines.join('\r\n') + '\r\n');
    const { rows, r } = await collect(p, 512);
    expect(r.parser).toBe('csv-parse');
    expect(rows).toHaveLength(49);
    expect(rows.find(([, f]) => f[6]!.startsWith('On or near King'))![1][6]).toBe("On or near King's Parade,\nCambridge");
  });

  it('splitQuotedLine: RFC 4180 on one line, or null for what only csv-parse may judge', () => {
    for (const line of ['a,"b,c",d', '"",x,""', '"say ""hi""",2', 'a,b,"c"', '"a"']) expect(splitQuotedLine(line)).toEqual((parse(line) as string[][])[0]);
    for (const line of ['a,"b', 'a,b"c,d', '"a"b,c', 'a, "b"']) expect(splitQuotedLine(line)).toBeNull();
  });

  it('no final newline, a BOM and LF endings are all fine; the checksum is the sha256 of the bytes', async () => {
    const p = join(dir, 'bom.csv');
    writeFileSync(p, '\uFEFFmonth,area_type,area_code,measure,count\n2024-01,ward,E05013057,burglary,3');
    let header: string[] = [];
    const seen: string[][] = [];
    const r = await readCsv(p, (h) => ((header = h), (f) => seen.push([...f])));
    expect(header[0]).toBe('month');
    expect(seen).toEqual([['2024-01', 'ward', 'E05013057', 'burglary', '3']]);
    const { createHash } = await import('node:crypto');
    expect(r.checksum).toBe(createHash('sha256').update(readFileSync(p)).digest('hex'));
  });
});

describe('progress', () => {
  it('prints plain lines, not a redrawn bar, when the stream is not a terminal', () => {
    const out: string[] = [];
    const stream = { isTTY: false, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream;
    const p = createProgress('ingest', { stream, intervalMs: 0 });
    p.update(1, 4, 'a.csv');
    p.update(4, 4, 'b.csv');
    p.done('done');
    expect(out).toEqual(['ingest: 25% a.csv\n', 'ingest: 100% b.csv\n', 'done\n']);
  });

  it('redraws one line with a bar on a terminal', () => {
    const out: string[] = [];
    const stream = { isTTY: true, columns: 80, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream;
    const p = createProgress('ingest', { stream, width: 10 });
    p.update(5, 10, 'x');
    expect(out[0]).toMatch(/^\ringest \[#####-----\]  50% x/);
  });

  it('survives a terminal that reports no width (columns 0)', () => {
    const out: string[] = [];
    const stream = { isTTY: true, columns: 0, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream;
    const p = createProgress('ingest', { stream });
    p.update(1, 2, 'x');
    p.done('ok');
    expect(out.at(-1)).toBe('ok\n');
  });
});
