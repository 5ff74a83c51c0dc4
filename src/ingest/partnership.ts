// The partnership's own monthly extract, in two shapes (templates in fixtures/templates/):
//
//   aggregated:    month,area_type,area_code,measure,count
//                  area_type is force | district | ward | lsoa. Levels the file supplies for a measure
//                  are stored as given; coarser levels it leaves out are summed from the finest level
//                  it supplies (LSOA -> best-fit ward, LSOA/ward -> district -> force).
//   record-level:  month,record_id,measure,lsoa_code,ward_code,longitude,latitude
//                  one row per crime or incident; the ward is ward_code when given (partner-supplied),
//                  else point-in-polygon of the point, else the LSOA's best-fit ward.
//
// `measure` is a taxonomy key or any of its synonyms ("dwelling burglary"); composites are refused
// because the figures engine sums their members.
import { basename } from 'node:path';
import { InputError } from '../core/errors.ts';
import type { Month } from '../core/periods.ts';
import { taxonomy } from '../taxonomy/index.ts';
import type { AreaType } from '../store/types.ts';
import { readCsv } from './csv.ts';
import type { GeoContext } from './geography.ts';
import { checkMonth, firstRealDuplicate, isSyntheticName, parsePoint, type ParsedMonthFile } from './policeUk.ts';
import { emptyStats, resetStats, Tally } from './tally.ts';
import { boundReason, CODE_EXPECTED, DISTRICT_CODE, Fingerprints, ingestChecks, LSOA_CODE, WARD_CODE, WHOLE, type IngestChecks } from './validate.ts';

/** What an unknown area code should have looked like, by type (a malformed code is named as such). */
function unknownCode(type: AreaType, code: string): string {
  const pattern = type === 'lsoa' ? LSOA_CODE : type === 'ward' ? WARD_CODE : type === 'district' ? DISTRICT_CODE : null;
  if (pattern && !pattern.test(code)) return CODE_EXPECTED[type as 'lsoa' | 'ward' | 'district'];
  return type === 'force' ? `the force area's code (the config's police.uk force, e.g. cambridgeshire)` : `a ${type} code in the loaded geography`;
}

export const PARTNERSHIP_AGGREGATED_HEADER = ['month', 'area_type', 'area_code', 'measure', 'count'] as const;
export const PARTNERSHIP_RECORDS_HEADER = ['month', 'record_id', 'measure', 'lsoa_code', 'ward_code', 'longitude', 'latitude'] as const;

const AREA_TYPES: readonly AreaType[] = ['force', 'district', 'ward', 'lsoa'];
const RANK: Record<AreaType, number> = { force: 0, district: 1, ward: 2, lsoa: 3 };

/** A taxonomy key or synonym -> a storable measure key (not a composite), or an InputError. */
export function measureKey(file: string, line: number, text: string, cache: Map<string, string>): string {
  const hit = cache.get(text);
  if (hit) return hit;
  const m = taxonomy().resolve(text);
  if (!m || m.source === 'composite') {
    throw new InputError(file, line, 'measure', 'a measure key or synonym from the taxonomy, not a composite (e.g. residential-burglary, "dwelling burglary", asb-nuisance)', text);
  }
  cache.set(text, m.key);
  return m.key;
}

export async function parsePartnershipAggregated(
  path: string,
  geo: GeoContext,
  onBytes?: (n: number, t: number) => void,
  checks: IngestChecks = ingestChecks(null),
): Promise<ParsedMonthFile> {
  const file = basename(path);
  const stats = emptyStats();
  const measures = new Map<string, string>();
  // measure -> area type -> area code -> count
  const supplied = new Map<string, Map<AreaType, Map<string, number>>>();
  // (type, code, measure) -> the line that gave it: each once per file, never summed
  const lineOf = new Map<string, number>();
  let month: Month | null = null;
  const read = await readCsv(
    path,
    () => {
      // (Called again from scratch if the file has to be re-read with the full CSV parser.)
      resetStats(stats);
      supplied.clear();
      lineOf.clear();
      month = null;
      return (f, line) => {
        stats.rowsRead++;
        month = checkMonth(file, line, 'month', f[0]!, month, checks.months);
        const type = f[1]!.trim().toLowerCase() as AreaType;
        if (!AREA_TYPES.includes(type)) throw new InputError(file, line, 'area_type', 'force, district, ward or lsoa', f[1]!);
        const code = f[2]!.trim();
        const known = geo.areaTypes.get(code);
        if (known === undefined) throw new InputError(file, line, 'area_code', unknownCode(type, code), f[2]!);
        if (known !== type) throw new InputError(file, line, 'area_code', `a ${type} code (this is a ${known} code)`, f[2]!);
        const measure = measureKey(file, line, f[3]!.trim(), measures);
        const countText = f[4]!.trim();
        if (!WHOLE.test(countText)) throw new InputError(file, line, 'count', 'a whole number, 0 or more, in digits (no separators, decimals, exponents or hex)', f[4]!);
        const n = Number(countText);
        const max = checks.maxMonthlyCount[type];
        if (n > max) {
          throw new InputError(
            file,
            line,
            'count',
            `at most ${max.toLocaleString('en-GB')} for one ${type}, measure and month (${boundReason(type, checks, 'maxMonthlyCount')})`,
            f[4]!,
          );
        }
        const key = `${type}\t${code}\t${measure}`;
        const earlier = lineOf.get(key);
        if (earlier !== undefined) {
          throw new InputError(
            file,
            line,
            'measure',
            `each area and measure once per file (${type} ${code}, ${measure} is already on line ${earlier}; counts are never summed)`,
            f[3]!,
          );
        }
        lineOf.set(key, line);
        let byType = supplied.get(measure);
        if (!byType) supplied.set(measure, (byType = new Map()));
        let byCode = byType.get(type);
        if (!byCode) byType.set(type, (byCode = new Map()));
        byCode.set(code, n);
      };
    },
    { onBytes },
  );
  if (month === null) throw new InputError(file, 2, 'month', 'at least one data row', 'only a header row');

  const tally = new Tally();
  const districtOf = (type: AreaType, code: string): string | undefined =>
    type === 'district' ? code : type === 'ward' ? geo.wardDistrict.get(code) : type === 'lsoa' ? geo.lsoaDistrict.get(code) : undefined;
  const inArea = (type: AreaType, code: string) => {
    if (type === 'force') return true;
    const d = districtOf(type, code);
    return d !== undefined && geo.districts.has(d);
  };
  for (const [measure, byType] of supplied) {
    const finest = [...byType.keys()].sort((a, b) => RANK[b] - RANK[a])[0]!;
    // Levels the file gives are stored as given (areas outside the force area are counted, not stored).
    for (const [type, byCode] of byType) {
      for (const [code, n] of byCode) {
        if (!inArea(type, code)) {
          if (type === finest) stats.outOfArea += n;
          continue;
        }
        tally.add(type, type === 'force' ? geo.force.code : code, measure, n, type === 'ward' ? 'partner' : undefined);
        if (type === 'ward') stats.placedByPartner += n;
      }
    }
    // Levels it leaves out are summed from the nearest finer level it gives.
    for (const level of ['ward', 'district', 'force'] as const) {
      if (byType.has(level)) continue;
      const from = AREA_TYPES.filter((t) => RANK[t] > RANK[level] && byType.has(t)).sort((a, b) => RANK[a] - RANK[b])[0];
      if (!from) continue;
      for (const [code, n] of byType.get(from)!) {
        if (!inArea(from, code)) continue;
        const target = level === 'ward' ? geo.lsoaWard.get(code)! : level === 'district' ? districtOf(from, code)! : geo.force.code;
        tally.add(level, target, measure, n, level === 'ward' ? 'lsoa' : undefined);
        if (level === 'ward') stats.placedByLsoa += n;
      }
    }
  }
  return { path, fileName: file, source: 'partnership', month, synthetic: isSyntheticName(path), checksum: read.checksum, tally, stats, parser: read.parser };
}

export async function parsePartnershipRecords(
  path: string,
  geo: GeoContext,
  onBytes?: (n: number, t: number) => void,
  checks: IngestChecks = ingestChecks(null),
): Promise<ParsedMonthFile> {
  const file = basename(path);
  const stats = emptyStats();
  const measures = new Map<string, string>();
  const tally = new Tally();
  const force = geo.force.code;
  let month: Month | null = null;
  // record_id: each record once in a file (a blank id is not checked)
  const ids = new Fingerprints();
  await geo.loadBoundaries(); // rows without a ward are placed by their map point
  const read = await readCsv(
    path,
    () => {
      resetStats(stats);
      tally.clear();
      ids.clear();
      month = null;
      return (f, line) => {
        stats.rowsRead++;
        month = checkMonth(file, line, 'month', f[0]!, month, checks.months);
        const id = f[1]!.trim();
        if (id !== '') ids.add(id);
        const measure = measureKey(file, line, f[2]!.trim(), measures);
        let lsoa = f[3]!.trim();
        const wardCode = f[4]!.trim();
        const point = parsePoint(file, line, ['longitude', 'latitude'], f[5]!, f[6]!);
        if (lsoa) {
          if (!geo.lsoaWard.has(lsoa)) {
            const mapped = geo.lsoa11.get(lsoa);
            if (!mapped)
              throw new InputError(
                file,
                line,
                'lsoa_code',
                LSOA_CODE.test(lsoa) ? 'an LSOA code (2021, or 2011 in the lookup) in the loaded geography' : CODE_EXPECTED.lsoa,
                f[3]!,
              );
            lsoa = mapped;
          }
        }
        if (wardCode && geo.areaTypes.get(wardCode) !== 'ward')
          throw new InputError(file, line, 'ward_code', WARD_CODE.test(wardCode) ? 'a ward code in the loaded geography' : CODE_EXPECTED.ward, f[4]!);
        if (wardCode && lsoa && geo.wardDistrict.get(wardCode) !== geo.lsoaDistrict.get(lsoa)) {
          // LSOAs and wards both nest in districts: a row counted in one district and another district's ward would not add up.
          throw new InputError(file, line, 'ward_code', `a ward in the same district as lsoa_code ${f[3]!.trim()} (${geo.lsoaDistrict.get(lsoa)})`, f[4]!);
        }
        let ward: string | null = null;
        let how: 'partner' | 'polygon' | 'lsoa' = 'partner';
        if (wardCode) ward = wardCode;
        else if (point && (ward = geo.locate(point[0], point[1]))) how = 'polygon';
        else if (lsoa) {
          ward = geo.lsoaWard.get(lsoa) ?? null;
          how = 'lsoa';
        }
        const district = lsoa ? geo.lsoaDistrict.get(lsoa) : ward ? geo.wardDistrict.get(ward) : undefined;
        if (!ward && !lsoa) {
          if (point) stats.outOfArea++;
          else {
            tally.add('force', force, measure, 1);
            stats.unplaced++;
          }
          return;
        }
        if (!district || !geo.districts.has(district)) {
          stats.outOfArea++;
          return;
        }
        tally.add('force', force, measure, 1);
        tally.add('district', district, measure, 1);
        if (lsoa) tally.add('lsoa', lsoa, measure, 1);
        if (ward) {
          tally.add('ward', ward, measure, 1, how);
          if (how === 'partner') stats.placedByPartner++;
          else if (how === 'polygon') stats.placedByPolygon++;
          else stats.placedByLsoa++;
        }
      };
    },
    { onBytes },
  );
  if (month === null) throw new InputError(file, 2, 'month', 'at least one data row', 'only a header row');
  ids.finish();
  const dup = ids.hasSuspects ? await firstRealDuplicate(path, 1, ids.isSuspect) : null;
  if (dup) throw new InputError(file, dup.line, 'record_id', `each record once (the same record_id is on line ${dup.first})`, dup.value);
  const note = geo.brokenBoundaryNote();
  return {
    path,
    fileName: file,
    ...(note ? { note } : {}),
    source: 'partnership',
    month,
    synthetic: isSyntheticName(path),
    checksum: read.checksum,
    tally,
    stats,
    parser: read.parser,
  };
}
