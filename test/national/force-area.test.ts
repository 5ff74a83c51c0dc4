// The force area's districts have one reader (src/config/force-area.ts) and its plausibility bounds
// scale with it (src/ingest/validate.ts). `districts: all` is parsed as null, so code that reads the
// field directly must handle null, and would most likely read it as "no districts" (the bug this file
// guards against: `[].every(...)` made every partnership the countywide board).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forceAreaDistricts, forceDistrictsFrom } from '../../src/config/force-area.ts';
import { defaultLocalChannel, parseConfig } from '../../src/config/load.ts';
import { DEFAULT_MAX_MONTHLY_COUNT, forceAreaBound, ingestChecks, MAX_POPULATION, NATIONAL_MAX_MONTHLY_COUNT, NATIONAL_MAX_POPULATION } from '../../src/ingest/validate.ts';
import type { Area, Store } from '../../src/store/types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const config = (districts: string, partnerships: string) =>
  parseConfig(`forceArea:\n  name: England and Wales\n  policeUkForce: all\n  districts: ${districts}\nsyntheticGeography: true\npartnerships:\n${partnerships}`, 'x.yaml').config;
const PARTNERSHIPS = [
  '  - { id: one, name: One, areas: [X06000001] }',
  '  - { id: board, name: Board, areas: [X06000001, X06000002, X06000003] }',
  '  - { id: two, name: Two, areas: [X06000002, X06000003] }',
].join('\n');
const stored: Area[] = ['X06000003', 'X06000001', 'X06000002'].map((code) => ({ code, name: code, type: 'district', parentCode: 'england-and-wales' }));
const store = { areas: async (type?: string) => stored.filter((a) => !type || a.type === type) } as unknown as Store;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the force area districts', () => {
  it('`all` is null in the parsed config and resolved from the store; a list is kept as given', async () => {
    const all = config('all', PARTNERSHIPS);
    const list = config('[X06000001, X06000002, X06000003]', PARTNERSHIPS);
    expect(all.forceArea.districts).toBeNull();
    const fromAll = await forceAreaDistricts(all, store);
    const fromList = await forceAreaDistricts(list, store);
    expect(fromAll.codes).toEqual(['X06000001', 'X06000002', 'X06000003']);
    expect(fromList.codes).toEqual(fromAll.codes);
    for (const f of [fromAll, fromList]) {
      expect(f.coveredBy(['X06000003', 'X06000002', 'X06000001'])).toBe(true);
      expect(f.coveredBy(['X06000002', 'X06000003'])).toBe(false);
      expect(f.has('X06000002')).toBe(true);
      expect(f.has('X06000009')).toBe(false);
    }
    // Before the geography is loaded `all` covers nothing: no partnership is taken for the countywide board.
    expect(forceDistrictsFrom(all, []).coveredBy(['X06000001'])).toBe(false);
  });

  it('the default local channel is the same board for both spellings', () => {
    expect(defaultLocalChannel(config('all', PARTNERSHIPS)).partnership).toBe('board');
    expect(defaultLocalChannel(config('[X06000001, X06000002, X06000003]', PARTNERSHIPS)).partnership).toBe('board');
  });

  it('no code outside src/config reads forceArea.districts itself (forceAreaOf passes null on as "every district")', () => {
    const allowed = new Set([
      'src/config/force-area.ts',
      'src/config/schema.ts',
      'src/config/load.ts',
      'src/ingest/geography.ts',
      'src/surfaces/cli/verbs/config.ts', // says how the districts are given
      'bench/alerts.bench.ts', // the Cambridgeshire bench's oracle: a listed force area
    ]);
    const readers = ['src', 'commands', 'alerts', 'bench']
      .flatMap((d) => sources(join(ROOT, d)))
      .map((f) => relative(ROOT, f))
      .filter((f) => !allowed.has(f) && /forceArea\??\.districts|\.allDistricts\b/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(readers).toEqual([]);
  });
});

describe('plausibility bounds for the force area', () => {
  it('keep the one-force bounds for a force of a few districts and scale to the national ones for `all`', () => {
    expect(forceAreaBound(MAX_POPULATION.force, NATIONAL_MAX_POPULATION, 6)).toBe(15_000_000);
    expect(forceAreaBound(MAX_POPULATION.force, NATIONAL_MAX_POPULATION, 33)).toBe(15_000_000); // the Met's 33
    expect(forceAreaBound(MAX_POPULATION.force, NATIONAL_MAX_POPULATION, 159)).toBe(60_000_000);
    expect(forceAreaBound(MAX_POPULATION.force, NATIONAL_MAX_POPULATION, 400)).toBe(120_000_000);
    const all = ingestChecks(config('all', PARTNERSHIPS));
    expect(all.maxPopulation).toEqual({ ...MAX_POPULATION, force: NATIONAL_MAX_POPULATION });
    expect(all.maxMonthlyCount).toEqual({ ...DEFAULT_MAX_MONTHLY_COUNT, force: NATIONAL_MAX_MONTHLY_COUNT });
    const three = ingestChecks(config('[X06000001, X06000002, X06000003]', PARTNERSHIPS));
    expect(three.maxPopulation).toEqual(MAX_POPULATION);
    expect(three.maxMonthlyCount).toEqual(DEFAULT_MAX_MONTHLY_COUNT);
  });

  it('are configurable per area type, and a bad value names its key and line', () => {
    const text = `forceArea:\n  name: X\n  districts: [X06000001]\nsyntheticGeography: true\npartnerships:\n${PARTNERSHIPS}\ningest:\n  maxPopulation:\n    force: 70000000\n    ward: 50000\n`;
    const c = ingestChecks(parseConfig(text, 'x.yaml').config);
    expect(c.maxPopulation).toEqual({ ...MAX_POPULATION, force: 70_000_000, ward: 50_000 });
    expect(() => parseConfig(text.replace('50000', '-3'), 'x.yaml')).toThrow(/x\.yaml:12: ingest\.maxPopulation\.ward: /);
  });
});
