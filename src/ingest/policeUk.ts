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
import { InputError } from '../core/errors.ts';
import type { Month } from '../core/periods.ts';
import { taxonomy } from '../taxonomy/index.ts';
import type { GeoContext } from './geography.ts';
import { isSyntheticName, readPoliceUkPlaces, type PoliceUkRead } from './policeUkRead.ts';
import { areaId, emptyStats, measureId, Tally, type PlacementStats } from './tally.ts';
import { ingestChecks, type IngestChecks } from './validate.ts';

export {
  checkMonth,
  columnValues,
  firstRealDuplicate,
  isSyntheticName,
  parsePoint,
  POLICE_UK_HEADER,
  readPoliceUkPlaces,
  repeatedCrimeIdNote,
  repeatedCrimeIds,
  type PoliceUkRead,
  type RepeatedCrimeId,
} from './policeUkRead.ts';

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

/** The taxonomy's police.uk measures by their police.uk "Crime type" names, in order (readPoliceUkPlaces' columns). */
export function policeUkCrimeTypes(): string[] {
  return taxonomy()
    .policeUkMeasures()
    .map((m) => m.policeUkName!);
}

/** Reads, checks and places a police.uk street file: readPoliceUkPlaces() then placePoliceUk(). */
export async function parsePoliceUkFile(
  path: string,
  geo: GeoContext,
  onBytes?: (n: number, total: number) => void,
  checks: IngestChecks = ingestChecks(null),
): Promise<ParsedMonthFile> {
  return placePoliceUk(await readPoliceUkPlaces(path, policeUkCrimeTypes(), onBytes, checks), geo);
}

/** The array at twice the length, its values kept. */
function doubled(a: Float64Array): Float64Array<ArrayBuffer> {
  const out = new Float64Array(a.length * 2);
  out.set(a);
  return out;
}

/** Puts a read file's places in wards (point-in-polygon, cached by point) and areas, and tallies them. */
export async function placePoliceUk(read: PoliceUkRead, geo: GeoContext): Promise<ParsedMonthFile> {
  const { path, fileName: file, month, rowsRead, placeLsoa, placeLon, placeLat, placeCounts, noLocation, firstLineOfLsoa, fingerprints, repeatNote, reportedBy } = read;
  const measures = taxonomy()
    .policeUkMeasures()
    .map((m) => m.key);
  const M = measures.length;
  await geo.loadBoundaries(); // rows are placed by their map point
  const wardIndex = geo.wardIndex;

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

  // Places to areas: each place resolved once, its counts added by interned ids.
  const stats = emptyStats();
  stats.rowsRead = rowsRead;
  const tally = new Tally();
  const force = geo.force.code;
  const forceId = areaId(force);
  const mids = measures.map(measureId);
  let unknownLsoa = 0;
  // Each LSOA code of the file resolved once: in area with its interned id, district's and best-fit ward's ids, or
  // out of area (`known`: whether the geography has it at all).
  // `row`: the LSOA's row in lsoaCounts and bestFitCounts.
  type LsoaPlace = { inArea: true; lsoaId: number; districtId: number; bestFitWardId: number; row: number } | { inArea: false; known: boolean };
  const lsoas = new Map<string, LsoaPlace>();
  // Counts are summed per LSOA (its LSOA, district and force counts, and its best-fit ward's for places
  // in no ward polygon), per ward polygon, and per district for places with no LSOA, then added to the
  // tally once each: a tally add per place and measure was most of placing.
  let lsoaCounts = new Float64Array(16 * M);
  let bestFitCounts = new Float64Array(16 * M);
  const inAreaLsoas: Array<LsoaPlace & { inArea: true }> = [];
  const lsoaPlace = (raw: string): LsoaPlace => {
    let r = lsoas.get(raw);
    if (r === undefined) {
      const lsoa21 = vintage === 2011 ? (geo.lsoa11.get(raw) ?? raw) : raw;
      const district = geo.lsoaDistrict.get(lsoa21);
      if (!district || !geo.districts.has(district)) r = { inArea: false, known: district !== undefined };
      else {
        const row = inAreaLsoas.length;
        const inArea = { inArea: true, lsoaId: areaId(lsoa21), districtId: areaId(district), bestFitWardId: areaId(geo.lsoaWard.get(lsoa21)!), row } as const;
        inAreaLsoas.push(inArea);
        if ((row + 1) * M > lsoaCounts.length) {
          lsoaCounts = doubled(lsoaCounts);
          bestFitCounts = doubled(bestFitCounts);
        }
        r = inArea;
      }
      lsoas.set(raw, r);
    }
    return r;
  };
  const districtCounts = new Map<number, Float64Array>();
  // Per ward polygon (by its position in the index): its row in polygonCounts, -1 until first placed in.
  const wardRow = new Int32Array(wardIndex.wards.length).fill(-1);
  const rowWard: number[] = [];
  let polygonCounts = new Float64Array(16 * M);
  const polygonRow = (w: number): number => {
    if (wardRow[w] === -1) {
      wardRow[w] = rowWard.length;
      rowWard.push(w);
      if (rowWard.length * M > polygonCounts.length) polygonCounts = doubled(polygonCounts);
    }
    return wardRow[w]!;
  };
  // The interned id (and district's) of each ward of the index, by its position there, made on first use.
  const wardIds = (geo.wardIds ??= new Int32Array(wardIndex.wards.length).fill(-1));
  const wardDistrictIds = (geo.wardDistrictIds ??= new Int32Array(wardIndex.wards.length).fill(-1));
  const wardId = (w: number): number => {
    if (wardIds[w] === -1) {
      const code = wardIndex.wards[w]!.code;
      const district = geo.wardDistrict.get(code);
      wardIds[w] = areaId(code);
      wardDistrictIds[w] = district ? areaId(district) : -2;
    }
    return wardIds[w]!;
  };
  for (let p = 0; p < placeLsoa.length; p++) {
    let total = 0;
    for (let mi = 0; mi < M; mi++) total += placeCounts[p * M + mi]!;
    if (total === 0) continue;
    const lsoaRaw = placeLsoa[p]!;
    let byPolygon: boolean;
    // Where this place's LSOA, district and force counts are summed (its LSOA's row, or its district's),
    // and its ward's (its ward polygon's row, or its LSOA's best-fit row).
    let sums: Float64Array;
    let at: number;
    let wardSums: Float64Array;
    let wardAt: number;
    if (lsoaRaw) {
      const l = lsoaPlace(lsoaRaw);
      if (!l.inArea) {
        if (!l.known) unknownLsoa += total;
        stats.outOfArea += total;
        continue;
      }
      sums = lsoaCounts;
      at = l.row * M;
      // A point seen before (in any file of this ingest) is placed once (GeoContext.wardAt).
      const w = Number.isNaN(placeLon[p]!) ? -1 : geo.wardAt(placeLon[p]!, placeLat[p]!);
      byPolygon = w >= 0;
      if (byPolygon) {
        wardAt = polygonRow(w) * M; // (first: it may grow polygonCounts)
        wardSums = polygonCounts;
      } else {
        wardSums = bestFitCounts;
        wardAt = at;
      }
    } else {
      // No LSOA: placed by the polygon alone (out of area when in no in-area ward).
      const w = Number.isNaN(placeLon[p]!) ? -1 : geo.wardAt(placeLon[p]!, placeLat[p]!);
      if (w >= 0) wardId(w);
      if (w < 0 || wardDistrictIds[w] === -2) {
        stats.outOfArea += total;
        continue;
      }
      byPolygon = true;
      wardAt = polygonRow(w) * M;
      wardSums = polygonCounts;
      const districtId = wardDistrictIds[w]!;
      let d = districtCounts.get(districtId);
      if (d === undefined) districtCounts.set(districtId, (d = new Float64Array(M)));
      sums = d;
      at = 0;
    }
    for (let mi = 0; mi < M; mi++) {
      const n = placeCounts[p * M + mi]!;
      if (n === 0) continue;
      sums[at + mi]! += n;
      wardSums[wardAt + mi]! += n;
    }
    if (byPolygon) stats.placedByPolygon += total;
    else stats.placedByLsoa += total;
  }
  const forceCounts = new Float64Array(M);
  const addSums = (districtId: number, lsoaId: number, sums: Float64Array, at: number) => {
    for (let mi = 0; mi < M; mi++) {
      const n = sums[at + mi]!;
      if (n === 0) continue;
      if (lsoaId >= 0) tally.addById('lsoa', lsoaId, mids[mi]!, n);
      tally.addById('district', districtId, mids[mi]!, n);
      forceCounts[mi]! += n;
    }
  };
  const addWard = (wardAreaId: number, sums: Float64Array, at: number, placement: number) => {
    for (let mi = 0; mi < M; mi++) if (sums[at + mi]! > 0) tally.addById('ward', wardAreaId, mids[mi]!, sums[at + mi]!, placement);
  };
  // Tally's placement codes: 1 polygon, 2 LSOA best fit.
  rowWard.forEach((w, row) => addWard(wardId(w), polygonCounts, row * M, 1));
  for (const l of inAreaLsoas) addWard(l.bestFitWardId, bestFitCounts, l.row * M, 2);
  for (const l of inAreaLsoas) addSums(l.districtId, l.lsoaId, lsoaCounts, l.row * M);
  for (const [districtId, sums] of districtCounts) addSums(districtId, -1, sums, 0);
  for (let mi = 0; mi < M; mi++) if (forceCounts[mi]! > 0) tally.addById('force', forceId, mids[mi]!, forceCounts[mi]!);
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
  const notes = [repeatNote, note, geo.brokenBoundaryNote()].filter(Boolean).join('; ');
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
