// Reading and checking police.uk street files (no geography, no taxonomy: what a reader thread needs,
// so a thread starts without loading the taxonomy's YAML and schema). policeUk.ts places what is read.
import { basename } from 'node:path';
import { InputError } from '../core/errors.ts';
import { isMonth, type Month } from '../core/periods.ts';
import { readCsv } from './csv.ts';
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

/** A row whose Crime ID an earlier row of the file already has. */
export interface RepeatedCrimeId {
  line: number;
  fields: string[];
  first: number;
  firstFields: string[];
}

/**
 * Every row repeating an earlier row's Crime ID, among the identifiers `suspect` picks (those whose
 * fingerprints matched: see Fingerprints), in line order. Reads the file once more.
 */
export async function repeatedCrimeIds(path: string, suspect: (value: string) => boolean): Promise<RepeatedCrimeId[]> {
  const firstRow = new Map<string, { line: number; fields: string[] }>();
  const out: RepeatedCrimeId[] = [];
  await readCsv(path, () => {
    firstRow.clear();
    out.length = 0;
    return {
      // The file has been read and checked once already: only a row with a suspect Crime ID is split
      // (returning false hands it to `record`), the rest are passed over by their first field.
      line: (text) => {
        const comma = text.indexOf(',');
        const id = (comma < 0 ? text : text.slice(0, comma)).trim();
        return id === '' || !suspect(id);
      },
      record: (f, line) => {
        const id = f[0]!.trim();
        if (id === '' || !suspect(id)) return;
        const first = firstRow.get(id);
        if (first === undefined) firstRow.set(id, { line, fields: f });
        else out.push({ line, fields: f, first: first.line, firstFields: first.fields });
      },
    };
  });
  return out;
}

/** The summary's words for rows counted once because they repeat a Crime ID: how many, how they differ, the first. */
export function repeatedCrimeIdNote(repeats: readonly RepeatedCrimeId[]): string {
  const n = (x: number) => x.toLocaleString('en-GB');
  let identical = 0;
  const differing = new Map<string, number>();
  for (const r of repeats) {
    const fields = POLICE_UK_HEADER.filter((_, i) => r.fields[i] !== r.firstFields[i]);
    if (fields.length === 0) identical++;
    for (const f of fields) differing.set(f, (differing.get(f) ?? 0) + 1);
  }
  const r = repeats[0]!;
  const differs = POLICE_UK_HEADER.filter((_, i) => r.fields[i] !== r.firstFields[i]);
  const kinds = [
    identical ? `${n(identical)} identical` : '',
    repeats.length - identical ? `${n(repeats.length - identical)} differing in ${[...differing.keys()].join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    `${n(repeats.length)} row${repeats.length === 1 ? '' : 's'} repeat the Crime ID of an earlier row and ${repeats.length === 1 ? 'is' : 'are'} counted once, as on the first row (${kinds}); ` +
    `e.g. line ${r.line}, field "Crime ID": the crime on line ${r.first}${differs.length ? ` (differs in ${differs.join(', ')})` : ' (an identical row)'}`
  );
}

/**
 * A police.uk file read and checked, its rows counted by place (see readPoliceUkPlaces): everything but
 * the geography, so a worker thread can make it (plain data: it crosses threads by structured clone).
 */
export interface PoliceUkRead {
  path: string;
  fileName: string;
  month: Month;
  rowsRead: number;
  checksum: string;
  parser: 'fast' | 'csv-parse';
  reportedBy: string | null;
  fingerprints: BigUint64Array;
  repeatNote?: string;
  /** Per place: the LSOA code (trimmed, '' for none) and the point's coordinates (NaN for none). */
  placeLsoa: string[];
  placeLon: Float64Array;
  placeLat: Float64Array;
  /** place x measure (the taxonomy's police.uk measures, in order). */
  placeCounts: Int32Array;
  noLocation: number[];
  /** Each LSOA code's first line (for the vintage check). */
  firstLineOfLsoa: Map<string, number>;
}

/**
 * Reads a police.uk street file and checks every row (month, force, Crime IDs, crime type, point, LSOA
 * code), counting rows by place and crime type (`crimeTypes`: the taxonomy's police.uk names, in order). Needs no geography: placePoliceUk() puts the places in wards and areas.
 */
export async function readPoliceUkPlaces(
  path: string,
  crimeTypes: readonly string[],
  onBytes?: (n: number, total: number) => void,
  checks: IngestChecks = ingestChecks(null),
): Promise<PoliceUkRead> {
  const file = basename(path);
  const M = crimeTypes.length;
  const measureByName = new Map(crimeTypes.map((name, i) => [name, i]));
  // The fast path finds a crime type in the line without cutting it out: candidates by length and first
  // character, then compared in place.
  const typesByShape = new Map<number, Array<[string, number]>>();
  crimeTypes.forEach((name, i) => {
    const shape = name.length * 65536 + name.charCodeAt(0);
    typesByShape.set(shape, [...(typesByShape.get(shape) ?? []), [name, i]]);
  });
  let month: Month | null = null;
  let rowsRead = 0;
  // Rows are counted by "place": the text of Longitude, Latitude, Location and LSOA code together
  // (police.uk snaps every crime to one of a limited set of anonymous points, so places repeat heavily).
  // Each place is checked and placed once, on its first row; a row costs one lookup and one increment.
  const places = new Map<string, number>();
  let placeLsoa: string[] = []; // LSOA code as written, trimmed ('' for none)
  let placeLon: number[] = [];
  let placeLat: number[] = [];
  let placeCounts = new Int32Array(1024 * M); // place x measure
  const NO_LOCATION = -1;
  const firstLineOfLsoa = new Map<string, number>();
  const noLocation = new Array<number>(M).fill(0);
  // One force per file: the first row's "Reported by" and "Falls within" (and their lines).
  let reportedBy: string | null = null;
  let fallsWithin: string | null = null;
  // Crime IDs: each crime once (rows without one, ASB, may repeat: two incidents at one snap point).
  const ids = new Fingerprints();

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

  const crimeType = (text: string, line: number): number => {
    const mi = measureByName.get(text) ?? measureByName.get(text.trim());
    if (mi === undefined) throw new InputError(file, line, 'Crime type', 'one of the 14 police.uk crime types (e.g. "Burglary", "Anti-social behaviour")', text);
    return mi;
  };

  /** Checks and places a place seen for the first time (on `line`): its index, or NO_LOCATION. */
  const newPlace = (key: string, lonText: string, latText: string, lsoaText: string, line: number): number => {
    const lsoa = lsoaText.trim();
    const p = lonText !== '' || latText !== '' ? parsePoint(file, line, ['Longitude', 'Latitude'], lonText, latText) : null;
    if (!p && !lsoa) return NO_LOCATION;
    if (lsoa && !firstLineOfLsoa.has(lsoa)) {
      // Malformed codes are refused, not counted silently as out of area.
      if (!POLICE_UK_LSOA_CODE.test(lsoa) && !(checks.syntheticCodes && SYNTHETIC_CODE.lsoa.test(lsoa)))
        throw new InputError(
          file,
          line,
          'LSOA code',
          SYNTHETIC_CODE.lsoa.test(lsoa) ? SYNTHETIC_REFUSED : 'an LSOA code: E01 or W01 and 6 digits (e.g. E01017983), or blank',
          lsoaText,
        );
      firstLineOfLsoa.set(lsoa, line);
    }
    const index = placeLsoa.length;
    placeLsoa.push(lsoa);
    placeLon.push(p ? p[0] : NaN);
    placeLat.push(p ? p[1] : NaN);
    if ((index + 1) * M > placeCounts.length) {
      const grown = new Int32Array(placeCounts.length * 2);
      grown.set(placeCounts);
      placeCounts = grown;
    }
    places.set(key, index);
    return index;
  };

  const count = (place: number, mi: number) => {
    if (place === NO_LOCATION) noLocation[mi]!++;
    else placeCounts[place * M + mi]!++;
  };

  // Comma positions of the line being read (the fast path).
  const commas = new Int32Array(11);

  const read = await readCsv(
    path,
    () => {
      rowsRead = 0;
      places.clear();
      placeLsoa = [];
      placeLon = [];
      placeLat = [];
      placeCounts.fill(0);
      firstLineOfLsoa.clear();
      noLocation.fill(0);
      reportedBy = fallsWithin = null;
      ids.clear();
      month = null;
      return {
        // The fast path: the raw line of a file without quotes, its fields found by position. Values that
        // equal the file's first month and force are compared in place, not cut out.
        line: (text, line) => {
          let c = -1;
          for (let k = 0; k < 11; k++) {
            c = text.indexOf(',', c + 1);
            if (c < 0) return false;
            commas[k] = c;
          }
          if (text.indexOf(',', c + 1) >= 0) return false; // too many fields: split, and refused there
          const c0 = commas[0]!,
            c1 = commas[1]!,
            c2 = commas[2]!,
            c3 = commas[3]!;
          rowsRead++;
          if (month === null || c1 - c0 - 1 !== 7 || !text.startsWith(month, c0 + 1)) month = checkMonth(file, line, 'Month', text.slice(c0 + 1, c1), month, checks.months);
          if (reportedBy === null || c2 - c1 - 1 !== reportedBy.length || !text.startsWith(reportedBy, c1 + 1))
            reportedBy = oneForce(line, 'Reported by', text.slice(c1 + 1, c2), reportedBy);
          if (fallsWithin === null || c3 - c2 - 1 !== fallsWithin.length || !text.startsWith(fallsWithin, c2 + 1))
            fallsWithin = oneForce(line, 'Falls within', text.slice(c2 + 1, c3), fallsWithin);
          if (c0 > 0) {
            if (text.charCodeAt(0) <= 32 || text.charCodeAt(c0 - 1) <= 32) ids.add(text.slice(0, c0).trim());
            else ids.addRange(text, 0, c0);
          }
          const ts = commas[8]! + 1,
            te = commas[9]!;
          let mi = -1;
          const candidates = typesByShape.get((te - ts) * 65536 + text.charCodeAt(ts));
          if (candidates !== undefined)
            for (const [name, i] of candidates)
              if (text.startsWith(name, ts)) {
                mi = i;
                break;
              }
          if (mi < 0) mi = crimeType(text.slice(ts, te), line);
          const c7 = commas[7]!;
          const key = text.slice(c3 + 1, c7);
          let place = places.get(key);
          if (place === undefined) place = newPlace(key, text.slice(c3 + 1, commas[4]!), text.slice(commas[4]! + 1, commas[5]!), text.slice(commas[6]! + 1, c7), line);
          count(place, mi);
          return true;
        },
        // Split records (csv-parse for quoted files; odd lines): the same checks, field by field.
        record: (f, line) => {
          rowsRead++;
          month = checkMonth(file, line, 'Month', f[1]!, month, checks.months);
          if (f[2] !== reportedBy) reportedBy = oneForce(line, 'Reported by', f[2]!, reportedBy);
          if (f[3] !== fallsWithin) fallsWithin = oneForce(line, 'Falls within', f[3]!, fallsWithin);
          const id = f[0]!;
          if (id !== '') ids.add(id.trim());
          const mi = crimeType(f[9]!, line);
          // \x01 joins: a control character, refused in any field, so keys of different fields never collide.
          const key = `${f[4]}\x01${f[5]}\x01${f[6]}\x01${f[7]}`;
          let place = places.get(key);
          if (place === undefined) place = newPlace(key, f[4]!, f[5]!, f[7]!, line);
          count(place, mi);
        },
      };
    },
    { onBytes },
  );
  if (month === null) throw new InputError(file, 2, 'Month', 'at least one data row', 'only a header row');
  const fingerprints = ids.finish();
  // Repeated Crime IDs (police.uk's own files have them: 838 in 10 of the 40 forces' January 2024 files,
  // 79 identical rows, the rest the same crime with another location or outcome): one crime, counted once,
  // as on its first row, and said in the file's summary. The same Crime ID with another crime type is
  // two crimes under one identifier, and refused.
  let repeatNote: string | undefined;
  if (ids.hasSuspects) {
    const repeats = await repeatedCrimeIds(path, ids.isSuspect);
    if (repeats.length) {
      for (const r of repeats) {
        if (r.fields[9]!.trim() !== r.firstFields[9]!.trim())
          throw new InputError(
            file,
            r.line,
            'Crime type',
            `the crime type of the first row with this Crime ID (line ${r.first}: "${r.firstFields[9]!.trim()}"): a repeated Crime ID is counted once, so it must be the same crime (Crime ID ${r.fields[0]!.trim()})`,
            r.fields[9]!,
          );
      }
      for (const r of repeats) {
        // Uncount the repeat where its row was counted: its place (as the fast path or the split path keyed it), or no location.
        const f = r.fields;
        const mi = crimeType(f[9]!, r.line);
        const counted = [places.get(`${f[4]}\x01${f[5]}\x01${f[6]}\x01${f[7]}`), places.get(`${f[4]},${f[5]},${f[6]},${f[7]}`)].find(
          (p) => p !== undefined && placeCounts[p * M + mi]! > 0,
        );
        if (counted === undefined) noLocation[mi]!--;
        else placeCounts[counted * M + mi]!--;
      }
      repeatNote = repeatedCrimeIdNote(repeats);
    }
  }
  return {
    path,
    fileName: file,
    month,
    rowsRead,
    checksum: read.checksum,
    parser: read.parser,
    reportedBy,
    fingerprints,
    ...(repeatNote ? { repeatNote } : {}),
    placeLsoa,
    placeLon: Float64Array.from(placeLon),
    placeLat: Float64Array.from(placeLat),
    placeCounts: placeCounts.slice(0, placeLsoa.length * M),
    noLocation,
    firstLineOfLsoa,
  };
}
