// police.uk files read on reader threads (src/ingest/parallel.ts) give exactly what reading them on the
// main thread gives, and a bad file read there is refused with the same message, the store unchanged.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { readerThreads } from '../../src/ingest/parallel.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const CONFIG = loadConfig(join(ROOT, 'wardwatch.config.yaml')).config;
const REAL = readFileSync(join(ROOT, 'fixtures/police-uk/2024-01-cambridgeshire-street.csv'), 'utf8').split('\r\n').filter(Boolean);
const REPEATS = join(import.meta.dirname, 'repeated-crime-ids/2024-05-cambridgeshire-street.csv');

let a: TempStore;
let b: TempStore;
beforeEach(async () => {
  [a, b] = await Promise.all([fixtureStore(), fixtureStore()]);
});
afterEach(async () => {
  await Promise.all([a.cleanup(), b.cleanup()]);
});

/** One month of the real file as two "forces" (the second with its own Crime IDs), plus the repeats fixture's month. */
function files(dir: string): string[] {
  const month = (name: string, force: string, idSuffix: string) => {
    const p = join(dir, name);
    const rows = REAL.slice(1).map((l) => {
      const f = l.replace(',2024-01,', ',2024-06,').split(',');
      if (f[0]) f[0] = f[0].slice(0, -4) + idSuffix;
      f[2] = f[3] = force;
      return f.join(',');
    });
    writeFileSync(p, [REAL[0], ...rows].join('\r\n') + '\r\n');
    return p;
  };
  return [month('2024-06-a-street.csv', 'Force A', 'aaaa'), month('2024-06-b-street.csv', 'Force B', 'bbbb'), REPEATS];
}

async function allCounts(t: TempStore) {
  const areas = (await t.store.areas()).map((x) => x.code);
  const c = await t.store.counts({
    areaCodes: areas,
    measures: ['all-crime', 'burglary', 'anti-social-behaviour', 'violence-and-sexual-offences'],
    source: 'police.uk',
    from: '2024-05',
    to: '2024-06',
  });
  return c.map((r) => [r.areaCode, r.measure, r.month, r.count, r.byPolygon ?? null, r.byLsoa ?? null]);
}

describe('reader threads', () => {
  it('give the same counts, placements and notes as the main thread', async () => {
    const paths = files(a.dir);
    const here = await ingestPaths(a.store, paths, { config: CONFIG, readerThreads: 0, now: () => new Date('2024-07-01T12:00:00Z') });
    const there = await ingestPaths(b.store, paths, { config: CONFIG, readerThreads: 2, now: () => new Date('2024-07-01T12:00:00Z') });
    const strip = (r: typeof here) => r.files.map(({ release: _r, path: _p, ...f }) => f);
    expect(strip(there)).toEqual(strip(here));
    expect(here.files.some((f) => f.note?.includes('repeat the Crime ID'))).toBe(true);
    const counts = await allCounts(a);
    expect(counts.length).toBeGreaterThan(100);
    expect(await allCounts(b)).toEqual(counts);
  });

  it('a bad file read on a thread is refused with the same message (file, line, field), the store unchanged', async () => {
    const paths = files(a.dir);
    const bad = join(a.dir, '2024-06-c-street.csv');
    const rows = REAL.slice(0, 30).map((l, i) => (i === 0 ? l : l.replace(',2024-01,', ',2024-06,').replace(/,Cambridgeshire Constabulary/g, ',Force C')));
    rows[12] = rows[12]!.replace(/,-?\d+\.\d+,/, ',0x1F,');
    writeFileSync(bad, rows.join('\r\n') + '\r\n');
    const before = await b.store.contentChecksum();
    const opts = (n: number) => ({ config: CONFIG, readerThreads: n, now: () => new Date('2024-07-01T12:00:00Z') });
    const here = await ingestPaths(a.store, [...paths, bad], opts(0)).catch((e: Error) => e.message);
    const there = await ingestPaths(b.store, [...paths, bad], opts(2)).catch((e: Error) => e.message);
    expect(here).toMatch(/^2024-06-c-street\.csv:13: field "Longitude": expected a longitude in decimal degrees/);
    expect(there).toBe(here);
    expect(await b.store.contentChecksum()).toBe(before);
  });

  it("files placed as their threads finish them: the first bad file in the files' order is still the one reported", async () => {
    const paths = files(a.dir);
    const bad = (name: string, line: number, edit: (l: string) => string) => {
      const p = join(a.dir, name);
      const rows = REAL.slice(0, 30).map((l, i) => (i === 0 ? l : l.replace(',2024-01,', ',2024-06,').replace(/,Cambridgeshire Constabulary/g, `,${name}`)));
      rows[line - 1] = edit(rows[line - 1]!);
      writeFileSync(p, rows.join('\r\n') + '\r\n');
      return p;
    };
    const front = bad('2024-06-c-street.csv', 13, (l) => l.replace(/,-?\d+\.\d+,/, ',0x1F,'));
    const back = bad('2024-06-d-street.csv', 7, (l) => l.replace(',Anti-social behaviour,', ',Not a crime type,'));
    const before = await b.store.contentChecksum();
    const opts = (n: number) => ({ config: CONFIG, readerThreads: n, now: () => new Date('2024-07-01T12:00:00Z') });
    for (const order of [
      [front, ...paths, back],
      [...paths, back, front],
    ]) {
      const here = await ingestPaths(a.store, order, opts(0)).catch((e: Error) => e.message);
      const there = await ingestPaths(b.store, order, opts(2)).catch((e: Error) => e.message);
      expect(here).toMatch(order[0] === front ? /^2024-06-c-street\.csv:13: field "Longitude"/ : /^2024-06-d-street\.csv:7: field "Crime type"/);
      expect(there).toBe(here);
    }
    expect(await b.store.contentChecksum()).toBe(before);
  });

  it('are used only for large ingests unless asked for', () => {
    expect(readerThreads([REPEATS, REPEATS])).toBe(process.env.WARDWATCH_INGEST_THREADS !== undefined ? Number(process.env.WARDWATCH_INGEST_THREADS) : 0);
    expect(readerThreads([REPEATS], 2)).toBe(2);
  });
});
