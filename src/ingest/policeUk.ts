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
import {
  CONTROL,
  CONTROL_EXPECTED,
  Fingerprints,
  isPlainDecimal,
  ingestChecks,
  POLICE_UK_LSOA_CODE,
  showControls,
  SYNTHETIC_CODE,
  SYNTHETIC_REFUSED,
  type IngestChecks,
  type MonthRange,
} from './validate.ts';

export const POLICE_UK_HEADER = [
  'Crime ID',
  'Month',
  'Reported by',
  'Falls within',
  'Longitude',
  'Latitude',
  'Location',
  'LSOA code',
  'LSOA name',
  'Crime type',
  'Last outcome category',
  'Context',
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
  /** police.uk only: the force in the file's "Reported by" column (one: a file with two is refused). */
  reportedBy?: string[];
  parser: 'fast' | 'csv-parse';
  /**
   * The file's row identifiers that must be unique (police.uk "Crime ID"), as ascending 64-bit
   * fingerprints, to compare the files of one month (see duplicateIdsAcross()).
   */
  ids?: { field: string; column: number; fingerprints: BigUint64Array };
}

/** A file is synthetic when its name starts with "synthetic-" (what `wardwatch synth` writes). */
export function isSyntheticName(path: string): boolean {
  return /^synthetic-/i.test(basename(path));
}

/**
 * Parses a month value, or throws an InputError naming the field. The first month of a file must lie in
 * `range` (police.uk's first month to the month containing today); the rest must equal it.
 */
export function checkMonth(file: string, line: number, field: string, value: string, expected: Month | null, range?: MonthRange): Month {
  if (expected !== null) {
    if (value === expected) return value;
    const v = value.trim();
    if (v === expected) return v;
    if (isMonth(v)) throw new InputError(file, line, field, `the same month as the rest of the file (${expected}); a file holds one month`, value);
  }
  const v = value.trim();
  if (!isMonth(v)) throw new InputError(file, line, field, 'a month as YYYY-MM', value);
  if (range && v > range.last) throw new InputError(file, line, field, `a month no later than this month (${range.last}): a file cannot hold crimes from the future`, value);
  if (range && v < range.first) throw new InputError(file, line, field, `a month from ${range.first} on (police.uk's street-level data begins in December 2010)`, value);
  return v;
}

/**
 * Parses a longitude/latitude pair; both blank is no point. Throws on anything malformed: each must be
 * a plain decimal (no hex such as 0x1F, exponent such as 1e+2, Infinity or thousands separators).
 */
export function parsePoint(file: string, line: number, names: [string, string], lonText: string, latText: string): [number, number] | null {
  const lt = lonText.trim(),
    at = latText.trim();
  if (lt === '' && at === '') return null;
  const lon = isPlainDecimal(lt) ? Number(lt) : NaN;
  const lat = isPlainDecimal(at) ? Number(at) : NaN;
  if (!Number.isFinite(lon) || lon < -180 || lon > 180)
    throw new InputError(
      file,
      line,
      names[0],
      'a longitude in decimal degrees (-180 to 180, a plain decimal such as -0.123456: no hex, exponent or Infinity), or both coordinates blank',
      lonText,
    );
  if (!Number.isFinite(lat) || lat < -90 || lat > 90)
    throw new InputError(
      file,
      line,
      names[1],
      'a latitude in decimal degrees (-90 to 90, a plain decimal such as 52.205600: no hex, exponent or Infinity), or both coordinates blank',
      latText,
    );
  return [lon, lat];
}

/** The (trimmed) values in `column` of the rows `keep` accepts, by line: one more pass over a file. */
export async function columnValues(path: string, column: number, keep: (value: string, line: number) => boolean): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  await readCsv(path, () => {
    out.clear();
    return (f, line) => {
      const v = f[column]!.trim();
      if (keep(v, line)) out.set(line, v);
    };
  });
  return out;
}

/**
 * The first line whose identifier (in `column`) really equals an earlier line's, among the identifiers
 * `suspect` picks (those whose fingerprints matched: see Fingerprints); null when they all differ.
 * Reads the file once more, so only called when some fingerprint was seen twice.
 */
export async function firstRealDuplicate(path: string, column: number, suspect: (value: string) => boolean): Promise<{ first: number; line: number; value: string } | null> {
  const values = await columnValues(path, column, (v) => v !== '' && suspect(v));
  const firstLine = new Map<string, number>();
  for (const line of [...values.keys()].sort((a, b) => a - b)) {
    const v = values.get(line)!;
    const first = firstLine.get(v);
    if (first !== undefined) return { first, line, value: v };
    firstLine.set(v, line);
  }
  return null;
}

export async function parsePoliceUkFile(
  path: string,
  geo: GeoContext,
  onBytes?: (n: number, total: number) => void,
  checks: IngestChecks = ingestChecks(null),
): Promise<ParsedMonthFile> {
  const file = basename(path);
  const tax = taxonomy();
  const measures = tax.policeUkMeasures().map((m) => m.key);
  const measureByName = new Map(tax.policeUkMeasures().map((m, i) => [m.policeUkName!, i]));
  let month: Month | null = null;
  let rowsRead = 0;
  // lsoa code as written ('' for none) -> polygon ward ('' for none) -> rows by measure index
  const cells = new Map<string, Map<string, number[]>>();
  const firstLineOfLsoa = new Map<string, number>();
  const noLocation = new Array<number>(measures.length).fill(0);
  // One force per file: the first row's "Reported by" and "Falls within" (and their lines).
  let reportedBy: string | null = null;
  let fallsWithin: string | null = null;
  // Crime IDs: each crime once (rows without one, ASB, may repeat: two incidents at one snap point).
  const ids = new Fingerprints();
  await geo.loadBoundaries(); // rows are placed by their map point

  const oneForce = (line: number, field: 'Reported by' | 'Falls within', value: string, first: string | null): string => {
    if (first === null) {
      if (CONTROL.test(value)) throw new InputError(file, line, field, CONTROL_EXPECTED, showControls(value));
      if (value.trim() === '') throw new InputError(file, line, field, 'the name of the police force', value);
      return value;
    }
    if (value.trim() !== first.trim())
      throw new InputError(file, line, field, `one force per file, as on the first row ("${first.trim()}"): download each force's file separately`, value);
    return first;
  };

  const read = await readCsv(
    path,
    () => {
      rowsRead = 0;
      cells.clear();
      firstLineOfLsoa.clear();
      noLocation.fill(0);
      reportedBy = fallsWithin = null;
      ids.clear();
      month = null;
      return (f, line) => {
        rowsRead++;
        month = checkMonth(file, line, 'Month', f[1]!, month, checks.months);
        if (f[2] !== reportedBy) reportedBy = oneForce(line, 'Reported by', f[2]!, reportedBy);
        if (f[3] !== fallsWithin) fallsWithin = oneForce(line, 'Falls within', f[3]!, fallsWithin);
        const id = f[0]!;
        if (id !== '') ids.add(id.trim());
        const mi = measureByName.get(f[9]!) ?? measureByName.get(f[9]!.trim());
        if (mi === undefined) throw new InputError(file, line, 'Crime type', 'one of the 14 police.uk crime types (e.g. "Burglary", "Anti-social behaviour")', f[9]!);
        const lonText = f[4]!,
          latText = f[5]!;
        const lsoa = f[7]!.trim();
        let ward = '';
        if (lonText !== '' || latText !== '') {
          // A point seen before was checked then (police.uk reuses snap points).
          const key = `${lonText},${latText}`;
          const known = geo.placed(key);
          if (known !== undefined) ward = known ?? '';
          else {
            const p = parsePoint(file, line, ['Longitude', 'Latitude'], lonText, latText);
            if (p) ward = geo.locateNew(key, p[0], p[1]) ?? '';
            else if (!lsoa) {
              noLocation[mi]!++;
              return;
            }
          }
        } else if (!lsoa) {
          noLocation[mi]!++;
          return;
        }
        let byWard = cells.get(lsoa);
        if (byWard === undefined) {
          if (lsoa) {
            // Malformed codes are refused, not counted silently as out of area.
            if (!POLICE_UK_LSOA_CODE.test(lsoa) && !(checks.syntheticCodes && SYNTHETIC_CODE.lsoa.test(lsoa)))
              throw new InputError(
                file,
                line,
                'LSOA code',
                SYNTHETIC_CODE.lsoa.test(lsoa) ? SYNTHETIC_REFUSED : 'an LSOA code: E01 or W01 and 6 digits (e.g. E01017983), or blank',
                f[7]!,
              );
            firstLineOfLsoa.set(lsoa, line);
          }
          cells.set(lsoa, (byWard = new Map()));
        }
        let counts = byWard.get(ward);
        if (counts === undefined) byWard.set(ward, (counts = new Array<number>(measures.length).fill(0)));
        counts[mi]!++;
      };
    },
    { onBytes },
  );
  if (month === null) throw new InputError(file, 2, 'Month', 'at least one data row', 'only a header row');
  const fingerprints = ids.finish();
  const dup = ids.hasSuspects ? await firstRealDuplicate(path, 0, ids.isSuspect) : null;
  if (dup) throw new InputError(file, dup.line, 'Crime ID', `each crime once (the same Crime ID is on line ${dup.first}; rows without a Crime ID may repeat)`, dup.value);

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
  for (const [lsoaRaw, byWard] of cells)
    for (const [polyWard, counts] of byWard)
      for (let mi = 0; mi < counts.length; mi++) {
        const n = counts[mi]!;
        if (n === 0) continue;
        const measure = measures[mi]!;
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
  const notes = [note, geo.brokenBoundaryNote()].filter(Boolean).join('; ');
  return {
    path,
    fileName: file,
    ...(notes ? { note: notes } : {}),
    source: 'police.uk',
    month,
    synthetic: isSyntheticName(path),
    checksum: read.checksum,
    tally,
    stats,
    vintage,
    reportedBy: reportedBy === null ? [] : [(reportedBy as string).trim()],
    parser: read.parser,
    ids: { field: 'Crime ID', column: 0, fingerprints },
  };
}
