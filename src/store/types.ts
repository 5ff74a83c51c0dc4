// The store port. Callers see only this interface; SQLite (src/store/sqlite.ts) is the embedded
// implementation and a PostgreSQL one can sit behind the same methods later. No SQL leaks out.
import type { Month } from '../core/periods.ts';
import type { Reply } from '../core/reply.ts';

export type AreaType = 'force' | 'district' | 'ward' | 'lsoa';
export type DataSource = 'police.uk' | 'partnership';
/** How a count was placed in a ward; every ward figure can say which. */
export type WardMethod = 'point-in-polygon' | 'lsoa-best-fit' | 'partner-supplied';

export interface Area {
  code: string;
  name: string;
  type: AreaType;
  /** ward -> district, district -> force, lsoa -> best-fit ward. Null at the top. */
  parentCode: string | null;
  /** For LSOAs: the district they nest in (exact, unlike the best-fit ward). */
  districtCode?: string | null;
}

export interface Population {
  areaCode: string;
  population: number;
  year: number;
  source: string; // e.g. 'ESTIMATE: district Census 2021 totals spread over wards by LSOA count'
}

/** One aggregated monthly count. Ward rows carry how their count was placed. */
export interface MonthlyCount {
  source: DataSource;
  month: Month;
  areaType: AreaType;
  areaCode: string;
  measure: string; // taxonomy key
  count: number;
  byPolygon?: number; // ward rows: placed by point-in-polygon
  byLsoa?: number; // ward rows: placed by LSOA best-fit
  byPartner?: number; // ward rows: ward supplied by the partnership extract
  synthetic: boolean;
}

/** The data release log: one entry for each ingested file and month. */
export interface Release {
  id: number;
  source: DataSource | 'geography' | 'population';
  fileName: string;
  month: Month | null;
  rowsRead: number;
  placedByPolygon: number;
  placedByLsoa: number;
  /** Partnership rows whose ward came with the row (record-level ward_code, aggregated ward rows). */
  placedByPartner: number;
  outOfArea: number;
  unplaced: number; // 'No Location' rows: force level only
  checksum: string; // sha256 of the file bytes
  ingestedAt: string; // ISO time
  synthetic: boolean;
  /** Set when this release replaced an earlier version of the same month and source. */
  revision: { previousTotal: number; newTotal: number; previousChecksum: string } | null;
}

export interface ReplaceResult {
  release: Release | null;
  unchanged: boolean;
  /** Why nothing was written: the same file is already current, or real data exists for a synthetic month. */
  reason?: 'same-checksum' | 'real-data-exists';
}

/** The release currently in force for one source and month. */
export interface CurrentMonth {
  source: DataSource;
  month: Month;
  releaseId: number;
  checksum: string;
  total: number;
  synthetic: boolean;
}

export interface CountQuery {
  areaCodes: string[];
  measures: string[];
  source?: DataSource;
  from?: Month;
  to?: Month;
}

/** A message the local platform delivered to a local channel. */
export interface LocalChannelMessage {
  id: number;
  channel: string;
  reply: Reply;
  postedAt: string; // ISO time
  idempotencyKey: string | null;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  close(): void;

  /** Runs `fn` atomically: everything it writes lands, or nothing does. */
  transaction<T>(fn: () => T): T;

  // Geography
  upsertAreas(areas: Area[]): void;
  areas(type?: AreaType): Area[];
  area(code: string): Area | undefined;
  children(code: string): Area[];
  /** LSOA 2011 -> LSOA 2021 (first 2021 child for splits). */
  upsertLsoa11Lookup(rows: Array<{ lsoa11: string; lsoa21: string; change: string }>): void;
  lsoa11Lookup(): Map<string, string>;
  /** Ward boundary GeoJSON features (WGS84), keyed by ward code. */
  upsertBoundaries(rows: Array<{ areaCode: string; geojson: string }>): void;
  boundaries(): Array<{ areaCode: string; geojson: string }>;
  upsertPopulations(rows: Population[]): void;
  population(areaCode: string): Population | undefined;

  // Counts
  /**
   * Replaces one month of one source with `counts`, atomically, and logs the release.
   * Returns the release as recorded (with its revision when an earlier version existed), or
   * `unchanged: true` when the same file (same checksum) was already the current version.
   */
  replaceMonth(input: {
    source: DataSource;
    month: Month;
    counts: MonthlyCount[];
    release: Omit<Release, 'id' | 'revision' | 'ingestedAt'>;
  }): ReplaceResult;
  counts(query: CountQuery): MonthlyCount[];
  /** Months present, ascending. */
  months(source?: DataSource): Month[];
  /** Months present from real (non-synthetic) files. */
  realMonths(source?: DataSource): Month[];
  releases(): Release[];
  /** The release in force for each source and month, ascending by month. */
  currentMonths(source?: DataSource): CurrentMonth[];
  /** True when no monthly counts are stored yet (first start loads the fixtures). */
  isEmpty(): boolean;
  /** Schema version after migrations. */
  schemaVersion(): number;
  logRelease(release: Omit<Release, 'id' | 'ingestedAt' | 'revision'>): Release;

  // Local channel messages
  /** Appends a message; with an idempotency key already stored, returns that message and adds nothing. */
  appendLocalMessage(input: Omit<LocalChannelMessage, 'id'>): { message: LocalChannelMessage; duplicate: boolean };
  /** Messages in id order: a channel's latest `limit` (`channel`), or all after `afterId`. */
  localMessages(query: { channel?: string; afterId?: number; limit: number }): LocalChannelMessage[];

  /** A checksum of everything the store holds, for "nothing changed" tests. */
  contentChecksum(): string;
}
