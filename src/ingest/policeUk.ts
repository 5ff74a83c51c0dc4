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
  type LsoaPlace = { inArea: true; lsoaId: number; districtId: number; bestFitWardId: number } | { inArea: false; known: boolean };
  const lsoas = new Map<string, LsoaPlace>();
  const lsoaPlace = (raw: string): LsoaPlace => {
    let r = lsoas.get(raw);
    if (r === undefined) {
      const lsoa21 = vintage === 2011 ? (geo.lsoa11.get(raw) ?? raw) : raw;
      const district = geo.lsoaDistrict.get(lsoa21);
      r =
        !district || !geo.districts.has(district)
          ? { inArea: false, known: district !== undefined }
          : { inArea: true, lsoaId: areaId(lsoa21), districtId: areaId(district), bestFitWardId: areaId(geo.lsoaWard.get(lsoa21)!) };
      lsoas.set(raw, r);
    }
    return r;
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
    let lsoaId = -1;
    let districtId: number;
    let wardAreaId: number;
    let byPolygon: boolean;
    if (lsoaRaw) {
      const l = lsoaPlace(lsoaRaw);
      if (!l.inArea) {
        if (!l.known) unknownLsoa += total;
        stats.outOfArea += total;
        continue;
      }
      lsoaId = l.lsoaId;
      districtId = l.districtId;
      // A point seen before (in any file of this ingest) is placed once (GeoContext.wardAt).
      const w = Number.isNaN(placeLon[p]!) ? -1 : geo.wardAt(placeLon[p]!, placeLat[p]!);
      byPolygon = w >= 0;
      wardAreaId = byPolygon ? wardId(w) : l.bestFitWardId;
    } else {
      // No LSOA: placed by the polygon alone (out of area when in no in-area ward).
      const w = Number.isNaN(placeLon[p]!) ? -1 : geo.wardAt(placeLon[p]!, placeLat[p]!);
      if (w >= 0) wardId(w);
      if (w < 0 || wardDistrictIds[w] === -2) {
        stats.outOfArea += total;
        continue;
      }
      byPolygon = true;
      wardAreaId = wardIds[w]!;
      districtId = wardDistrictIds[w]!;
    }
    const placement = byPolygon ? 1 : 2; // Tally's codes: 1 polygon, 2 LSOA best fit
    for (let mi = 0; mi < M; mi++) {
      const n = placeCounts[p * M + mi]!;
      if (n === 0) continue;
      const m = mids[mi]!;
      tally.addById('force', forceId, m, n);
      tally.addById('district', districtId, m, n);
      if (lsoaId >= 0) tally.addById('lsoa', lsoaId, m, n);
      tally.addById('ward', wardAreaId, m, n, placement);
    }
    if (byPolygon) stats.placedByPolygon += total;
    else stats.placedByLsoa += total;
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
