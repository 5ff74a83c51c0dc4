// `wardwatch ask "market ward" --json` on the fixtures, checked against an independent count of the
// real police.uk rows: every 2024 row whose map point falls inside Market ward's boundary polygon
// (turf, straight from the GeoJSON; no code shared with the ingest).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { point } from '@turf/helpers';
import { parse } from 'csv-parse/sync';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const ROOT = join(import.meta.dirname, '../..');
const MARKET = 'E05013057';
const MONTHS = ['2024-01', '2024-02', '2024-03', '2024-04'];

/** Independent: police.uk rows in Market's polygon, by month, split into ASB and all other crime. */
function independentCounts(): Record<string, { crime: number; asb: number }> {
  const gj = JSON.parse(readFileSync(join(ROOT, 'fixtures/geography/wards-E07000008-cambridge.geojson'), 'utf8')) as FeatureCollection;
  const feature = gj.features.find((f) => Object.values(f.properties ?? {}).includes(MARKET)) as Feature<Polygon | MultiPolygon>;
  expect(feature, 'Market ward boundary in the fixtures').toBeTruthy();
  const out: Record<string, { crime: number; asb: number }> = {};
  for (const month of MONTHS) {
    const rows = parse(readFileSync(join(ROOT, `fixtures/police-uk/${month}-cambridgeshire-street.csv`)), { columns: true, bom: true }) as Array<Record<string, string>>;
    const c = { crime: 0, asb: 0 };
    for (const r of rows) {
      if (!r.Longitude || !r.Latitude) continue;
      if (!booleanPointInPolygon(point([Number(r.Longitude), Number(r.Latitude)]), feature)) continue;
      if (r['Crime type'] === 'Anti-social behaviour') c.asb++;
      else c.crime++;
    }
    out[month] = c;
  }
  return out;
}

let t: TempStore;
let truth: Record<string, { crime: number; asb: number }>;
beforeAll(async () => {
  t = await fixtureStore({ history: true });
  t.store.close();
  truth = independentCounts();
});
afterAll(() => t?.cleanup());

function askCli(...args: string[]): { status: number | null; json: Record<string, any>; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/wardwatch.js'), 'ask', ...args], { cwd: ROOT, env: { ...process.env, WARDWATCH_DB: t.path }, encoding: 'utf8' });
  let json: Record<string, any> = {};
  if (args.includes('--json')) json = JSON.parse(r.stdout);
  return { status: r.status, json, stderr: r.stderr, stdout: r.stdout };
}

describe('wardwatch ask "market ward" --json on the fixtures', () => {
  it('the independent count agrees with the verified Market totals (crime + ASB by polygon: 287, 324, 329, 348)', () => {
    expect(MONTHS.map((m) => truth[m]!.crime + truth[m]!.asb)).toEqual([287, 324, 329, 348]);
  });

  it('answers for Market ward, Cambridge (E05013057), latest month 2024-04, counts matching the CSV rows', () => {
    const { status, json } = askCli('market ward', '--json');
    expect(status).toBe(0);
    expect(json.area).toMatchObject({ code: MARKET, name: 'Market', type: 'ward', parent: { code: 'E07000008', name: 'Cambridge' } });
    expect(json.measure).toMatchObject({ key: 'all-crime', source: 'police.uk' });
    expect(json.latestMonth).toBe('2024-04');
    const series = json.series as Array<{ month: string; count: number | null; synthetic?: boolean }>;
    expect(series.length).toBeGreaterThanOrEqual(24);
    expect(series[series.length - 1]!.month).toBe('2024-04');
    for (const m of MONTHS) {
      const p = series.find((s) => s.month === m)!;
      expect(p.count, m).toBe(truth[m]!.crime);
      expect(p.synthetic).toBeFalsy();
    }
    expect(series.find((s) => s.month === '2023-12')!.synthetic).toBe(true);
    const month = (json.figures as any[]).find((f) => f.id === 'month');
    expect(month).toMatchObject({ value: truth['2024-04']!.crime, period: 'April 2024' });
    expect(month.wording).toContain(`${truth['2024-04']!.crime} offences`);
    const change = truth['2024-04']!.crime - truth['2024-03']!.crime;
    expect(month.wording).toContain(`(${change > 0 ? '+' : ''}${change}) on March 2024`);
    for (const f of json.figures as any[]) {
      expect(typeof f.period).toBe('string');
      expect(f.wording.length).toBeGreaterThan(10);
      expect('value' in f).toBe(true);
    }
    expect(Array.isArray(json.suppressed)).toBe(true);
    expect(json.notes.join(' ')).toMatch(/Synthetic data/);
    expect(json.notes.join(' ')).toMatch(/Open Government Licence/);
  });

  it('ASB for Market matches the CSV rows too', () => {
    const { json } = askCli('market asb', '--json');
    expect(json.measure.key).toBe('anti-social-behaviour');
    for (const m of MONTHS) expect((json.series as any[]).find((s) => s.month === m).count, m).toBe(truth[m]!.asb);
  });

  it('text output reads like the chat reply; --png writes a real PNG', () => {
    const png = join(t.dir, 'market.png');
    const r = askCli('market ward', '--png', png);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Market ward, Cambridge: All crime \(excluding ASB\)/);
    expect(r.stdout).toContain('Notes:');
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(bytes.length).toBeGreaterThan(5000);
  });

  it('as a Fenland channel, Market is outside the partnership; an unknown channel is a plain error', () => {
    const r = askCli('market ward', '--channel', 'fenland-csp');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/outside Fenland Community Safety Partnership/);
    const bad = askCli('market ward', '--channel', 'nope');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/no channel named "nope"/);
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
