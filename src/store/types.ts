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

/** Many whole series of one source at once (detection and alerting over thousands of areas). */
export interface SeriesQuery {
  areaCodes: readonly string[];
  measures: readonly string[];
  source: DataSource;
  from: Month;
  to: Month;
  /** Put the values in a SharedArrayBuffer (for worker threads to read without a copy). */
  shared?: boolean;
}

/**
 * Dense monthly counts: the count of area a, measure m, month t is
 * values[(a * measures.length + m) * months.length + t], 0 where nothing is stored.
 */
export interface CountSeries {
  areaCodes: readonly string[];
  measures: readonly string[];
  /** Every month from `from` to `to`. */
  months: Month[];
  values: Float64Array;
  /** Stored rows that were read. */
  rows: number;
}

/** A message the local platform delivered to a local channel. */
export interface LocalChannelMessage {
  id: number;
  channel: string;
  reply: Reply;
  postedAt: string; // ISO time
  idempotencyKey: string | null;
  /** A thread reply: the parent's local message id. */
  threadOf?: string | null;
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

/** A message for the outbox: written with what caused it, delivered later by the dispatcher. */
export interface NewOutboxMessage {
  /** Unique forever. A second enqueue with the same key is ignored (returns inserted: 0).
   *  Built from (rule, area, measure, month, channel, kind) for alerts, e.g.
   *  'digest:cambridge-csp:2024-05' or 'correction:cambridge-csp:2024-05:r2'. */
  idempotencyKey: string;
  /** The config channel's `name`. */
  channel: string;
  /** 'digest' | 'correction' | 'resolved' | 'reminder' | 'summary' | 'brief' | 'release-notice' ... */
  kind: string;
  /** Platform-neutral; stored as JSON. */
  reply: Reply;
  /** Post as a thread reply under the message whose idempotencyKey this is (Slack thread_ts / Teams reply). */
  threadOf?: string | null;
  /** Not delivered before this ISO instant (scheduled posts; quiet hours are applied by the dispatcher itself). */
  notBefore?: string | null;
}

/**
 * pending: waiting for its next attempt (first, or a retry after a retryable failure: lastError set);
 * sending: leased by a dispatcher; deferred: held back by quiet hours until nextAttemptAt;
 * sent: delivered (platformMessageId recorded); failed: gave up (not retryable, or out of attempts) until
 * an operator retries it.
 */
export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'deferred';
export const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'sending', 'deferred', 'failed', 'sent'];

export interface OutboxMessage {
  id: number;
  idempotencyKey: string;
  channel: string;
  kind: string;
  reply: Reply;
  threadOf: string | null;
  notBefore: string | null;
  state: OutboxState;
  /** Posts tried (reset by an operator's retry). */
  attempts: number;
  /** ISO: when the message is next due (the epoch when enqueued to go at once, or notBefore; a retry's backoff; the end of quiet hours). */
  nextAttemptAt: string;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  /** ISO: when a post was first tried; once set, a retry asks the platform whether it already arrived. */
  firstAttemptAt: string | null;
  lastError: string | null;
  platformMessageId: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface OutboxSummary {
  counts: Record<OutboxState, number>;
  /** ISO creation time of the oldest message not yet sent nor failed (pending, sending or deferred). */
  oldestUnsentAt: string | null;
}

/** Where the Teams bot can post proactively: captured from the install event and from every message. */
export interface TeamsConversationRef {
  /** The conversation's own id: a channel's (19:...@thread.tacv2, no ";messageid="), a group chat's or a 1:1 chat's. */
  conversationId: string;
  conversationType: 'channel' | 'groupChat' | 'personal';
  /** The Bot Connector endpoint for this conversation's region (https://smba.trafficmanager.net/...). */
  serviceUrl: string;
  tenantId: string | null;
  /** The bot's id in the conversation (28:<app id>). */
  botId: string;
  /** The team a channel belongs to (its General channel's id). */
  teamId: string | null;
  /** The channel's, team's or chat's name, when Teams gave one. */
  name: string | null;
  /** False once the app was removed from the team or chat. */
  installed: boolean;
  firstSeenAt: string;
  updatedAt: string;
}

/** What a watched source (the police.uk API watcher) last gave for one month: its revision baseline. */
export interface WatchedMonth {
  /** The source and its scope, e.g. 'police.uk-api:cambridgeshire'. */
  source: string;
  month: Month;
  /** sha256 over what decides the counts (never outcomes or street names, which police.uk updates monthly). */
  checksum: string;
  /** Crimes it gave (after de-duplication). */
  crimes: number;
  /** The release this fetch was ingested as; null when it only set the baseline (the month came from a file). */
  releaseId: number | null;
  fetchedAt: string;
}

// ---- Alerting (src/alerting): alert episodes, the notification log, acknowledgements, mutes ----

/**
 * firing: the condition holds (or held within the keep-firing months and is still elevated);
 * recovering: the condition has cleared, but for fewer months than the rule's keepFiring;
 * no-data: open, and this month has no data for its area and measure (missing data is never "back to normal");
 * resolved: cleared for longer than keepFiring ("back to normal" once, if it was announced);
 * withdrawn: a revised month took away the only month it fired in (a correction, if it was announced).
 */
/** `retired`: closed without a word because its rule was removed from alerts/ (never "back to normal"). */
export type AlertState = 'firing' | 'recovering' | 'no-data' | 'resolved' | 'withdrawn' | 'retired';
export const OPEN_ALERT_STATES: readonly AlertState[] = ['firing', 'recovering', 'no-data'];

/** One alert episode: a rule, an area and a measure, from the month it fired until it resolved. */
export interface AlertRecord {
  id: number;
  /** rule|area code|measure: the same alert across months and restarts. */
  fingerprint: string;
  rule: string;
  kind: string;
  severity: string;
  areaCode: string;
  areaName: string;
  measure: string;
  measureLabel: string;
  /** The partnerships whose channels it goes to (alertHistory reads by partnership). */
  partnerships: string[];
  /** First month it fired. */
  sinceMonth: Month;
  /** Latest month it was evaluated in. */
  lastMonth: Month;
  state: AlertState;
  observed: number | null;
  expected: number | null;
  upperBound: number | null;
  /** The detector's chance of a value this high (spikes, hotspots), for the wording. */
  probability: number | null;
  /**
   * The words: first line (the fact), the explanation, and why it is open without data; `hidden`, by
   * small-number threshold, the same words for a channel not cleared for small numbers (kept only when
   * the figure is a small number; alerts stored before it was kept have none).
   */
  explanation: { headline: string; sentence: string; noData?: string | null; hidden?: Record<string, { headline: string; sentence: string }> };
  resolvedMonth: Month | null;
  updatedAt: string;
}

/** One entry of the notification log: what was said (or held back) about an alert, in one channel. */
export interface AlertNotice {
  /** Unique forever: 'firing:<alert id>:<channel>', 'resolved:...', 'held:...:<mute>', 'landed:<channel>:<month>'. */
  key: string;
  alertId: number | null;
  channel: string;
  /** 'firing' | 'resolved' | 'correction' | 'held' | 'worsened' | 'landed' */
  kind: string;
  month: Month;
  /** The outbox message it went in (null: held back, nothing sent). */
  messageKey: string | null;
  /** The mute that held it back ('config:2', 'store:7'). */
  muteKey: string | null;
  observed: number | null;
  at: string;
}

export interface AlertAcknowledgement {
  id: number;
  alertId: number;
  /** Who, as the surface names them (a Slack user id, 'local', a Teams user). */
  by: string;
  at: string;
  surface: string;
  /** The alert's value when it was acknowledged: "worse" is measured from here. */
  observed: number | null;
}

/** A mute window set from chat (config mutes live in the config file). */
export interface AlertMute {
  id: number;
  channel: string | null;
  areaCode: string | null;
  measure: string | null;
  rule: string | null;
  from: string;
  until: string;
  reason: string;
  by: string;
  createdAt: string;
  /** Set when unmuted before `until`. */
  endedAt: string | null;
}

export interface AlertQuery {
  ids?: readonly number[];
  fingerprints?: readonly string[];
  states?: readonly AlertState[];
  /** Alerts that go to this partnership. */
  partnership?: string;
  /** Alerts whose lastMonth is this month or later. */
  since?: Month;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, for /healthz and logs, with no password: the SQLite file, or postgres://host/db. */
  readonly location: string;
  close(): Promise<void>;

  /** Runs `fn` atomically with its own handle: everything written through `tx` lands, or nothing does. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  /**
   * Brings the query planner's statistics up to date after a load. PostgreSQL: ANALYZE of the store's
   * tables (a freshly loaded store answered 2 to 2.5 times slower until autovacuum got round to it);
   * SQLite: nothing (its planner takes the primary keys without statistics: ANALYZE changed nothing measurable).
   */
  refreshPlannerStatistics(): Promise<void>;

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
  /**
   * The same counts as dense series (absent = 0), read in bulk: from 50 areas up, from the count packs
   * (one blob per month, measure and area type, written by replaceMonth) instead of a row per count.
   * `rows` is the stored counts read, as counts() would return them.
   */
  countSeries(query: SeriesQuery): Promise<CountSeries>;
  /**
   * Takes a month of one source out of the data (its counts and its current release; the release log
   * keeps what was ingested): for the local page's "reset" of the months "Simulate next month" added.
   * Returns whether the month was held.
   */
  removeMonth(input: { source: DataSource; month: Month }): Promise<boolean>;
  /** Which of `query.measures` hold any count for the areas (months ignored): a small read, in no order. */
  measuresHeld(query: Omit<CountQuery, 'from' | 'to'>): Promise<string[]>;
  /** Months present, ascending. */
  months(source?: DataSource): Promise<Month[]>;
  /** Months present from real (non-synthetic) files. */
  realMonths(source?: DataSource): Promise<Month[]>;
  releases(): Promise<Release[]>;
  /** The releases that replaced an earlier version of their month (`revision` set), oldest first. */
  revisedReleases(): Promise<Release[]>;
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

  // Outbox (src/service/outbox.ts delivers it)
  /** Inserts messages; keys already stored are ignored. Returns how many were new. Usable on a transaction handle. */
  enqueueOutbox(messages: NewOutboxMessage[]): Promise<{ inserted: number }>;
  /**
   * Leases up to `limit` due messages to `owner` until `leaseUntil`: pending or deferred ones whose
   * next attempt is due by `now`, and sending ones whose lease expired (their dispatcher died). Each row
   * is taken by compare-and-set on the state and lease it was read with, so of several dispatchers that
   * see it, one gets it. Oldest due first. `skipChannels`: channels this dispatcher is delivering already.
   */
  leaseOutbox(lease: { owner: string; now: string; leaseUntil: string; limit: number; skipChannels?: readonly string[] }): Promise<OutboxMessage[]>;
  /** Counts a post attempt (and stamps the first one) and extends the lease; false when `owner` no longer holds it. */
  beginOutboxAttempt(attempt: { id: number; owner: string; now: string; leaseUntil: string }): Promise<boolean>;
  /** Records delivery; false when `owner` no longer holds the lease (nothing changed then). */
  markOutboxSent(sent: { id: number; owner: string; platformMessageId: string; at: string }): Promise<boolean>;
  /**
   * Hands a leased message back: 'pending' (a retry at nextAttemptAt, or waiting for its thread's parent),
   * 'deferred' (quiet hours, until nextAttemptAt) or 'failed'. `lastError` undefined leaves it as it was.
   */
  releaseOutbox(release: { id: number; owner: string; state: 'pending' | 'deferred' | 'failed'; nextAttemptAt: string; lastError?: string | null }): Promise<boolean>;
  /** An operator's retry: a failed, deferred or pending message becomes due now with a fresh count of attempts. */
  retryOutbox(id: number, now: string): Promise<OutboxMessage | undefined>;
  outboxMessage(id: number): Promise<OutboxMessage | undefined>;
  outboxByKey(idempotencyKey: string): Promise<OutboxMessage | undefined>;
  /** Messages in the given states (all when omitted), oldest first. */
  outboxMessages(query: { states?: readonly OutboxState[]; channel?: string; limit?: number }): Promise<OutboxMessage[]>;
  outboxSummary(): Promise<OutboxSummary>;

  // Data watcher (src/watcher)
  /** What a watched source last gave for each month, ascending by month. */
  watchedMonths(source: string): Promise<WatchedMonth[]>;
  /** Records (or replaces) what a watched source gave for a month. */
  recordWatchedMonth(row: WatchedMonth): Promise<void>;

  // Teams conversation references (proactive posts) and link-signing secrets
  /** Records (or refreshes) a conversation reference; a name or team already known is kept when the new one has none. */
  saveTeamsConversation(ref: Omit<TeamsConversationRef, 'firstSeenAt'>): Promise<void>;
  teamsConversation(conversationId: string): Promise<TeamsConversationRef | undefined>;
  /** Every known conversation, by id. */
  teamsConversations(): Promise<TeamsConversationRef[]>;
  /** The app was removed: the reference stays (for the operator to see) but is marked not installed. */
  markTeamsConversationRemoved(conversationId: string, at: string): Promise<void>;
  /** A secret for signing links, the same on every replica: the first caller's `candidate` is stored and returned to all. */
  linkSecret(name: string, candidate: string): Promise<string>;

  // Alerting (src/alerting)
  /** Inserts or updates alert episodes by (fingerprint, sinceMonth); returns them with their ids. */
  saveAlerts(rows: Array<Omit<AlertRecord, 'id' | 'updatedAt'>>): Promise<AlertRecord[]>;
  alerts(query?: AlertQuery): Promise<AlertRecord[]>;
  /** A partnership's alerts evaluated in `since` or later, newest first, with who acknowledged them (for briefs). */
  alertHistory(query: { partnership: string; since: Month }): Promise<Array<AlertRecord & { acknowledgements: AlertAcknowledgement[] }>>;
  /** Appends notification-log entries; a key already there is ignored (returns inserted: 0 for it). */
  recordAlertNotices(rows: Array<Omit<AlertNotice, 'at'> & { at?: string }>): Promise<{ inserted: number }>;
  alertNotices(query: { alertIds?: readonly number[]; channel?: string; kinds?: readonly string[]; keys?: readonly string[] }): Promise<AlertNotice[]>;
  /**
   * Records who acknowledged an alert (the Acknowledge button on every surface calls this). Undefined
   * when there is no such alert. Reminders for it stop until it resolves or gets worse.
   */
  acknowledgeAlert(input: { alertId: number; by: string; at: string; surface: string }): Promise<{ alert: AlertRecord; acknowledgement: AlertAcknowledgement } | undefined>;
  alertAcknowledgements(alertIds: readonly number[]): Promise<AlertAcknowledgement[]>;
  addAlertMute(mute: Omit<AlertMute, 'id' | 'createdAt' | 'endedAt'>): Promise<AlertMute>;
  /** Ends a mute early (unmute); undefined when there is none with that id. */
  endAlertMute(id: number, at: string): Promise<AlertMute | undefined>;
  /** Chat mutes: those in force at `activeAt`, or all (ended ones too) without it. */
  alertMutes(query?: { activeAt?: string }): Promise<AlertMute[]>;

  /** A checksum of everything the store holds, for "nothing changed" tests. */
  contentChecksum(): Promise<string>;
}
