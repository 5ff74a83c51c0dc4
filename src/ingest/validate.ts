// What ingest refuses as nonsense, in one place: the month range, plausible counts and populations,
// ONS code patterns by area type, control characters, decimal numbers, and exact duplicate detection of
// row identifiers (police.uk Crime IDs, partnership record ids) at low cost on the hot path.
import { ENGLAND_AND_WALES_DISTRICTS, forceDistrictCountBound } from '../config/force-area.ts';
import type { Config } from '../config/schema.ts';
import { InputError } from '../core/errors.ts';
import type { Month } from '../core/periods.ts';
import type { AreaType } from '../store/types.ts';

/** police.uk street-level data begins with December 2010: nothing real is older. */
export const FIRST_POLICE_UK_MONTH: Month = '2010-12';

/** The months a file may hold: from police.uk's first month to the month containing today. */
export interface MonthRange {
  first: Month;
  last: Month;
}

/** The month containing `now` in `timeZone` (a UK partnership's month turns at UK midnight). */
export function monthContaining(now: Date, timeZone = 'Europe/London'): Month {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(now);
  const year = parts.find((p) => p.type === 'year')!.value;
  const month = parts.find((p) => p.type === 'month')!.value;
  return `${year}-${month}`;
}

export function monthRangeAt(now: Date, timeZone?: string): MonthRange {
  return { first: FIRST_POLICE_UK_MONTH, last: monthContaining(now, timeZone) };
}

/**
 * The largest count one row of an aggregated partnership extract may give (one area, one measure, one
 * month). Defaults are a few times the busiest real areas in England and Wales: the Metropolitan Police
 * records about 20,000 violent crimes a month (ASB peaked near 60,000 in April 2020), the busiest
 * districts (Westminster, Birmingham) a few thousand of one type, a West End ward about 1,500 thefts and
 * its busiest LSOAs several hundred. Configurable as `ingest.maxMonthlyCount` in the config.
 */
export const DEFAULT_MAX_MONTHLY_COUNT: Record<AreaType, number> = { force: 250_000, district: 50_000, ward: 10_000, lsoa: 5_000 };

/**
 * The largest plausible resident population by area type (defaults: `ingest.maxPopulation` in the config
 * overrides them, and the force area's scales with its districts, see forceAreaBound). LSOAs are built for 1,000 to 3,000 residents (Census 2021's largest are under 10,000);
 * the largest wards in England and Wales have about 35,000; the largest district, Birmingham, 1.14
 * million; the largest single police force's area, the Metropolitan Police's London, 8.8 million. Each bound is about
 * twice the largest real figure, so a wrong column or an extra digit or two is caught, not a real area.
 * A population of 0 is refused everywhere: every rate would divide by it.
 */
export const MAX_POPULATION: Record<AreaType, number> = { lsoa: 25_000, ward: 100_000, district: 2_000_000, force: 15_000_000 };

/**
 * The bounds for England and Wales as one force area (a national deployment, `districts: all`): twice
 * the Census 2021 population (59.6 million), and three times police.uk's whole national month (about
 * 500,000 street-level rows, every crime type and ASB together), which no single measure can exceed.
 */
export const NATIONAL_MAX_POPULATION = 120_000_000;
export const NATIONAL_MAX_MONTHLY_COUNT = 1_500_000;

/**
 * A force-area bound that scales with the area: the single-force bound, or the national bound in
 * proportion to the area's share of England and Wales's districts, whichever is larger. One police
 * force (the Met's 33 districts at most) keeps the single-force bound; `districts: all` gets the national one.
 */
export function forceAreaBound(singleForce: number, national: number, districts: number): number {
  return Math.max(singleForce, Math.ceil((national * Math.min(districts, ENGLAND_AND_WALES_DISTRICTS)) / ENGLAND_AND_WALES_DISTRICTS));
}

/** Why a bound is what it is, for a refusal: which area it is for and the config key that changes it. */
export function boundReason(type: AreaType, checks: Pick<IngestChecks, 'forceDistricts'>, key: 'maxPopulation' | 'maxMonthlyCount'): string {
  const scope =
    type === 'force'
      ? `the force area, ${checks.forceDistricts === ENGLAND_AND_WALES_DISTRICTS ? 'England and Wales' : `${checks.forceDistricts} district${checks.forceDistricts === 1 ? '' : 's'}`}`
      : `a ${type}`;
  return `a plausible bound for ${scope}; set ingest.${key}.${type} in the config if your area really has more`;
}

/** Checks an ingest applies, built once per invocation. */
export interface IngestChecks {
  months: MonthRange;
  /** Per area type; the force area's scales with its districts (forceAreaBound). */
  maxMonthlyCount: Record<AreaType, number>;
  /** Per area type; the force area's scales with its districts (forceAreaBound). */
  maxPopulation: Record<AreaType, number>;
  /** The districts the force-area bounds were scaled for (England and Wales's count for `districts: all`). */
  forceDistricts: number;
  /** Accept SYNTHETIC_CODE area codes (the config's `syntheticGeography`). */
  syntheticCodes: boolean;
}

export function ingestChecks(config: Config | null | undefined, now: Date = new Date()): IngestChecks {
  const forceDistricts = forceDistrictCountBound(config);
  const bounds = (defaults: Record<AreaType, number>, national: number, configured: Partial<Record<AreaType, number>> | undefined) =>
    Object.fromEntries(
      Object.entries(defaults).map(([type, n]) => [type, configured?.[type as AreaType] ?? (type === 'force' ? forceAreaBound(n, national, forceDistricts) : n)]),
    ) as Record<AreaType, number>;
  return {
    syntheticCodes: config?.syntheticGeography === true,
    months: monthRangeAt(now, config?.timezone),
    maxMonthlyCount: bounds(DEFAULT_MAX_MONTHLY_COUNT, NATIONAL_MAX_MONTHLY_COUNT, config?.ingest?.maxMonthlyCount),
    maxPopulation: bounds(MAX_POPULATION, NATIONAL_MAX_POPULATION, config?.ingest?.maxPopulation),
    forceDistricts,
  };
}

// ---- ONS (GSS) codes by area type: a letter, a two-digit entity code and six digits ----

/** LSOA 2011 and 2021 codes (England E01, Wales W01). */
export const LSOA_CODE = /^[EW]01\d{6}$/;
/** Electoral wards (England E05, Wales W05; Scotland S13 and Northern Ireland N08 appear in UK-wide ONS ward lists). */
export const WARD_CODE = /^(?:E05|W05|S13|N08)\d{6}$/;
/** Local authority districts: English unitaries E06, non-metropolitan E07, metropolitan E08, London boroughs E09, Welsh W06 (Scotland S12, NI N09). */
export const DISTRICT_CODE = /^(?:E0[6-9]|W06|S12|N09)\d{6}$/;
/** An LSOA code in a police.uk file: England and Wales, or a Northern Ireland GSS code (PSNI's rows). */
export const POLICE_UK_LSOA_CODE = /^(?:[EW]01\d{6}|N\d{8})$/;

/**
 * The synthetic geography's codes (`wardwatch synth --scale national`): X, the ONS entity code, 6 digits.
 * ONS issues no X code, so these can never be taken for real areas; ingest accepts them only when the
 * config says `syntheticGeography: true` (IngestChecks.syntheticCodes), and refuses them otherwise.
 */
export const SYNTHETIC_CODE = { lsoa: /^X01\d{6}$/, ward: /^X05\d{6}$/, district: /^X06\d{6}$/ } as const;
export const SYNTHETIC_REFUSED =
  'a real ONS code: X-prefixed codes are synthetic (wardwatch synth --scale national) and are accepted only with syntheticGeography: true in the config';

export const CODE_EXPECTED = {
  lsoa: 'an LSOA code: E01 or W01 and 6 digits, e.g. E01017983',
  ward: 'a ward code: E05 or W05 (S13, N08) and 6 digits, e.g. E05013057',
  district: 'a district code: E06, E07, E08, E09 or W06 (S12, N09) and 6 digits, e.g. E07000008',
} as const;

// ---- numbers ----

/** A plain decimal: optional sign, digits, optional fraction. No hex, exponents, Infinity or separators. */
export const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
/** DECIMAL.test(s), by hand (on the hot path of every new map point). */
export function isPlainDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  if (n > 0 && (s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43)) i = 1; // - or +
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

/** A whole number written in digits. */
export const WHOLE = /^\d+$/;

// ---- control characters ----

/** C0 controls other than tab, line feed and carriage return; DEL; C1 controls. NUL included. */
export const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/;

/** A field's text with control characters made visible (`\u0000`), for an error message. */
export function showControls(text: string): string {
  return text.replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const CONTROL_EXPECTED = 'text without control characters (no NUL bytes, no U+0000-U+001F other than tab, no U+007F-U+009F)';

/** The InputError for the first field of a record holding a control character (null when there is none). */
export function controlCharacterError(file: string, line: number, header: readonly string[] | null, fields: readonly string[]): InputError | null {
  for (let i = 0; i < fields.length; i++) {
    if (CONTROL.test(fields[i]!)) return new InputError(file, line, header ? (header[i] ?? `column ${i + 1}`) : `column ${i + 1}`, CONTROL_EXPECTED, showControls(fields[i]!));
  }
  return null;
}

// ---- identifiers that must be unique: 64-bit fingerprints, confirmed exactly ----

// The two halves of the last fingerprint computed by hash() (module slots rather than an array: this
// runs once per row of a police.uk file).
let H1 = 0;
let H2 = 0;

/**
 * Two 32-bit hashes of a string (FNV-1a and a multiplicative variant, each finalised with murmur's
 * fmix32), of its length and of its characters; a string longer than 24 characters is hashed by its
 * first and last 8 (a police.uk Crime ID is 64 hex digits of SHA-256: 16 of them carry 64 random bits,
 * as many as the fingerprint holds). Two different identifiers may share a fingerprint (more often for
 * long identifiers that differ only in the middle): callers confirm every match exactly.
 */
function hash(s: string, start = 0, end = s.length): void {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9747b28c | 0;
  const n = end - start;
  if (n <= 24) {
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
  } else {
    for (let i = start; i < start + 8; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    for (let i = end - 8; i < end; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
  }
  H1 = fmix(h1 ^ n) >>> 0;
  H2 = fmix(h2 ^ n) >>> 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A fingerprint as one unsigned 64-bit value, as Fingerprints keeps it. */
export function fingerprint64(s: string): bigint {
  hash(s);
  return (BigInt(H1) << 32n) | BigInt(H2);
}

/**
 * The identifiers of one file, kept as 64-bit fingerprints (8 bytes each, appended in order: cheap on
 * the hot path; not the strings, which would keep their whole read chunks alive). `finish()` sorts them,
 * and fingerprints seen more than once become suspects: the caller reads the file again and compares
 * the suspects' identifiers exactly (firstRealDuplicate()). Every identifier with a suspect fingerprint
 * is compared, so a real duplicate is never missed, and two different identifiers that happen to share
 * a fingerprint are never refused.
 */
export class Fingerprints {
  /** (low, high) word pairs: the little-endian layout of a BigUint64Array over the same buffer. */
  private words = new Uint32Array(2 * 4096);
  private big: BigUint64Array | null = null;
  size = 0;
  /** Fingerprints seen more than once, as "high:low" (after finish()). */
  private readonly suspects = new Set<string>();

  add(s: string): void {
    this.addRange(s, 0, s.length);
  }

  /** add(s.slice(start, end)) without making the slice (the police.uk fast path). */
  addRange(s: string, start: number, end: number): void {
    hash(s, start, end);
    if (2 * this.size === this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[2 * this.size] = H2;
    this.words[2 * this.size + 1] = H1;
    this.size++;
  }

  /** The fingerprints, ascending, as unsigned 64-bit values (computed once); finds the suspects. */
  finish(): BigUint64Array {
    if (this.big) return this.big;
    let big: BigUint64Array;
    if (LITTLE_ENDIAN) big = new BigUint64Array(this.words.buffer, 0, this.size);
    else {
      big = new BigUint64Array(this.size);
      for (let i = 0; i < this.size; i++) big[i] = (BigInt(this.words[2 * i + 1]!) << 32n) | BigInt(this.words[2 * i]!);
    }
    big.sort();
    for (let i = 1; i < big.length; i++) if (big[i] === big[i - 1]) this.suspects.add(String(big[i]));
    // Keep only what is used: a copy of the right length (the growable buffer is up to twice as large).
    this.big = big.length * 2 < this.words.length / 2 ? big.slice() : big;
    this.words = new Uint32Array(0);
    return this.big;
  }

  /** True when some fingerprint was seen more than once (after finish()). */
  get hasSuspects(): boolean {
    return this.suspects.size > 0;
  }

  /** True when `s` has a suspect fingerprint (for the exact comparison). */
  isSuspect = (s: string): boolean => this.suspects.size > 0 && this.suspects.has(String(fingerprint64(s)));

  clear(): void {
    this.words = new Uint32Array(2 * 4096);
    this.big = null;
    this.size = 0;
    this.suspects.clear();
  }
}

/** Fingerprints present in both ascending arrays. */
export function commonFingerprints(a: BigUint64Array, b: BigUint64Array): bigint[] {
  const out: bigint[] = [];
  let i = 0,
    j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!,
      y = b[j]!;
    if (x < y) i++;
    else if (x > y) j++;
    else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}
