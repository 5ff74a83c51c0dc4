// The store port. Callers see only this interface, and every method returns a Promise, so one
// implementation (src/store/kysely.ts) serves both dialects: SQLite (the embedded default) and
// PostgreSQL (replicas). src/store/open.ts picks one. No SQL leaks out.
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

/** One Slack workspace (or Enterprise Grid org) installation, as Bolt hands it over (JSON-serialisable). */
export interface SlackInstallationRow {
  /** 'T:<team id>' or 'E:<enterprise id>' for org-wide installs. */
  installKey: string;
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  installation: unknown;
}

/** A chart a reply handed out by URL: stored so that any replica can render it on demand. */
export interface StoredChartRequest {
  id: string;
  /** The ChartRequest, as JSON. */
  request: unknown;
  createdAt: string;
  expiresAt: string;
}

/** One claimed fire of a scheduled job (the claim row that makes it fire once across replicas). */
export interface JobFire {
  job: string;
  /** The scheduled time this fire is for (ISO, UTC). */
  fireAt: string;
  claimedBy: string;
  claimedAt: string;
  reason: 'scheduled' | 'catch-up' | 'invoked' | 'once';
  finishedAt: string | null;
  ok: boolean | null;
  error: string | null;
  ms: number | null;
}

/** "Month M of source S landed (or was revised)": recorded with its release, in the same transaction. */
export interface DataEvent {
  id: number;
  kind: 'landed' | 'revised';
  source: DataSource;
  month: Month;
  releaseId: number;
  synthetic: boolean;
  at: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, for /healthz and logs, with no password: the SQLite file, or postgres://host/db. */
  readonly location: string;
  close(): Promise<void>;

  /** Runs `fn` atomically with its own handle: everything written through `tx` lands, or nothing does. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  // Geography
  upsertAreas(areas: Area[]): Promise<void>;
  areas(type?: AreaType): Promise<Area[]>;
  area(code: string): Promise<Area | undefined>;
  /** Many areas at once, keyed by code (unknown codes are absent). */
  areasByCode(codes: readonly string[]): Promise<Map<string, Area>>;
  children(code: string): Promise<Area[]>;
  /** LSOA 2011 -> LSOA 2021 (first 2021 child for splits). */
  upsertLsoa11Lookup(rows: Array<{ lsoa11: string; lsoa21: string; change: string }>): Promise<void>;
  lsoa11Lookup(): Promise<Map<string, string>>;
  /** Ward boundary GeoJSON features (WGS84), keyed by ward code; `drawing` is a simplified copy for maps. */
  upsertBoundaries(rows: Array<{ areaCode: string; geojson: string; drawing?: string | null }>): Promise<void>;
  boundaries(): Promise<Array<{ areaCode: string; geojson: string }>>;
  /** The simplified boundaries for drawing (falls back to the full one where none was made). */
  drawingBoundaries(codes: readonly string[]): Promise<Map<string, string>>;
  upsertPopulations(rows: Population[]): Promise<void>;
  population(areaCode: string): Promise<Population | undefined>;
  /** Many populations at once, keyed by area code (areas with none are absent). */
  populations(codes: readonly string[]): Promise<Map<string, Population>>;

  // Counts
  /**
   * Replaces one month of one source with `counts`, atomically, logs the release and records the data
   * event ('landed', or 'revised' when an earlier version existed). Returns `unchanged: true` when the
   * same file (same checksum) was already the current version.
   */
  replaceMonth(input: { source: DataSource; month: Month; counts: MonthlyCount[]; release: Omit<Release, 'id' | 'revision' | 'ingestedAt'> }): Promise<ReplaceResult>;
  counts(query: CountQuery): Promise<MonthlyCount[]>;
  /** Which of `query.measures` hold any count for the areas (months ignored): a small read, in no order. */
  measuresHeld(query: Omit<CountQuery, 'from' | 'to'>): Promise<string[]>;
  /** Months present, ascending. */
  months(source?: DataSource): Promise<Month[]>;
  /** Months present from real (non-synthetic) files. */
  realMonths(source?: DataSource): Promise<Month[]>;
  releases(): Promise<Release[]>;
  /** The release in force for each source and month, ascending by month. */
  currentMonths(source?: DataSource): Promise<CurrentMonth[]>;
  /** True when no monthly counts are stored yet (first start loads the fixtures). */
  isEmpty(): Promise<boolean>;
  /** Schema version after migrations. */
  schemaVersion(): Promise<number>;
  logRelease(release: Omit<Release, 'id' | 'ingestedAt' | 'revision'>): Promise<Release>;

  // Data events and their consumers
  /** Events after `afterId`, oldest first. */
  dataEvents(afterId: number, limit?: number): Promise<DataEvent[]>;
  /** The newest event id (0 when none). */
  lastDataEventId(): Promise<number>;
  /** A consumer's cursor: the last event id it has taken; `undefined` for a consumer never seen. */
  consumerCursor(consumer: string): Promise<number | undefined>;
  /** Creates a consumer's cursor at `at` unless it exists; returns the cursor in force. */
  initConsumerCursor(consumer: string, at: number): Promise<number>;
  /**
   * Moves a consumer's cursor from `from` to `to` if it still stands at `from` (compare-and-set):
   * true for the one replica that wins and must process the events between.
   */
  advanceConsumerCursor(consumer: string, from: number, to: number): Promise<boolean>;

  // Scheduled jobs
  /** Claims one fire of a job (insert-if-absent): true for exactly one caller per (job, fireAt). */
  claimJobFire(claim: { job: string; fireAt: string; claimedBy: string; reason: JobFire['reason'] }): Promise<boolean>;
  finishJobFire(done: { job: string; fireAt: string; ok: boolean; error?: string | null; ms: number }): Promise<void>;
  /** A long job says it is alive: moves its claim's time to now (only the claimant's). */
  touchJobFire(claim: { job: string; fireAt: string; claimedBy: string }): Promise<void>;
  /**
   * Takes over a claim that was abandoned (its claimant died) or failed: compare-and-set on the claim as
   * it was read, so of several replicas that find it abandoned, one takes it. Clears its outcome.
   */
  reclaimJobFire(claim: { job: string; fireAt: string; from: { claimedBy: string; claimedAt: string }; claimedBy: string; reason: JobFire['reason'] }): Promise<boolean>;
  jobFire(job: string, fireAt: string): Promise<JobFire | undefined>;
  /** The latest fire of each job, by job name. */
  lastJobFires(): Promise<Map<string, JobFire>>;

  // Local channel messages
  /** Appends a message; with an idempotency key already stored, returns that message and adds nothing. */
  appendLocalMessage(input: Omit<LocalChannelMessage, 'id'>): Promise<{ message: LocalChannelMessage; duplicate: boolean }>;
  /** Messages in id order: a channel's latest `limit` (`channel`), or all after `afterId`. */
  localMessages(query: { channel?: string; afterId?: number; limit: number }): Promise<LocalChannelMessage[]>;
  /** The newest message id, whichever replica posted it (0 when none). */
  latestLocalMessageId(): Promise<number>;

  // Slack installations (multi-workspace OAuth)
  saveSlackInstallation(row: SlackInstallationRow): Promise<void>;
  slackInstallation(installKey: string): Promise<SlackInstallationRow | undefined>;
  deleteSlackInstallation(installKey: string): Promise<void>;
  slackInstallationKeys(): Promise<string[]>;

  // Chart requests
  /** Stores a chart request under its id (an existing id is kept, with the later expiry). */
  saveChartRequest(row: StoredChartRequest): Promise<void>;
  /** The request for an id, unless it has expired by `now`. */
  chartRequest(id: string, now: Date): Promise<StoredChartRequest | undefined>;
  /** Deletes chart requests that expired before `now`; returns how many. */
  pruneChartRequests(now: Date): Promise<number>;

  /** A checksum of everything the store holds, for "nothing changed" tests. */
  contentChecksum(): Promise<string>;
}
