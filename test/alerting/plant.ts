// Planted spikes for the alerting tests and the bench: a month from the synthetic generator
// (src/synth, calibrated to the real months, deterministic from the seed), with extra crimes added to
// chosen wards before it is ingested. police.uk rows are copied from rows the ingest itself would place
// in that ward (point in polygon first, as ingest does), with fresh Crime IDs; partnership extract rows
// (aggregated, ward level) have their counts raised.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Config } from '../../src/config/schema.ts';
import type { Month } from '../../src/core/periods.ts';
import { forceAreaOf, GeoContext, PendingGeography } from '../../src/ingest/geography.ts';
import type { Store } from '../../src/store/types.ts';
import { writeSynthMonth } from '../../src/synth/history.ts';

export interface Plant {
  ward: string;
  /** A police.uk crime type ("Anti-social behaviour") or a partnership measure key ("residential-burglary"). */
  what: string;
  extra: number;
}

/** Writes the synthetic files for `month` into `dir`; returns their paths. */
export async function synthMonth(store: Store, config: Config, month: Month, dir: string, seed = 11): Promise<{ police: string | null; partnership: string | null }> {
  const written = await writeSynthMonth(store, { month, seed, outDir: dir, config });
  return { police: written.files.find((f) => !/partnership/.test(f)) ?? null, partnership: written.files.find((f) => /partnership/.test(f)) ?? null };
}

let crimeSeq = 0;
function freshId(): string {
  crimeSeq++;
  return `feedface${String(crimeSeq).padStart(8, '0')}${'0'.repeat(48)}`.slice(0, 64);
}

/** Adds police.uk rows to a synthetic street file, copying rows the ingest places in each plant's ward. */
export async function plantPoliceUk(store: Store, config: Config, file: string, plants: Plant[]): Promise<void> {
  const geo = await GeoContext.load(store, new PendingGeography(), forceAreaOf(config));
  await geo.loadBoundaries();
  const text = readFileSync(file, 'utf8');
  const rows = parse(text, { relax_column_count: true }) as string[][];
  const header = rows[0]!;
  const wardOf = (r: string[]) => {
    const lon = Number(r[4]);
    const lat = Number(r[5]);
    if (!r[4] || !r[5]) return undefined;
    return geo.locate(lon, lat) ?? geo.lsoaWard.get(r[7]!);
  };
  const extra: string[][] = [];
  for (const p of plants) {
    const inWard = rows.slice(1).filter((r) => wardOf(r) === p.ward);
    const sameType = inWard.filter((r) => r[9] === p.what);
    const pool = sameType.length ? sameType : inWard;
    if (!pool.length) throw new Error(`plant: no row of ${file} is placed in ward ${p.ward}`);
    for (let i = 0; i < p.extra; i++) {
      const r = [...pool[i % pool.length]!];
      r[9] = p.what;
      r[0] = p.what === 'Anti-social behaviour' ? '' : freshId();
      if (p.what === 'Anti-social behaviour') r[10] = '';
      extra.push(r);
    }
  }
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  writeFileSync(file, [header, ...rows.slice(1), ...extra].map((r) => r.map((v) => quote(v ?? '')).join(',')).join('\r\n') + '\r\n');
}

/** Raises counts in an aggregated partnership extract (adds the row when the ward had none). */
export function plantPartnership(file: string, plants: Plant[]): void {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const [header, ...body] = lines;
  const month = body[0]!.split(',')[0]!;
  for (const p of plants) {
    const i = body.findIndex((l) => {
      const c = l.split(',');
      return c[2] === p.ward && c[3] === p.what;
    });
    if (i >= 0) {
      const c = body[i]!.split(',');
      c[4] = String(Number(c[4]) + p.extra);
      body[i] = c.join(',');
    } else body.push(`${month},ward,${p.ward},${p.what},${p.extra}`);
  }
  writeFileSync(file, [header, ...body].join('\n') + '\n');
}

/** The synthetic files in a folder. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir).map((f) => join(dir, f));
}
