// police.uk street-level CSV (12 columns): one force, one month per file.
//
// Placement, per row:
//   - no point and no LSOA ("No Location"): force level only (unplaced);
//   - the LSOA decides whether the row is in the force area (LSOAs nest exactly in districts): an LSOA
//     outside the configured districts, or unknown to the geography, is out of area and counted nowhere;
//   - in area: district and LSOA from the LSOA code; ward by point-in-polygon of the snapped point,
//     falling back to the LSOA's best-fit ward when the point is in no in-area ward polygon or is blank;
//   - a row with a point but no LSOA is placed by the polygon alone (out of area when in no polygon).
// The LSOA vintage is detected per file by code membership: any 2011-only code (in the LSOA11 lookup,
// not a current LSOA21) makes it a 2011 file, mapped to 2021 through the lookup.
import { basename } from 'node:path';
import { InputError } from '../core/errors.ts';
import { isMonth, type Month } from '../core/periods.ts';
import { taxonomy } from '../taxonomy/index.ts';
import { readCsv } from './csv.ts';
import type { GeoContext } from './geography.ts';
import { emptyStats, Tally, type PlacementStats } from './tally.ts';

export const POLICE_UK_HEADER = [
  'Crime ID', 'Month', 'Reported by', 'Falls within', 'Longitude', 'Latitude', 'Location',
  'LSOA code', 'LSOA name', 'Crime type', 'Last outcome category', 'Context',
] as const;

export interface ParsedMonthFile {
  path: string;
  fileName: string;
  source: 'police.uk' | 'partnership';
  month: Month;
  synthetic: boolean;
  checksum: string;
  tally: Tally;
  stats: PlacementStats;
  /** police.uk only: the LSOA vintage detected. */
  vintage?: 2011 | 2021;
  /** Something the per-file summary line should say (e.g. codes the geography does not know). */
  note?: string;
  /** police.uk only: the forces in the file's "Reported by" column (one, normally). */
  reportedBy?: string[];
  parser: 'fast' | 'csv-parse';
}

/** A file is synthetic when its name starts with "synthetic-" (what `wardwatch synth` writes). */
export function isSyntheticName(path: string): boolean {
  return /^synthetic-/i.test(basename(path));
}

/** Parses a month value, or throws an InputError naming the field. */
export function checkMonth(file: string, line: number, field: string, value: string, expected: Month | null): Month {
  if (expected !== null) {
    if (value === expected) return value;
    const v = value.trim();
    if (v === expected) return v;
    if (isMonth(v)) throw new InputError(file, line, field, `the same month as the rest of the file (${expected}); a file holds one month`, value);
  }
  const v = value.trim();
  if (!isMonth(v)) throw new InputError(file, line, field, 'a month as YYYY-MM', value);
  return v;
}

/** Parses a longitude/latitude pair; both blank is no point. Throws on anything malformed. */
export function parsePoint(file: string, line: number, names: [string, string], lonText: string, latText: string): [number, number] | null {
  const lt = lonText.trim(), at = latText.trim();
  if (lt === '' && at === '') return null;
  const lon = lt === '' ? NaN : Number(lt);
  const lat = at === '' ? NaN : Number(at);
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) throw new InputError(file, line, names[0], 'a longitude in decimal degrees (-180 to 180), or both coordinates blank', lonText);
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw new InputError(file, line, names[1], 'a latitude in decimal degrees (-90 to 90), or both coordinates blank', latText);
  return [lon, lat];
}

export async function parsePoliceUkFile(path: string, geo: GeoContext, onBytes?: (n: number, total: number) => void): Promise<ParsedMonthFile> {
  const file = basename(path);
  const tax = taxonomy();
  const measures = tax.policeUkMeasures().map((m) => m.key);
  const measureByName = new Map(tax.policeUkMeasures().map((m, i) => [m.policeUkName!, i]));
  let month: Month | null = null;
  let rowsRead = 0;
  // (lsoa code as written, polygon ward or '', measure index) -> rows
  const cells = new Map<string, number>();
  const firstLineOfLsoa = new Map<string, number>();
  const noLocation = new Array<number>(measures.length).fill(0);
  const reportedBy = new Set<string>();
  await geo.loadBoundaries(); // rows are placed by their map point

  const read = await readCsv(
    path,
    () => {
      rowsRead = 0;
      cells.clear();
      firstLineOfLsoa.clear();
      noLocation.fill(0);
      reportedBy.clear();
      month = null;
      return (f, line) => {
        rowsRead++;
        month = checkMonth(file, line, 'Month', f[1]!, month);
        if (!reportedBy.has(f[2]!)) reportedBy.add(f[2]!);
        const mi = measureByName.get(f[9]!) ?? measureByName.get(f[9]!.trim());
        if (mi === undefined) throw new InputError(file, line, 'Crime type', 'one of the 14 police.uk crime types (e.g. "Burglary", "Anti-social behaviour")', f[9]!);
        const lonText = f[4]!, latText = f[5]!;
        const lsoa = f[7]!.trim();
        let ward = '';
        if (lonText !== '' || latText !== '') {
          const p = parsePoint(file, line, ['Longitude', 'Latitude'], lonText, latText);
          if (p) ward = geo.locate(`${lonText},${latText}`, p[0], p[1]) ?? '';
          else if (!lsoa) {
            noLocation[mi]!++;
            return;
          }
        } else if (!lsoa) {
          noLocation[mi]!++;
          return;
        }
        if (lsoa && !firstLineOfLsoa.has(lsoa)) firstLineOfLsoa.set(lsoa, line);
        const key = `${lsoa}\t${ward}\t${mi}`;
        cells.set(key, (cells.get(key) ?? 0) + 1);
      };
    },
    { onBytes },
  );
  if (month === null) throw new InputError(file, 2, 'Month', 'at least one data row', 'only a header row');

  // LSOA vintage by code membership.
  let first2011: string | null = null;
  let first2021: string | null = null;
  for (const code of firstLineOfLsoa.keys()) {
    const in21 = geo.lsoaWard.has(code);
    const in11 = geo.lsoa11.has(code);
    if (in11 && !in21 && first2011 === null) first2011 = code;
    if (in21 && !in11 && geo.lsoa11.size > 0 && first2021 === null) first2021 = code;
  }
  if (first2011 !== null && first2021 !== null) {
    const [code, other] = firstLineOfLsoa.get(first2011)! > firstLineOfLsoa.get(first2021)! ? [first2011, first2021] : [first2021, first2011];
    throw new InputError(file, firstLineOfLsoa.get(code)!, 'LSOA code', `LSOA codes of one vintage (this file also has ${other}, a code of the other vintage)`, code);
  }
  const vintage: 2011 | 2021 = first2011 !== null ? 2011 : 2021;

  const stats = emptyStats();
  stats.rowsRead = rowsRead;
  const tally = new Tally();
  const force = geo.force.code;
  let unknownLsoa = 0;
  for (const [key, n] of cells) {
    const [lsoaRaw, polyWard, miText] = key.split('\t') as [string, string, string];
    const measure = measures[Number(miText)]!;
    let lsoa21: string | null = null;
    let district: string | undefined;
    if (lsoaRaw) {
      lsoa21 = vintage === 2011 ? (geo.lsoa11.get(lsoaRaw) ?? lsoaRaw) : lsoaRaw;
      district = geo.lsoaDistrict.get(lsoa21);
      if (!district) unknownLsoa += n;
      if (!district || !geo.districts.has(district)) {
        stats.outOfArea += n;
        continue;
      }
    } else {
      district = polyWard ? geo.wardDistrict.get(polyWard) : undefined;
      if (!district) {
        stats.outOfArea += n;
        continue;
      }
    }
    tally.add('force', force, measure, n);
    tally.add('district', district, measure, n);
    if (lsoa21) tally.add('lsoa', lsoa21, measure, n);
    if (polyWard) {
      tally.add('ward', polyWard, measure, n, 'polygon');
      stats.placedByPolygon += n;
    } else {
      tally.add('ward', geo.lsoaWard.get(lsoa21!)!, measure, n, 'lsoa');
      stats.placedByLsoa += n;
    }
  }
  noLocation.forEach((n, i) => {
    if (n > 0) tally.add('force', force, measures[i]!, n);
    stats.unplaced += n;
  });
  // Without the LSOA11 lookup a 2011-vintage file cannot be recognised: its changed codes are unknown
  // and would silently count as out of area. Say so.
  const note =
    unknownLsoa > 0 && geo.lsoa11.size === 0
      ? `${unknownLsoa.toLocaleString('en-GB')} rows have LSOA codes not in the loaded geography (counted as out of area); a file with 2011 LSOA codes needs the ONS LSOA11 -> LSOA21 lookup`
      : undefined;
  return { path, fileName: file, ...(note ? { note } : {}), source: 'police.uk', month, synthetic: isSyntheticName(path), checksum: read.checksum, tally, stats, vintage, reportedBy: [...reportedBy].map((r) => r.trim()), parser: read.parser };
}
