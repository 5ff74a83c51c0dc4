// The one Store implementation, on kysely 0.28 (the last release for Node 20), for both dialects:
// SQLite through better-sqlite3 (the embedded default) and PostgreSQL through a pg pool (replicas).
// The queries are the same for both; the dialects differ only in their migration lists
// (migrations.ts), in how the migration lock is taken, and in how a row is numbered on insert.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { monthRange, type Month } from '../core/periods.ts';
import { inReadMemo, memoRead } from '../core/read-memo.ts';
import { MIGRATIONS, PG_MIGRATIONS, type Migration } from './migrations.ts';
import { addOrdinal, buildPacks, missingOrdinals, ordinalOf, placePack, queryAreaIndex, type OrdinalIndex } from './packs.ts';
import { redactUrl } from './url.ts';
import type {
  Area,
  AreaType,
  CountQuery,
  CountSeries,
  SeriesQuery,
  CurrentMonth,
  DataEvent,
  DataSource,
  JobFire,
  LocalChannelMessage,
  MonthlyCount,
  NewOutboxMessage,
  OutboxMessage,
  OutboxState,
  OutboxSummary,
  Population,
  Release,
  ReplaceResult,
  SlackInstallationRow,
  Store,
  StoredChartRequest,
  TeamsConversationRef,
  WatchedMonth,
  AlertAcknowledgement,
  AlertMute,
  AlertNotice,
  AlertQuery,
  AlertRecord,
} from './types.ts';

// ---- the schema as kysely sees it ----

interface AreasTable {
  code: string;
  name: string;
  type: AreaType;
  parent_code: string | null;
  district_code: string | null;
}
interface CountsTable {
  area_code: string;
  measure: string;
  source: DataSource;
  month: Month;
  area_type: AreaType;
  count: number;
  by_polygon: number;
  by_lsoa: number;
  by_partner: number;
  synthetic: number;
}
interface ReleasesTable {
  id: GeneratedId;
  source: Release['source'];
  file_name: string;
  month: Month | null;
  rows_read: number;
  placed_by_polygon: number;
  placed_by_lsoa: number;
  placed_by_partner: number;
  out_of_area: number;
  unplaced: number;
  checksum: string;
  ingested_at: string;
  synthetic: number;
  revision_previous_total: number | null;
  revision_new_total: number | null;
  revision_previous_checksum: string | null;
}
interface CurrentMonthsTable {
  source: DataSource;
  month: Month;
  release_id: number;
  checksum: string;
  total: number;
  synthetic: number;
}
interface LocalMessagesTable {
  id: GeneratedId;
  channel: string;
  reply: string;
  posted_at: string;
  idempotency_key: string | null;
  thread_of: string | null;
}
interface OutboxTable {
  id: GeneratedId;
  idempotency_key: string;
  channel: string;
  kind: string;
  reply: string;
  thread_of: string | null;
  not_before: string | null;
  state: OutboxState;
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  first_attempt_at: string | null;
  last_error: string | null;
  platform_message_id: string | null;
  created_at: string;
  sent_at: string | null;
}
interface DataEventsTable {
  id: GeneratedId;
  kind: DataEvent['kind'];
  source: DataSource;
  month: Month;
  release_id: number;
  synthetic: number;
  at: string;
}
interface JobFiresTable {
  job: string;
  fire_at: string;
  claimed_by: string;
  claimed_at: string;
  reason: JobFire['reason'];
  finished_at: string | null;
  ok: number | null;
  error: string | null;
  ms: number | null;
}
/** A column the database numbers itself: never written, always read. */
type GeneratedId = import('kysely').Generated<number>;

interface DB extends AlertingTables {
  schema_migrations: { version: number; name: string; applied_at: string };
  areas: AreasTable;
  lsoa11_lookup: { lsoa11: string; lsoa21: string; change: string };
  boundaries: { area_code: string; geojson: string; drawing_geojson: string | null };
  populations: { area_code: string; population: number; year: number; source: string };
  counts: CountsTable;
  area_ordinals: { ordinal: GeneratedId; area_code: string; area_type: string };
  count_packs: { source: DataSource; month: Month; measure: string; area_type: string; entries: number; cells: Uint8Array };
  releases: ReleasesTable;
  current_months: CurrentMonthsTable;
  local_messages: LocalMessagesTable;
  slack_installations: {
    install_key: string;
    team_id: string | null;
    enterprise_id: string | null;
    is_enterprise_install: number;
    installation: string;
    installed_at: string;
    updated_at: string;
  };
  data_events: DataEventsTable;
  consumer_cursors: { consumer: string; last_event_id: number; updated_at: string };
  job_fires: JobFiresTable;
  chart_requests: { id: string; request: string; created_at: string; expires_at: string };
  watcher_months: { source: string; month: Month; checksum: string; crimes: number; release_id: number | null; fetched_at: string };
  outbox: OutboxTable;
  teams_conversations: {
    conversation_id: string;
    conversation_type: TeamsConversationRef['conversationType'];
    service_url: string;
    tenant_id: string | null;
    bot_id: string;
    team_id: string | null;
    name: string | null;
    installed: number;
    first_seen_at: string;
    updated_at: string;
  };
  link_secrets: { name: string; secret: string; created_at: string };
}

// alerting (migration 5)
interface AlertsTable {
  id: GeneratedId;
  fingerprint: string;
  rule: string;
  kind: string;
  severity: string;
  area_code: string;
  area_name: string;
  measure: string;
  measure_label: string;
  partnerships: string;
  since_month: Month;
  last_month: Month;
  state: AlertRecord['state'];
  observed: number | null;
  expected: number | null;
  upper_bound: number | null;
  probability: number | null;
  explanation: string;
  resolved_month: Month | null;
  updated_at: string;
}
interface AlertingTables {
  alerts: AlertsTable;
  alert_notices: {
    notice_key: string;
    alert_id: number | null;
    channel: string;
    kind: string;
    month: Month;
    message_key: string | null;
    mute_key: string | null;
    observed: number | null;
    at: string;
  };
  alert_acknowledgements: { id: GeneratedId; alert_id: number; ack_by: string; at: string; surface: string; observed: number | null };
  alert_mutes: {
    id: GeneratedId;
    channel: string | null;
    area_code: string | null;
    measure: string | null;
    rule: string | null;
    from_at: string;
    until_at: string;
    reason: string;
    mute_by: string;
    created_at: string;
    ended_at: string | null;
  };
}

type AlertRow = Omit<AlertsTable, 'id'> & { id: number };
function toAlert(r: AlertRow): AlertRecord {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(r.id),
    fingerprint: r.fingerprint,
    rule: r.rule,
    kind: r.kind,
    severity: r.severity,
    areaCode: r.area_code,
    areaName: r.area_name,
    measure: r.measure,
    measureLabel: r.measure_label,
    partnerships: r.partnerships.split(',').filter(Boolean),
    sinceMonth: r.since_month,
    lastMonth: r.last_month,
    state: r.state,
    observed: num(r.observed),
    expected: num(r.expected),
    upperBound: num(r.upper_bound),
    probability: num(r.probability),
    explanation: JSON.parse(r.explanation) as AlertRecord['explanation'],
    resolvedMonth: r.resolved_month,
    updatedAt: r.updated_at,
  };
}

function toAck(r: { id: number; alert_id: number; ack_by: string; at: string; surface: string; observed: number | null }): AlertAcknowledgement {
  return { id: Number(r.id), alertId: Number(r.alert_id), by: r.ack_by, at: r.at, surface: r.surface, observed: r.observed === null ? null : Number(r.observed) };
}

function toMute(r: Omit<AlertingTables['alert_mutes'], 'id'> & { id: number }): AlertMute {
  return {
    id: Number(r.id),
    channel: r.channel,
    areaCode: r.area_code,
    measure: r.measure,
    rule: r.rule,
    from: r.from_at,
    until: r.until_at,
    reason: r.reason,
    by: r.mute_by,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

type Executor = Kysely<DB> | Transaction<DB>;

const AREA_TYPE_RANK: Record<AreaType, number> = { force: 0, district: 1, ward: 2, lsoa: 3 };
/** Bound parameters per statement: longer IN lists go in batches (SQLite allows 32,766, PostgreSQL 65,535). */
const MAX_BOUND = 2000;
/** Rows per multi-row INSERT (10 columns x 500 stays well under both limits). */
const INSERT_CHUNK = 500;

/** next_attempt_at of a message enqueued without notBefore. */
const DUE_AT_ONCE = new Date(0).toISOString();

/** The total a revision reports: the sum of the coarsest level present (force, else district, ...). */
export function monthTotal(counts: readonly MonthlyCount[]): number {
  let rank = Infinity;
  for (const c of counts) rank = Math.min(rank, AREA_TYPE_RANK[c.areaType]);
  let total = 0;
  for (const c of counts) if (AREA_TYPE_RANK[c.areaType] === rank) total += c.count;
  return total;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toArea(r: AreasTable): Area {
  const a: Area = { code: r.code, name: r.name, type: r.type, parentCode: r.parent_code };
  if (r.type === 'lsoa') a.districtCode = r.district_code;
  return a;
}

function toCount(r: CountsTable): MonthlyCount {
  return r.area_type === 'ward'
    ? {
        source: r.source,
        month: r.month,
        areaType: 'ward',
        areaCode: r.area_code,
        measure: r.measure,
        count: r.count,
        byPolygon: r.by_polygon,
        byLsoa: r.by_lsoa,
        byPartner: r.by_partner,
        synthetic: r.synthetic === 1,
      }
    : { source: r.source, month: r.month, areaType: r.area_type, areaCode: r.area_code, measure: r.measure, count: r.count, synthetic: r.synthetic === 1 };
}

type ReleaseRow = Omit<ReleasesTable, 'id'> & { id: number };
function toRelease(r: ReleaseRow): Release {
  return {
    id: Number(r.id),
    source: r.source,
    fileName: r.file_name,
    month: r.month,
    rowsRead: r.rows_read,
    placedByPolygon: r.placed_by_polygon,
    placedByLsoa: r.placed_by_lsoa,
    placedByPartner: r.placed_by_partner,
    outOfArea: r.out_of_area,
    unplaced: r.unplaced,
    checksum: r.checksum,
    ingestedAt: r.ingested_at,
    synthetic: r.synthetic === 1,
    revision:
      r.revision_new_total === null
        ? null
        : { previousTotal: r.revision_previous_total ?? 0, newTotal: r.revision_new_total, previousChecksum: r.revision_previous_checksum ?? '' },
  };
}

function toLocalMessage(r: { id: number; channel: string; reply: string; posted_at: string; idempotency_key: string | null; thread_of: string | null }): LocalChannelMessage {
  return {
    id: Number(r.id),
    channel: r.channel,
    reply: JSON.parse(r.reply) as LocalChannelMessage['reply'],
    postedAt: r.posted_at,
    idempotencyKey: r.idempotency_key,
    threadOf: r.thread_of ?? null,
  };
}

function toOutboxMessage(r: Omit<OutboxTable, 'id'> & { id: number }): OutboxMessage {
  return {
    id: Number(r.id),
    idempotencyKey: r.idempotency_key,
    channel: r.channel,
    kind: r.kind,
    reply: JSON.parse(r.reply) as OutboxMessage['reply'],
    threadOf: r.thread_of,
    notBefore: r.not_before,
    state: r.state,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    firstAttemptAt: r.first_attempt_at,
    lastError: r.last_error,
    platformMessageId: r.platform_message_id,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

function toJobFire(r: JobFiresTable): JobFire {
  return {
    job: r.job,
    fireAt: r.fire_at,
    claimedBy: r.claimed_by,
    claimedAt: r.claimed_at,
    reason: r.reason,
    finishedAt: r.finished_at,
    ok: r.ok === null ? null : r.ok === 1,
    error: r.error,
    ms: r.ms === null ? null : Number(r.ms),
  };
}

function toDataEvent(r: Omit<DataEventsTable, 'id'> & { id: number }): DataEvent {
  return { id: Number(r.id), kind: r.kind, source: r.source, month: r.month, releaseId: Number(r.release_id), synthetic: r.synthetic === 1, at: r.at };
}

/** The store over one kysely executor: the database, or a transaction's handle. */
let nextMemoId = 1;

export class KyselyStore implements Store {
  /** Tells this store's entries in a read memo from another store's (tests open several in one process). */
  private readonly memoId = nextMemoId++;

  constructor(
    readonly kind: 'sqlite' | 'postgres',
    readonly location: string,
    protected readonly db: Executor,
    private readonly root: Kysely<DB> | null,
    private readonly onClose: () => Promise<void>,
    /** SQLite: the connection under kysely, for bulk writes (writeCounts) inside its transactions. */
    protected readonly sqliteConnection?: Database.Database,
    /** Committed area ordinals (packs), shared with this store's transactions; see writePacks. */
    private readonly ordinals: OrdinalCache = { index: new Map(), size: 0 },
    /** Reads kept between answers for one data version (see kept), shared with this store's transactions. */
    private readonly keptReads: KeptReads = { generation: null, writes: 0 },
  ) {}

  async close(): Promise<void> {
    if (this.root) await this.onClose();
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    // Already inside one: run in it (kysely has no nested transactions; savepoints are not needed here).
    if (!this.root) return fn(this);
    const writes = this.keptReads.writes;
    try {
      return await this.root
        .transaction()
        .execute((trx) => fn(new KyselyStore(this.kind, this.location, trx, null, async () => undefined, this.sqliteConnection, this.ordinals, this.keptReads)));
    } finally {
      // data written inside: what an answer read and kept meanwhile (before the commit) is dropped again
      if (this.keptReads.writes !== writes) this.dataChanged();
    }
  }

  async refreshPlannerStatistics(): Promise<void> {
    if (this.kind !== 'postgres') return;
    // The store's own tables only (its schema may share a database); ANALYZE reads a sample of each (about
    // 0.2 s on the fixture store) and blocks neither readers nor writers.
    const tables = await sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`.execute(this.db);
    if (tables.rows.length === 0) return;
    await sql`ANALYZE ${sql.join(tables.rows.map((t) => sql.id(t.tablename)))}`.execute(this.db);
  }

  async schemaVersion(): Promise<number> {
    const r = await this.db
      .selectFrom('schema_migrations')
      .select((eb) => eb.fn.max('version').as('v'))
      .executeTakeFirst();
    return Number(r?.v ?? 0);
  }

  // ---- geography ----

  async upsertAreas(areas: Area[]): Promise<void> {
    await this.inTransaction(async (db) => {
      for (const part of chunks(areas, INSERT_CHUNK)) {
        await db
          .insertInto('areas')
          .values(part.map((a) => ({ code: a.code, name: a.name, type: a.type, parent_code: a.parentCode, district_code: a.districtCode ?? null })))
          .onConflict((oc) =>
            oc.column('code').doUpdateSet((eb) => ({
              name: eb.ref('excluded.name'),
              type: eb.ref('excluded.type'),
              parent_code: eb.ref('excluded.parent_code'),
              district_code: eb.ref('excluded.district_code'),
            })),
          )
          .execute();
      }
      await raiseDataVersion(db);
    });
    this.dataChanged();
  }

  async areas(type?: AreaType): Promise<Area[]> {
    let q = this.db.selectFrom('areas').selectAll();
    if (type) q = q.where('type', '=', type);
    return (await q.orderBy('code').execute()).map(toArea);
  }

  async area(code: string): Promise<Area | undefined> {
    return this.kept(
      `area:${code}`,
      async () => {
        const r = await this.db.selectFrom('areas').selectAll().where('code', '=', code).executeTakeFirst();
        return r ? toArea(r) : undefined;
      },
      (a) => (a ? { ...a } : undefined),
    );
  }

  async areasByCode(codes: readonly string[]): Promise<Map<string, Area>> {
    return this.keptByCode('areasByCode', codes, async (part) =>
      (await this.db.selectFrom('areas').selectAll().where('code', 'in', part).execute()).map((r) => [r.code, toArea(r)]),
    );
  }

  /** A read by area code (in chunks of bound parameters), kept as one read for the codes together (see kept). */
  private keptByCode<V extends object>(name: string, codes: readonly string[], readPart: (part: string[]) => Promise<Array<[string, V]>>): Promise<Map<string, V>> {
    const unique = [...new Set(codes)].sort();
    return this.kept(
      `${name}:${unique.join(',')}`,
      async () => {
        const out = new Map<string, V>();
        for (const part of chunks(unique, MAX_BOUND)) for (const [code, value] of await readPart(part)) out.set(code, value);
        return out;
      },
      (values) => new Map([...values].map(([code, v]) => [code, { ...v }])),
    );
  }

  async children(code: string): Promise<Area[]> {
    return this.kept(
      `children:${code}`,
      async () => (await this.db.selectFrom('areas').selectAll().where('parent_code', '=', code).orderBy('code').execute()).map(toArea),
      (areas) => areas.map((a) => ({ ...a })),
    );
  }

  async upsertLsoa11Lookup(rows: Array<{ lsoa11: string; lsoa21: string; change: string }>): Promise<void> {
    await this.inTransaction(async (db) => {
      for (const part of chunks(rows, INSERT_CHUNK)) {
        await db
          .insertInto('lsoa11_lookup')
          .values(part.map((r) => ({ lsoa11: r.lsoa11, lsoa21: r.lsoa21, change: r.change })))
          .onConflict((oc) => oc.column('lsoa11').doUpdateSet((eb) => ({ lsoa21: eb.ref('excluded.lsoa21'), change: eb.ref('excluded.change') })))
          .execute();
      }
    });
  }

  async lsoa11Lookup(): Promise<Map<string, string>> {
    const rows = await this.db.selectFrom('lsoa11_lookup').select(['lsoa11', 'lsoa21']).execute();
    return new Map(rows.map((r) => [r.lsoa11, r.lsoa21]));
  }

  async upsertBoundaries(rows: Array<{ areaCode: string; geojson: string; drawing?: string | null }>): Promise<void> {
    await this.inTransaction(async (db) => {
      // Boundaries are large: a few per statement.
      for (const part of chunks(rows, 50)) {
        await db
          .insertInto('boundaries')
          .values(part.map((r) => ({ area_code: r.areaCode, geojson: r.geojson, drawing_geojson: r.drawing ?? null })))
          .onConflict((oc) => oc.column('area_code').doUpdateSet((eb) => ({ geojson: eb.ref('excluded.geojson'), drawing_geojson: eb.ref('excluded.drawing_geojson') })))
          .execute();
      }
    });
  }

  async boundaries(): Promise<Array<{ areaCode: string; geojson: string }>> {
    const rows = await this.db.selectFrom('boundaries').select(['area_code', 'geojson']).orderBy('area_code').execute();
    return rows.map((r) => ({ areaCode: r.area_code, geojson: r.geojson }));
  }

  async drawingBoundaries(codes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks([...new Set(codes)], MAX_BOUND)) {
      const rows = await this.db.selectFrom('boundaries').select(['area_code', 'geojson', 'drawing_geojson']).where('area_code', 'in', part).execute();
      for (const r of rows) out.set(r.area_code, r.drawing_geojson ?? r.geojson);
    }
    return out;
  }

  async upsertPopulations(rows: Population[]): Promise<void> {
    await this.inTransaction(async (db) => {
      for (const part of chunks(rows, INSERT_CHUNK)) {
        await db
          .insertInto('populations')
          .values(part.map((r) => ({ area_code: r.areaCode, population: r.population, year: r.year, source: r.source })))
          .onConflict((oc) =>
            oc.column('area_code').doUpdateSet((eb) => ({ population: eb.ref('excluded.population'), year: eb.ref('excluded.year'), source: eb.ref('excluded.source') })),
          )
          .execute();
      }
      await raiseDataVersion(db);
    });
    this.dataChanged();
  }

  async population(areaCode: string): Promise<Population | undefined> {
    const r = await this.db.selectFrom('populations').selectAll().where('area_code', '=', areaCode).executeTakeFirst();
    return r ? { areaCode: r.area_code, population: Number(r.population), year: r.year, source: r.source } : undefined;
  }

  async populations(codes: readonly string[]): Promise<Map<string, Population>> {
    return this.keptByCode('populations', codes, async (part) =>
      (await this.db.selectFrom('populations').selectAll().where('area_code', 'in', part).execute()).map((r) => [
        r.area_code,
        { areaCode: r.area_code, population: Number(r.population), year: r.year, source: r.source },
      ]),
    );
  }

  // ---- counts and releases ----

  async replaceMonth(input: { source: DataSource; month: Month; counts: MonthlyCount[]; release: Omit<Release, 'id' | 'revision' | 'ingestedAt'> }): Promise<ReplaceResult> {
    const { source, month, counts, release } = input;
    for (const c of counts) {
      if (c.source !== source || c.month !== month) throw new Error(`replaceMonth(${source}, ${month}) given a count for ${c.source} ${c.month}`);
    }
    const numbered: NewOrdinal[] = [];
    const result = await this.inTransaction(async (db): Promise<ReplaceResult> => {
      const existing = await db.selectFrom('current_months').selectAll().where('source', '=', source).where('month', '=', month).executeTakeFirst();
      if (existing && existing.checksum === release.checksum) return { release: null, unchanged: true, reason: 'same-checksum' };
      if (existing && existing.synthetic === 0 && release.synthetic) return { release: null, unchanged: true, reason: 'real-data-exists' };
      const total = monthTotal(counts);
      const synthetic = release.synthetic ? 1 : 0;
      await db.deleteFrom('counts').where('source', '=', source).where('month', '=', month).execute();
      await writePacks(db, this.kind, this.sqliteConnection, source, month, counts, this.ordinals, this.root !== null, numbered);
      if (this.kind === 'sqlite' && this.sqliteConnection) writeCountsSqlite(this.sqliteConnection, source, month, synthetic, counts);
      else if (this.kind === 'postgres') await writeCountsPostgres(db, source, month, synthetic, counts);
      else
        for (const part of chunks(counts, INSERT_CHUNK)) {
          await db
            .insertInto('counts')
            .values(
              part.map((c) => ({
                area_code: c.areaCode,
                measure: c.measure,
                source,
                month,
                area_type: c.areaType,
                count: c.count,
                by_polygon: c.byPolygon ?? 0,
                by_lsoa: c.byLsoa ?? 0,
                by_partner: c.byPartner ?? 0,
                synthetic,
              })),
            )
            .execute();
        }
      const revision = existing ? { previousTotal: Number(existing.total), newTotal: total, previousChecksum: existing.checksum } : null;
      const saved = await insertRelease(db, { ...release, source, month }, revision);
      await db
        .insertInto('current_months')
        .values({ source, month, release_id: saved.id, checksum: release.checksum, total, synthetic })
        .onConflict((oc) =>
          oc.columns(['source', 'month']).doUpdateSet((eb) => ({
            release_id: eb.ref('excluded.release_id'),
            checksum: eb.ref('excluded.checksum'),
            total: eb.ref('excluded.total'),
            synthetic: eb.ref('excluded.synthetic'),
          })),
        )
        .execute();
      await db
        .insertInto('data_events')
        .values({ kind: existing ? 'revised' : 'landed', source, month, release_id: saved.id, synthetic, at: saved.ingestedAt })
        .execute();
      return { release: saved, unchanged: false };
    });
    // committed now (this call's own transaction): the areas it numbered join the cache
    if (this.root) for (const a of numbered) if (addOrdinal(this.ordinals.index, a.areaType, a.areaCode, a.ordinal)) this.ordinals.size++;
    if (!result.unchanged) this.dataChanged();
    return result;
  }

  async removeMonth(input: { source: DataSource; month: Month }): Promise<boolean> {
    const { source, month } = input;
    const removed = await this.inTransaction(async (db) => {
      const held = await db.selectFrom('current_months').select('month').where('source', '=', source).where('month', '=', month).executeTakeFirst();
      await db.deleteFrom('counts').where('source', '=', source).where('month', '=', month).execute();
      await db.deleteFrom('count_packs').where('source', '=', source).where('month', '=', month).execute();
      await db.deleteFrom('current_months').where('source', '=', source).where('month', '=', month).execute();
      await raiseDataVersion(db);
      return held !== undefined;
    });
    this.dataChanged();
    return removed;
  }

  async logRelease(release: Omit<Release, 'id' | 'ingestedAt' | 'revision'>): Promise<Release> {
    const saved = await insertRelease(this.db, release, null);
    this.dataChanged();
    return saved;
  }

  async measuresHeld(query: Omit<CountQuery, 'from' | 'to'>): Promise<string[]> {
    const { areaCodes, measures, source } = query;
    if (areaCodes.length === 0 || measures.length === 0) return [];
    return this.kept(
      `measuresHeld:${source ?? ''}:${[...areaCodes].sort().join(',')}:${[...measures].sort().join(',')}`,
      async () => {
        const held = new Set<string>();
        for (const part of chunks([...new Set(areaCodes)], Math.max(1, MAX_BOUND - measures.length))) {
          let q = this.db.selectFrom('counts').select('measure').distinct().where('area_code', 'in', part).where('measure', 'in', measures);
          if (source) q = q.where('source', '=', source);
          for (const r of await q.execute()) held.add(r.measure);
        }
        return [...held];
      },
      (held) => held.slice(),
    );
  }

  async counts(query: CountQuery): Promise<MonthlyCount[]> {
    const { areaCodes, measures, source, from, to } = query;
    if (areaCodes.length === 0 || measures.length === 0) return [];
    if (areaCodes.length + measures.length > MAX_BOUND) {
      // Very long area lists (e.g. every ward nationally) go in sorted batches, so the result keeps its order.
      const codes = [...new Set(areaCodes)].sort();
      const size = Math.max(1, MAX_BOUND - measures.length);
      const out: MonthlyCount[] = [];
      for (const part of chunks(codes, size)) for (const c of await this.counts({ ...query, areaCodes: part })) out.push(c);
      return out;
    }
    let q = this.db.selectFrom('counts').selectAll().where('area_code', 'in', areaCodes).where('measure', 'in', measures);
    if (source) q = q.where('source', '=', source);
    if (from) q = q.where('month', '>=', from);
    if (to) q = q.where('month', '<=', to);
    const rows = await q.orderBy('area_code').orderBy('measure').orderBy('source').orderBy('month').execute();
    return rows.map(toCount);
  }

  async countSeries(query: SeriesQuery): Promise<CountSeries> {
    const { series, months, place, areaIndex, measureIndex, monthIndex } = seriesFrame(query);
    if (series.values.length === 0) return series;
    if (query.areaCodes.length < PACK_READ_MIN_AREAS) {
      // a few areas: their rows by the primary key, fewer bytes than every area's packs
      for (const c of await this.counts({ areaCodes: [...query.areaCodes], measures: [...query.measures], source: query.source, from: query.from, to: query.to }))
        place(c.areaCode, c.measure, c.month, c.count);
      return series;
    }
    // The packs (migration 11): the areas' ordinals, then one blob per month, measure and area type, in one
    // snapshot (a transaction; repeatable read on PostgreSQL) so a month replaced meanwhile is seen whole or not at all.
    const read = async (db: Executor) => {
      const ordinals = await sql<{ ordinal: number; area_code: string; area_type: string }>`
        SELECT ordinal, area_code, area_type FROM area_ordinals WHERE area_code ${
          this.kind === 'postgres' ? sql`= ANY(${[...query.areaCodes]}::text[])` : sql`IN (SELECT value FROM json_each(${JSON.stringify(query.areaCodes)}))`
        }`.execute(db);
      if (ordinals.rows.length === 0) return;
      const areaAt = queryAreaIndex(
        ordinals.rows.map((r) => ({ ordinal: Number(r.ordinal), areaCode: r.area_code })),
        areaIndex,
      );
      const types = [...new Set(ordinals.rows.map((r) => r.area_type))];
      const packs = await db
        .selectFrom('count_packs')
        // PostgreSQL sends bytea as hex text (twice the bytes); base64 is a third more and read faster
        // (7,500 wards x 14 measures x 12 months: 141 against 266 ms for the query, measured)
        .select(['month', 'measure', sql<Uint8Array | string>`${this.kind === 'postgres' ? sql`encode(cells, 'base64')` : sql.ref('cells')}`.as('cells')])
        .where('source', '=', query.source)
        .where('month', '>=', query.from)
        .where('month', '<=', query.to)
        .where('measure', 'in', [...query.measures])
        .where('area_type', 'in', types)
        .execute();
      const M = query.measures.length;
      const T = months.length;
      for (const p of packs) {
        const m = measureIndex.get(p.measure);
        const t = monthIndex.get(p.month);
        if (m === undefined || t === undefined) continue;
        const cells = typeof p.cells === 'string' ? Buffer.from(p.cells, 'base64') : p.cells;
        series.rows += placePack(series.values, cells, areaAt, m, t, M, T);
      }
    };
    if (!this.root) await read(this.db);
    else if (this.kind === 'postgres') await this.root.transaction().setIsolationLevel('repeatable read').execute(read);
    else await this.root.transaction().execute(read);
    return series;
  }

  // What changes only when data lands (the month lists, the revisions, areas, populations, which measures are
  // held) is kept between answers while the data version stays the same: an answer (a read memo scope,
  // src/core/read-memo.ts) reads the version once, one small query, and takes these reads from what is kept
  // for that version, reading each the first time it is asked for. Another replica's ingest changes the
  // version, so the next answer here reads afresh; this process's own writes drop what is kept at once.
  // Outside an answer, and inside a transaction (a writer must see its own writes), every read is fresh.
  private kept<T>(key: string, read: () => Promise<T>, copy: (value: T) => T): Promise<T> {
    if (!this.root || !inReadMemo() || key.length > KEPT_KEY_MAX) return read();
    return memoRead(
      `${this.memoId}:data-version`,
      () => this.dataGeneration(),
      (g) => g,
    ).then((g) => {
      let entry = g.reads.get(key) as Promise<T> | undefined;
      if (!entry) {
        entry = read();
        g.reads.set(key, entry);
        // a failed read is not kept: the next caller tries again
        entry.catch(() => g.reads.delete(key));
        if (g.reads.size > KEPT_READS_MAX) g.reads.delete(g.reads.keys().next().value!);
      }
      return entry.then(copy);
    });
  }

  /**
   * The reads kept for the data version now in the database (migration 12's counter, raised by every write
   * of counts, releases, areas or populations in its transaction, here or on another replica). The kept
   * reads are read after the version, so they are never older than it.
   */
  private async dataGeneration(): Promise<KeptGeneration> {
    const kept = this.keptReads;
    const writes = kept.writes;
    const { rows } = await sql<{ version: number | string }>`SELECT version FROM data_version WHERE id = 1`.execute(this.db);
    const version = String(rows[0]?.version ?? '');
    if (kept.generation?.version === version) return kept.generation;
    const generation: KeptGeneration = { version, reads: new Map() };
    // a write of this process since the version was asked for: this answer uses its own, nobody else's
    if (kept.writes === writes) kept.generation = generation;
    return generation;
  }

  /** This process wrote data (or a transaction that did has ended): nothing kept is used again. */
  private dataChanged(): void {
    this.keptReads.writes++;
    this.keptReads.generation = null;
  }

  async months(source?: DataSource): Promise<Month[]> {
    return this.kept(
      `months:${source ?? ''}`,
      async () => {
        const rows = source
          ? await this.db.selectFrom('current_months').select('month').where('source', '=', source).orderBy('month').execute()
          : await this.db.selectFrom('current_months').select('month').distinct().orderBy('month').execute();
        return rows.map((r) => r.month);
      },
      (months) => months.slice(),
    );
  }

  async realMonths(source?: DataSource): Promise<Month[]> {
    return this.kept(
      `realMonths:${source ?? ''}`,
      async () => {
        let q = this.db.selectFrom('current_months').select('month').distinct().where('synthetic', '=', 0);
        if (source) q = q.where('source', '=', source);
        return (await q.orderBy('month').execute()).map((r) => r.month);
      },
      (months) => months.slice(),
    );
  }

  async currentMonths(source?: DataSource): Promise<CurrentMonth[]> {
    return this.kept(
      `currentMonths:${source ?? ''}`,
      async () => {
        let q = this.db.selectFrom('current_months').selectAll();
        if (source) q = q.where('source', '=', source);
        const rows = await q.orderBy('month').orderBy('source').execute();
        return rows.map((r) => ({ source: r.source, month: r.month, releaseId: Number(r.release_id), checksum: r.checksum, total: Number(r.total), synthetic: r.synthetic === 1 }));
      },
      (months) => months.map((m) => ({ ...m })),
    );
  }

  async releases(): Promise<Release[]> {
    return (await this.db.selectFrom('releases').selectAll().orderBy('id').execute()).map(toRelease);
  }

  async revisedReleases(): Promise<Release[]> {
    return this.kept(
      'revisedReleases',
      async () => (await this.db.selectFrom('releases').selectAll().where('revision_new_total', 'is not', null).orderBy('id').execute()).map(toRelease),
      (releases) => releases.map((r) => ({ ...r, ...(r.revision ? { revision: { ...r.revision } } : {}) })),
    );
  }

  async isEmpty(): Promise<boolean> {
    return (await this.db.selectFrom('current_months').select('month').limit(1).executeTakeFirst()) === undefined;
  }

  // ---- data events and consumer cursors ----

  async dataEvents(afterId: number, limit = 1000): Promise<DataEvent[]> {
    return (await this.db.selectFrom('data_events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute()).map(toDataEvent);
  }

  async lastDataEventId(): Promise<number> {
    const r = await this.db
      .selectFrom('data_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return Number(r?.id ?? 0);
  }

  async consumerCursor(consumer: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('consumer_cursors').select('last_event_id').where('consumer', '=', consumer).executeTakeFirst();
    return r ? Number(r.last_event_id) : undefined;
  }

  async initConsumerCursor(consumer: string, at: number): Promise<number> {
    await this.db
      .insertInto('consumer_cursors')
      .values({ consumer, last_event_id: at, updated_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('consumer').doNothing())
      .execute();
    return (await this.consumerCursor(consumer))!;
  }

  async advanceConsumerCursor(consumer: string, from: number, to: number): Promise<boolean> {
    const r = await this.db
      .updateTable('consumer_cursors')
      .set({ last_event_id: to, updated_at: new Date().toISOString() })
      .where('consumer', '=', consumer)
      .where('last_event_id', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---- job fires ----

  async claimJobFire(claim: { job: string; fireAt: string; claimedBy: string; reason: JobFire['reason'] }): Promise<boolean> {
    const rows = await this.db
      .insertInto('job_fires')
      .values({
        job: claim.job,
        fire_at: claim.fireAt,
        claimed_by: claim.claimedBy,
        claimed_at: new Date().toISOString(),
        reason: claim.reason,
        finished_at: null,
        ok: null,
        error: null,
        ms: null,
      })
      .onConflict((oc) => oc.columns(['job', 'fire_at']).doNothing())
      .returning('job')
      .execute();
    return rows.length === 1;
  }

  async finishJobFire(done: { job: string; fireAt: string; ok: boolean; error?: string | null; ms: number }): Promise<void> {
    await this.db
      .updateTable('job_fires')
      .set({ finished_at: new Date().toISOString(), ok: done.ok ? 1 : 0, error: done.error ?? null, ms: Math.round(done.ms) })
      .where('job', '=', done.job)
      .where('fire_at', '=', done.fireAt)
      .execute();
  }

  async touchJobFire(claim: { job: string; fireAt: string; claimedBy: string }): Promise<void> {
    await this.db
      .updateTable('job_fires')
      .set({ claimed_at: new Date().toISOString() })
      .where('job', '=', claim.job)
      .where('fire_at', '=', claim.fireAt)
      .where('claimed_by', '=', claim.claimedBy)
      .execute();
  }

  async reclaimJobFire(claim: { job: string; fireAt: string; from: { claimedBy: string; claimedAt: string }; claimedBy: string; reason: JobFire['reason'] }): Promise<boolean> {
    const r = await this.db
      .updateTable('job_fires')
      .set({ claimed_by: claim.claimedBy, claimed_at: new Date().toISOString(), reason: claim.reason, finished_at: null, ok: null, error: null, ms: null })
      .where('job', '=', claim.job)
      .where('fire_at', '=', claim.fireAt)
      .where('claimed_by', '=', claim.from.claimedBy)
      .where('claimed_at', '=', claim.from.claimedAt)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async jobFire(job: string, fireAt: string): Promise<JobFire | undefined> {
    const r = await this.db.selectFrom('job_fires').selectAll().where('job', '=', job).where('fire_at', '=', fireAt).executeTakeFirst();
    return r ? toJobFire(r) : undefined;
  }

  async lastJobFires(): Promise<Map<string, JobFire>> {
    // The latest claim of each job: a correlated max, the same SQL in both dialects.
    const rows = await this.db
      .selectFrom('job_fires as f')
      .selectAll('f')
      .where('f.claimed_at', '=', (eb) =>
        eb
          .selectFrom('job_fires as g')
          .select((e) => e.fn.max('g.claimed_at').as('m'))
          .whereRef('g.job', '=', 'f.job'),
      )
      .orderBy('f.job')
      .execute();
    return new Map(rows.map((r) => [r.job, toJobFire(r)]));
  }

  // ---- local channel messages ----

  async appendLocalMessage(input: Omit<LocalChannelMessage, 'id'>): Promise<{ message: LocalChannelMessage; duplicate: boolean }> {
    return this.inTransaction(async (db) => {
      const inserted = await db
        .insertInto('local_messages')
        .values({ channel: input.channel, reply: JSON.stringify(input.reply), posted_at: input.postedAt, idempotency_key: input.idempotencyKey, thread_of: input.threadOf ?? null })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return { message: { ...input, threadOf: input.threadOf ?? null, id: Number(inserted.id) }, duplicate: false };
      const earlier = await db.selectFrom('local_messages').selectAll().where('idempotency_key', '=', input.idempotencyKey).executeTakeFirstOrThrow();
      return { message: toLocalMessage(earlier), duplicate: true };
    });
  }

  async localMessages(query: { channel?: string; afterId?: number; limit: number }): Promise<LocalChannelMessage[]> {
    if (query.channel !== undefined) {
      const rows = await this.db
        .selectFrom('local_messages')
        .selectAll()
        .where('channel', '=', query.channel)
        .where('id', '>', query.afterId ?? 0)
        .orderBy('id', 'desc')
        .limit(query.limit)
        .execute();
      return rows.reverse().map(toLocalMessage);
    }
    const rows = await this.db
      .selectFrom('local_messages')
      .selectAll()
      .where('id', '>', query.afterId ?? 0)
      .orderBy('id')
      .limit(query.limit)
      .execute();
    return rows.map(toLocalMessage);
  }

  async latestLocalMessageId(): Promise<number> {
    const r = await this.db
      .selectFrom('local_messages')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return Number(r?.id ?? 0);
  }

  // ---- Slack installations ----

  async saveSlackInstallation(row: SlackInstallationRow): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('slack_installations')
      .values({
        install_key: row.installKey,
        team_id: row.teamId,
        enterprise_id: row.enterpriseId,
        is_enterprise_install: row.isEnterpriseInstall ? 1 : 0,
        installation: JSON.stringify(row.installation),
        installed_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('install_key').doUpdateSet((eb) => ({
          team_id: eb.ref('excluded.team_id'),
          enterprise_id: eb.ref('excluded.enterprise_id'),
          is_enterprise_install: eb.ref('excluded.is_enterprise_install'),
          installation: eb.ref('excluded.installation'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async slackInstallation(installKey: string): Promise<SlackInstallationRow | undefined> {
    const r = await this.db.selectFrom('slack_installations').selectAll().where('install_key', '=', installKey).executeTakeFirst();
    return r
      ? {
          installKey: r.install_key,
          teamId: r.team_id,
          enterpriseId: r.enterprise_id,
          isEnterpriseInstall: r.is_enterprise_install === 1,
          installation: JSON.parse(r.installation) as unknown,
        }
      : undefined;
  }

  async deleteSlackInstallation(installKey: string): Promise<void> {
    await this.db.deleteFrom('slack_installations').where('install_key', '=', installKey).execute();
  }

  async slackInstallationKeys(): Promise<string[]> {
    return (await this.db.selectFrom('slack_installations').select('install_key').orderBy('install_key').execute()).map((r) => r.install_key);
  }

  // ---- chart requests ----

  async saveChartRequest(row: StoredChartRequest): Promise<void> {
    await this.db
      .insertInto('chart_requests')
      .values({ id: row.id, request: JSON.stringify(row.request), created_at: row.createdAt, expires_at: row.expiresAt })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') }))
          .where('chart_requests.expires_at', '<', (eb) => eb.ref('excluded.expires_at')),
      )
      .execute();
  }

  async chartRequest(id: string, now: Date): Promise<StoredChartRequest | undefined> {
    const r = await this.db.selectFrom('chart_requests').selectAll().where('id', '=', id).where('expires_at', '>', now.toISOString()).executeTakeFirst();
    return r ? { id: r.id, request: JSON.parse(r.request) as unknown, createdAt: r.created_at, expiresAt: r.expires_at } : undefined;
  }

  async pruneChartRequests(now: Date): Promise<number> {
    const r = await this.db.deleteFrom('chart_requests').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // ---- outbox ----

  async enqueueOutbox(messages: NewOutboxMessage[]): Promise<{ inserted: number }> {
    if (messages.length === 0) return { inserted: 0 };
    const now = new Date().toISOString();
    let inserted = 0;
    await this.inTransaction(async (db) => {
      // 13 columns a row: 100 rows a statement stays far below both dialects' parameter limits.
      for (const part of chunks(messages, 100)) {
        const rows = await db
          .insertInto('outbox')
          .values(
            part.map((m) => ({
              idempotency_key: m.idempotencyKey,
              channel: m.channel,
              kind: m.kind,
              reply: JSON.stringify(m.reply),
              thread_of: m.threadOf ?? null,
              not_before: m.notBefore ?? null,
              state: 'pending' as const,
              attempts: 0,
              // Due at once (from the epoch, so a replica whose clock lags sees it due too), or at
              // notBefore; quiet hours are the dispatcher's business.
              next_attempt_at: m.notBefore ? new Date(m.notBefore).toISOString() : DUE_AT_ONCE,
              lease_owner: null,
              lease_expires_at: null,
              first_attempt_at: null,
              last_error: null,
              platform_message_id: null,
              created_at: now,
              sent_at: null,
            })),
          )
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .returning('id')
          .execute();
        inserted += rows.length;
      }
    });
    return { inserted };
  }

  async leaseOutbox(lease: { owner: string; now: string; leaseUntil: string; limit: number; skipChannels?: readonly string[] }): Promise<OutboxMessage[]> {
    let q = this.db.selectFrom('outbox').selectAll();
    if (lease.skipChannels?.length) q = q.where('channel', 'not in', [...lease.skipChannels]);
    const candidates = await q
      .where((eb) =>
        eb.or([
          eb.and([eb('state', 'in', ['pending', 'deferred']), eb('next_attempt_at', '<=', lease.now)]),
          eb.and([eb('state', '=', 'sending'), eb('lease_expires_at', '<=', lease.now)]),
        ]),
      )
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(lease.limit)
      .execute();
    const leased: OutboxMessage[] = [];
    for (const r of candidates) {
      // Compare-and-set on the row as read: another dispatcher that got there first changed it.
      const res = await this.db
        .updateTable('outbox')
        .set({ state: 'sending', lease_owner: lease.owner, lease_expires_at: lease.leaseUntil })
        .where('id', '=', r.id)
        .where('state', '=', r.state)
        .where((eb) => (r.lease_expires_at === null ? eb('lease_expires_at', 'is', null) : eb('lease_expires_at', '=', r.lease_expires_at)))
        .where((eb) => (r.lease_owner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', r.lease_owner)))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) leased.push(toOutboxMessage({ ...r, state: 'sending', lease_owner: lease.owner, lease_expires_at: lease.leaseUntil }));
    }
    return leased;
  }

  async beginOutboxAttempt(attempt: { id: number; owner: string; now: string; leaseUntil: string }): Promise<boolean> {
    const res = await this.db
      .updateTable('outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(attempt.now)),
        lease_expires_at: attempt.leaseUntil,
      }))
      .where('id', '=', attempt.id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', attempt.owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async markOutboxSent(sent: { id: number; owner: string; platformMessageId: string; at: string }): Promise<boolean> {
    const res = await this.db
      .updateTable('outbox')
      .set({ state: 'sent', platform_message_id: sent.platformMessageId, sent_at: sent.at, lease_owner: null, lease_expires_at: null, last_error: null })
      .where('id', '=', sent.id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', sent.owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async releaseOutbox(release: { id: number; owner: string; state: 'pending' | 'deferred' | 'failed'; nextAttemptAt: string; lastError?: string | null }): Promise<boolean> {
    const res = await this.db
      .updateTable('outbox')
      .set({
        state: release.state,
        next_attempt_at: release.nextAttemptAt,
        lease_owner: null,
        lease_expires_at: null,
        ...(release.lastError !== undefined ? { last_error: release.lastError } : {}),
      })
      .where('id', '=', release.id)
      .where('state', '=', 'sending')
      .where('lease_owner', '=', release.owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async retryOutbox(id: number, now: string): Promise<OutboxMessage | undefined> {
    await this.db
      .updateTable('outbox')
      .set({ state: 'pending', attempts: 0, next_attempt_at: now })
      .where('id', '=', id)
      .where('state', 'in', ['failed', 'deferred', 'pending'])
      .execute();
    return this.outboxMessage(id);
  }

  async outboxMessage(id: number): Promise<OutboxMessage | undefined> {
    const r = await this.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toOutboxMessage(r) : undefined;
  }

  async outboxByKey(idempotencyKey: string): Promise<OutboxMessage | undefined> {
    const r = await this.db.selectFrom('outbox').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
    return r ? toOutboxMessage(r) : undefined;
  }

  async outboxMessages(query: { states?: readonly OutboxState[]; channel?: string; limit?: number }): Promise<OutboxMessage[]> {
    let q = this.db.selectFrom('outbox').selectAll();
    if (query.states) {
      if (query.states.length === 0) return [];
      q = q.where('state', 'in', [...query.states]);
    }
    if (query.channel !== undefined) q = q.where('channel', '=', query.channel);
    q = q.orderBy('id');
    if (query.limit !== undefined) q = q.limit(query.limit);
    return (await q.execute()).map(toOutboxMessage);
  }

  async outboxSummary(): Promise<OutboxSummary> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const counts: Record<OutboxState, number> = { pending: 0, sending: 0, deferred: 0, failed: 0, sent: 0 };
    for (const r of rows) counts[r.state] = Number(r.n);
    const oldest = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.min('created_at').as('at'))
      .where('state', 'in', ['pending', 'sending', 'deferred'])
      .executeTakeFirst();
    return { counts, oldestUnsentAt: (oldest?.at as string | null | undefined) ?? null };
  }

  // ---- data watcher ----

  async watchedMonths(source: string): Promise<WatchedMonth[]> {
    const rows = await this.db.selectFrom('watcher_months').selectAll().where('source', '=', source).orderBy('month').execute();
    return rows.map((r) => ({
      source: r.source,
      month: r.month,
      checksum: r.checksum,
      crimes: Number(r.crimes),
      releaseId: r.release_id === null ? null : Number(r.release_id),
      fetchedAt: r.fetched_at,
    }));
  }

  async recordWatchedMonth(row: WatchedMonth): Promise<void> {
    await this.db
      .insertInto('watcher_months')
      .values({ source: row.source, month: row.month, checksum: row.checksum, crimes: row.crimes, release_id: row.releaseId, fetched_at: row.fetchedAt })
      .onConflict((oc) =>
        oc.columns(['source', 'month']).doUpdateSet((eb) => ({
          checksum: eb.ref('excluded.checksum'),
          crimes: eb.ref('excluded.crimes'),
          release_id: eb.ref('excluded.release_id'),
          fetched_at: eb.ref('excluded.fetched_at'),
        })),
      )
      .execute();
  }

  // ---- Teams conversation references, link secrets ----

  async saveTeamsConversation(ref: Omit<TeamsConversationRef, 'firstSeenAt'>): Promise<void> {
    await this.db
      .insertInto('teams_conversations')
      .values({
        conversation_id: ref.conversationId,
        conversation_type: ref.conversationType,
        service_url: ref.serviceUrl,
        tenant_id: ref.tenantId,
        bot_id: ref.botId,
        team_id: ref.teamId,
        name: ref.name,
        installed: ref.installed ? 1 : 0,
        first_seen_at: ref.updatedAt,
        updated_at: ref.updatedAt,
      })
      .onConflict((oc) =>
        oc.column('conversation_id').doUpdateSet((eb) => ({
          conversation_type: eb.ref('excluded.conversation_type'),
          service_url: eb.ref('excluded.service_url'),
          tenant_id: eb.fn.coalesce('excluded.tenant_id', 'teams_conversations.tenant_id'),
          bot_id: eb.ref('excluded.bot_id'),
          team_id: eb.fn.coalesce('excluded.team_id', 'teams_conversations.team_id'),
          name: eb.fn.coalesce('excluded.name', 'teams_conversations.name'),
          installed: eb.ref('excluded.installed'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  async teamsConversation(conversationId: string): Promise<TeamsConversationRef | undefined> {
    const r = await this.db.selectFrom('teams_conversations').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
    return r ? teamsRef(r) : undefined;
  }

  async teamsConversations(): Promise<TeamsConversationRef[]> {
    return (await this.db.selectFrom('teams_conversations').selectAll().orderBy('conversation_id').execute()).map(teamsRef);
  }

  async markTeamsConversationRemoved(conversationId: string, at: string): Promise<void> {
    await this.db.updateTable('teams_conversations').set({ installed: 0, updated_at: at }).where('conversation_id', '=', conversationId).execute();
  }

  async linkSecret(name: string, candidate: string): Promise<string> {
    await this.db
      .insertInto('link_secrets')
      .values({ name, secret: candidate, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const r = await this.db.selectFrom('link_secrets').select('secret').where('name', '=', name).executeTakeFirstOrThrow();
    return r.secret;
  }

  // ---- alerting ----

  async saveAlerts(rows: Array<Omit<AlertRecord, 'id' | 'updatedAt'>>): Promise<AlertRecord[]> {
    if (!rows.length) return [];
    const now = new Date().toISOString();
    return this.inTransaction(async (db) => {
      const out: AlertRecord[] = [];
      for (const a of rows) {
        const values = {
          fingerprint: a.fingerprint,
          rule: a.rule,
          kind: a.kind,
          severity: a.severity,
          area_code: a.areaCode,
          area_name: a.areaName,
          measure: a.measure,
          measure_label: a.measureLabel,
          partnerships: `,${[...new Set(a.partnerships)].sort().join(',')},`,
          since_month: a.sinceMonth,
          last_month: a.lastMonth,
          state: a.state,
          observed: a.observed,
          expected: a.expected,
          upper_bound: a.upperBound,
          probability: a.probability,
          explanation: JSON.stringify(a.explanation),
          resolved_month: a.resolvedMonth,
          updated_at: now,
        };
        const { fingerprint: _f, since_month: _s, ...changes } = values;
        const row = await db
          .insertInto('alerts')
          .values(values)
          .onConflict((oc) => oc.columns(['fingerprint', 'since_month']).doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow();
        out.push(toAlert(row as AlertRow));
      }
      return out;
    });
  }

  async alerts(query: AlertQuery = {}): Promise<AlertRecord[]> {
    let q = this.db.selectFrom('alerts').selectAll();
    if (query.ids) {
      if (!query.ids.length) return [];
      q = q.where('id', 'in', [...query.ids]);
    }
    if (query.fingerprints) {
      if (!query.fingerprints.length) return [];
      q = q.where('fingerprint', 'in', [...query.fingerprints]);
    }
    if (query.states) {
      if (!query.states.length) return [];
      q = q.where('state', 'in', [...query.states]);
    }
    if (query.partnership !== undefined) q = q.where('partnerships', 'like', `%,${query.partnership},%`);
    if (query.since !== undefined) q = q.where('last_month', '>=', query.since);
    return (await q.orderBy('id').execute()).map((r) => toAlert(r as AlertRow));
  }

  async alertHistory(query: { partnership: string; since: Month }): Promise<Array<AlertRecord & { acknowledgements: AlertAcknowledgement[] }>> {
    const alerts = (await this.alerts({ partnership: query.partnership, since: query.since })).sort((a, b) =>
      a.lastMonth === b.lastMonth ? b.id - a.id : a.lastMonth < b.lastMonth ? 1 : -1,
    );
    const acks = await this.alertAcknowledgements(alerts.map((a) => a.id));
    return alerts.map((a) => ({ ...a, acknowledgements: acks.filter((k) => k.alertId === a.id) }));
  }

  async recordAlertNotices(rows: Array<Omit<AlertNotice, 'at'> & { at?: string }>): Promise<{ inserted: number }> {
    if (!rows.length) return { inserted: 0 };
    const now = new Date().toISOString();
    let inserted = 0;
    await this.inTransaction(async (db) => {
      for (const part of chunks(rows, 100)) {
        const done = await db
          .insertInto('alert_notices')
          .values(
            part.map((n) => ({
              notice_key: n.key,
              alert_id: n.alertId,
              channel: n.channel,
              kind: n.kind,
              month: n.month,
              message_key: n.messageKey,
              mute_key: n.muteKey,
              observed: n.observed,
              at: n.at ?? now,
            })),
          )
          .onConflict((oc) => oc.column('notice_key').doNothing())
          .returning('notice_key')
          .execute();
        inserted += done.length;
      }
    });
    return { inserted };
  }

  async alertNotices(query: { alertIds?: readonly number[]; channel?: string; kinds?: readonly string[]; keys?: readonly string[] }): Promise<AlertNotice[]> {
    const out: AlertNotice[] = [];
    const run = async (ids: number[] | null, keys: string[] | null) => {
      let q = this.db.selectFrom('alert_notices').selectAll();
      if (ids) q = q.where('alert_id', 'in', ids);
      if (keys) q = q.where('notice_key', 'in', keys);
      if (query.channel !== undefined) q = q.where('channel', '=', query.channel);
      if (query.kinds) q = q.where('kind', 'in', [...query.kinds]);
      for (const r of await q.orderBy('at').orderBy('notice_key').execute())
        out.push({
          key: r.notice_key,
          alertId: r.alert_id === null ? null : Number(r.alert_id),
          channel: r.channel,
          kind: r.kind,
          month: r.month,
          messageKey: r.message_key,
          muteKey: r.mute_key,
          observed: r.observed === null ? null : Number(r.observed),
          at: r.at,
        });
    };
    if (query.kinds && !query.kinds.length) return [];
    if (query.alertIds) for (const part of chunks([...new Set(query.alertIds)], MAX_BOUND)) await run(part, null);
    else if (query.keys) for (const part of chunks([...new Set(query.keys)], MAX_BOUND)) await run(null, part);
    else await run(null, null);
    return out;
  }

  async acknowledgeAlert(input: { alertId: number; by: string; at: string; surface: string }): Promise<{ alert: AlertRecord; acknowledgement: AlertAcknowledgement } | undefined> {
    return this.inTransaction(async (db) => {
      const row = await db.selectFrom('alerts').selectAll().where('id', '=', input.alertId).executeTakeFirst();
      if (!row) return undefined;
      const alert = toAlert(row as AlertRow);
      const ack = await db
        .insertInto('alert_acknowledgements')
        .values({ alert_id: alert.id, ack_by: input.by, at: input.at, surface: input.surface, observed: alert.observed })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { alert, acknowledgement: toAck(ack) };
    });
  }

  async alertAcknowledgements(alertIds: readonly number[]): Promise<AlertAcknowledgement[]> {
    const out: AlertAcknowledgement[] = [];
    for (const part of chunks([...new Set(alertIds)], MAX_BOUND)) {
      for (const r of await this.db.selectFrom('alert_acknowledgements').selectAll().where('alert_id', 'in', part).orderBy('at').orderBy('id').execute()) out.push(toAck(r));
    }
    return out.sort((a, b) => (a.at === b.at ? a.id - b.id : a.at < b.at ? -1 : 1));
  }

  async addAlertMute(mute: Omit<AlertMute, 'id' | 'createdAt' | 'endedAt'>): Promise<AlertMute> {
    const row = await this.db
      .insertInto('alert_mutes')
      .values({
        channel: mute.channel,
        area_code: mute.areaCode,
        measure: mute.measure,
        rule: mute.rule,
        from_at: mute.from,
        until_at: mute.until,
        reason: mute.reason,
        mute_by: mute.by,
        created_at: new Date().toISOString(),
        ended_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toMute(row);
  }

  async endAlertMute(id: number, at: string): Promise<AlertMute | undefined> {
    await this.db.updateTable('alert_mutes').set({ ended_at: at }).where('id', '=', id).where('ended_at', 'is', null).execute();
    const row = await this.db.selectFrom('alert_mutes').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMute(row) : undefined;
  }

  async alertMutes(query: { activeAt?: string } = {}): Promise<AlertMute[]> {
    let q = this.db.selectFrom('alert_mutes').selectAll();
    if (query.activeAt !== undefined) {
      const at = query.activeAt;
      q = q
        .where('from_at', '<=', at)
        .where('until_at', '>', at)
        .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', at)]));
    }
    return (await q.orderBy('id').execute()).map(toMute);
  }

  // ---- checks ----

  async contentChecksum(): Promise<string> {
    const hash = createHash('sha256');
    const tables: Array<[keyof DB, string[]]> = [
      ['schema_migrations', ['version']],
      ['areas', ['code']],
      ['lsoa11_lookup', ['lsoa11']],
      ['boundaries', ['area_code']],
      ['populations', ['area_code']],
      ['counts', ['area_code', 'measure', 'source', 'month']],
      ['releases', ['id']],
      ['current_months', ['source', 'month']],
      ['local_messages', ['id']],
      ['data_events', ['id']],
      ['slack_installations', ['install_key']],
      ['alerts', ['id']],
      ['alert_notices', ['notice_key']],
      ['alert_acknowledgements', ['id']],
      ['alert_mutes', ['id']],
      ['watcher_months', ['source', 'month']],
      ['outbox', ['id']],
      ['teams_conversations', ['conversation_id']],
    ];
    for (const [table, order] of tables) {
      hash.update(`\n#${table}\n`);
      const cols = table === 'schema_migrations' ? 'version, name' : '*';
      const rows = await sql<Record<string, unknown>>`SELECT ${sql.raw(cols)} FROM ${sql.table(table)} ORDER BY ${sql.raw(order.join(', '))}`.execute(this.db);
      for (const row of rows.rows) {
        hash.update(JSON.stringify(Object.values(row).map((v) => (typeof v === 'bigint' ? Number(v) : v))));
        hash.update('\n');
      }
    }
    return hash.digest('hex');
  }

  /** Runs `fn` in a transaction, or in the one this handle already is. */
  private async inTransaction<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    if (!this.root) return fn(this.db);
    return this.root.transaction().execute((trx) => fn(trx));
  }
}

function teamsRef(r: DB['teams_conversations']): TeamsConversationRef {
  return {
    conversationId: r.conversation_id,
    conversationType: r.conversation_type,
    serviceUrl: r.service_url,
    tenantId: r.tenant_id,
    botId: r.bot_id,
    teamId: r.team_id,
    name: r.name,
    installed: Number(r.installed) === 1,
    firstSeenAt: r.first_seen_at,
    updatedAt: r.updated_at,
  };
}

/**
 * A national month is about 290,000 count rows: written through kysely (a multi-row INSERT compiled per
 * 500 rows) that took 2.4 s. Prepared statements on the connection under kysely (inside the transaction
 * kysely holds open on it), 500 rows a statement, each row giving only its own 7 values (source, month
 * and synthetic, the same for every row, bound once a statement: SELECT over VALUES), take about 0.35 s
 * of CPU (10 values a row, 100 rows a statement: 0.45 s; one JSON array through json_each: 0.6 s; measured).
 */
const COUNT_INSERTS = new WeakMap<Database.Database, Map<number, Database.Statement>>();
const ROWS_PER_INSERT = 500;
function countInsert(database: Database.Database, rows: number): Database.Statement {
  let byRows = COUNT_INSERTS.get(database);
  if (!byRows) COUNT_INSERTS.set(database, (byRows = new Map()));
  let st = byRows.get(rows);
  if (!st) {
    st = database.prepare(
      'INSERT INTO counts (area_code, measure, source, month, area_type, count, by_polygon, by_lsoa, by_partner, synthetic) ' +
        `SELECT column1, column2, ?, ?, column3, column4, column5, column6, column7, ? FROM (VALUES ${new Array(rows).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')})`,
    );
    // Only the full-size statement is kept: the last, shorter one of each month is made once.
    if (rows === ROWS_PER_INSERT) byRows.set(rows, st);
  }
  return st;
}
function writeCountsSqlite(database: Database.Database, source: DataSource, month: Month, synthetic: number, counts: readonly MonthlyCount[]): void {
  for (let i = 0; i < counts.length; i += ROWS_PER_INSERT) {
    const rows = Math.min(ROWS_PER_INSERT, counts.length - i);
    const args = new Array<unknown>(3 + 7 * rows);
    args[0] = source;
    args[1] = month;
    args[2] = synthetic;
    for (let k = 0; k < rows; k++) {
      const c = counts[i + k]!;
      const o = 3 + 7 * k;
      args[o] = c.areaCode;
      args[o + 1] = c.measure;
      args[o + 2] = c.areaType;
      args[o + 3] = c.count;
      args[o + 4] = c.byPolygon ?? 0;
      args[o + 5] = c.byLsoa ?? 0;
      args[o + 6] = c.byPartner ?? 0;
    }
    countInsert(database, rows).run(args);
  }
}

/** PostgreSQL: 20,000 rows a statement as column arrays through unnest (one parameter per column, not per value). */
async function writeCountsPostgres(db: Executor, source: DataSource, month: Month, synthetic: number, counts: readonly MonthlyCount[]): Promise<void> {
  for (const part of chunks(counts, 20_000)) {
    await sql`INSERT INTO counts (area_code, measure, source, month, area_type, count, by_polygon, by_lsoa, by_partner, synthetic)
      SELECT a, m, ${source}, ${month}, t, n, p, l, q, ${synthetic}
      FROM unnest(${part.map((c) => c.areaCode)}::text[], ${part.map((c) => c.measure)}::text[], ${part.map((c) => c.areaType)}::text[],
        ${part.map((c) => c.count)}::integer[], ${part.map((c) => c.byPolygon ?? 0)}::integer[], ${part.map((c) => c.byLsoa ?? 0)}::integer[],
        ${part.map((c) => c.byPartner ?? 0)}::integer[]) AS u(a, m, t, n, p, l, q)`.execute(db);
  }
}

async function insertRelease(db: Executor, r: Omit<Release, 'id' | 'revision' | 'ingestedAt'>, revision: Release['revision']): Promise<Release> {
  const row = await db
    .insertInto('releases')
    .values({
      source: r.source,
      file_name: r.fileName,
      month: r.month,
      rows_read: r.rowsRead,
      placed_by_polygon: r.placedByPolygon,
      placed_by_lsoa: r.placedByLsoa,
      placed_by_partner: r.placedByPartner,
      out_of_area: r.outOfArea,
      unplaced: r.unplaced,
      checksum: r.checksum,
      ingested_at: new Date().toISOString(),
      synthetic: r.synthetic ? 1 : 0,
      revision_previous_total: revision?.previousTotal ?? null,
      revision_new_total: revision?.newTotal ?? null,
      revision_previous_checksum: revision?.previousChecksum ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await raiseDataVersion(db);
  return toRelease(row);
}

/**
 * Raises the data version (migration 12), after the write it marks and in its transaction where there is
 * one: a reader that sees the new version then reads data at least as new (see KyselyStore.kept).
 */
async function raiseDataVersion(db: Executor): Promise<void> {
  await sql`UPDATE data_version SET version = version + 1 WHERE id = 1`.execute(db);
}

// ---- count packs (migration 11; src/store/packs.ts) ----

/**
 * countSeries reads the packs from this many areas up; fewer take the primary key. Measured on a national
 * SQLite store (14 measures x 60 months, loaded machine): the packs cost 150 to 300 ms whatever the
 * number of wards (every ward's blob is read), the primary key 3 to 6 ms a ward (50 wards 145 to 309 ms,
 * 200 wards 1.0 s, 400 wards 2.9 s, 1,400 wards 22.6 s against 0.47 s from the packs).
 */
const PACK_READ_MIN_AREAS = 50;

/** Reads kept for one data version (see KyselyStore.kept); `writes` counts this process's data writes. */
interface KeptReads {
  generation: KeptGeneration | null;
  writes: number;
}

interface KeptGeneration {
  version: string;
  reads: Map<string, Promise<unknown>>;
}

/** Kept reads per data version, oldest dropped first: an answer adds about ten (its areas, populations, month lists). */
const KEPT_READS_MAX = 2000;
/** A read for more areas than this key length (about 2,000 codes: a region's every ward) is not kept. */
const KEPT_KEY_MAX = 20_000;

/** Area ordinals known to be committed: `size` of them, in `index` (see writePacks). */
interface OrdinalCache {
  index: OrdinalIndex;
  size: number;
}

interface NewOrdinal {
  areaCode: string;
  areaType: AreaType;
  ordinal: number;
}

/** Every area ordinal on a SQLite connection (raw rows: 43,000 nationally). */
function readOrdinalsSqlite(connection: Database.Database): OrdinalCache {
  const index: OrdinalIndex = new Map();
  let size = 0;
  for (const [o, code, type] of connection.prepare('SELECT ordinal, area_code, area_type FROM area_ordinals').raw(true).all() as Array<[number, string, string]>) {
    addOrdinal(index, type, code, o);
    size++;
  }
  return { index, size };
}

/** Every area ordinal the executor sees. */
async function readOrdinals(db: Executor, connection: Database.Database | undefined): Promise<OrdinalCache> {
  if (connection) return readOrdinalsSqlite(connection);
  const index: OrdinalIndex = new Map();
  let size = 0;
  for (const r of await db.selectFrom('area_ordinals').select(['ordinal', 'area_code', 'area_type']).execute()) {
    addOrdinal(index, r.area_type, r.area_code, Number(r.ordinal));
    size++;
  }
  return { index, size };
}

/**
 * The packs of one source and month, from the counts replaceMonth writes (in its transaction): numbers any
 * area not seen before, then one row per measure and area type. The month's old packs are deleted first.
 * Ordinals are append-only, so the cache of committed ones is the table while the table holds as many
 * rows (one count(*), not 43,000 rows nationally). A full read refills the cache only when `own` (this
 * call's own transaction, nothing of it numbered yet, so what it sees is committed); the areas it numbers
 * are handed back in `numbered`, for the cache once committed.
 */
async function writePacks(
  db: Executor,
  kind: 'sqlite' | 'postgres',
  connection: Database.Database | undefined,
  source: DataSource,
  month: Month,
  counts: readonly MonthlyCount[],
  cache: OrdinalCache,
  own: boolean,
  numbered: NewOrdinal[],
): Promise<void> {
  await db.deleteFrom('count_packs').where('source', '=', source).where('month', '=', month).execute();
  if (counts.length === 0) return;
  const sqlite = kind === 'sqlite' ? connection : undefined;
  const visible = sqlite
    ? Number(sqlite.prepare('SELECT count(*) FROM area_ordinals').pluck(true).get())
    : Number(
        (
          await db
            .selectFrom('area_ordinals')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
  let known = cache;
  if (visible !== cache.size) {
    known = await readOrdinals(db, sqlite);
    if (own) {
      cache.index = known.index;
      cache.size = known.size;
    }
  }
  const added: OrdinalIndex = new Map();
  const lookup = (areaType: string, areaCode: string) => ordinalOf(known.index, areaType, areaCode) ?? ordinalOf(added, areaType, areaCode);
  const missing = missingOrdinals(lookup, counts);
  const number = (a: { areaCode: string; areaType: AreaType }, ordinal: number) => {
    addOrdinal(added, a.areaType, a.areaCode, ordinal);
    numbered.push({ ...a, ordinal });
  };
  if (missing.length > 0 && sqlite) {
    const put = sqlite.prepare('INSERT INTO area_ordinals (area_code, area_type) VALUES (?, ?)');
    for (const a of missing) number(a, Number(put.run(a.areaCode, a.areaType).lastInsertRowid));
  } else if (missing.length > 0 && kind === 'postgres') {
    // ON CONFLICT: another replica may number the same area meanwhile; then its number is read back
    for (const part of chunks(missing, 20_000)) {
      const codes = part.map((a) => a.areaCode);
      const types = part.map((a) => a.areaType);
      await sql`INSERT INTO area_ordinals (area_code, area_type) SELECT * FROM unnest(${codes}::text[], ${types}::text[]) ON CONFLICT DO NOTHING`.execute(db);
      const r = await sql<{ ordinal: number; area_code: string; area_type: AreaType }>`
        SELECT o.ordinal, o.area_code, o.area_type FROM area_ordinals o
        JOIN unnest(${codes}::text[], ${types}::text[]) AS u(code, type) ON o.area_code = u.code AND o.area_type = u.type`.execute(db);
      for (const row of r.rows) number({ areaCode: row.area_code, areaType: row.area_type }, Number(row.ordinal));
    }
  } else if (missing.length > 0) {
    for (const a of missing) {
      const r = await db.insertInto('area_ordinals').values({ area_code: a.areaCode, area_type: a.areaType }).returning('ordinal').executeTakeFirstOrThrow();
      number(a, Number(r.ordinal));
    }
  }
  const packs = buildPacks(counts, lookup);
  if (sqlite) {
    const put = sqlite.prepare('INSERT INTO count_packs (source, month, measure, area_type, entries, cells) VALUES (?, ?, ?, ?, ?, ?)');
    for (const p of packs) put.run(source, month, p.measure, p.areaType, p.entries, p.cells);
  } else if (kind === 'postgres') {
    await sql`INSERT INTO count_packs (source, month, measure, area_type, entries, cells)
      SELECT ${source}, ${month}, * FROM unnest(${packs.map((p) => p.measure)}::text[], ${packs.map((p) => p.areaType)}::text[],
        ${packs.map((p) => p.entries)}::integer[], ${packs.map((p) => p.cells)}::bytea[])`.execute(db);
  } else
    for (const part of chunks(packs, 100)) {
      await db
        .insertInto('count_packs')
        .values(part.map((p) => ({ source, month, measure: p.measure, area_type: p.areaType, entries: p.entries, cells: p.cells })))
        .execute();
    }
}

/** Progress of a long migration step on stderr: only once it has run for a few seconds. */
function migrationProgress(label: string): { tick(done: number, total: number, unit: string): void; end(): void } {
  const t0 = performance.now();
  let last = t0;
  let said = false;
  return {
    tick(done, total, unit) {
      const now = performance.now();
      if (now - last < 3000) return;
      last = now;
      said = true;
      console.error(`store: ${label}: ${done.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} ${unit} (${((now - t0) / 1000).toFixed(0)} s)`);
    },
    end() {
      if (said) console.error(`store: ${label}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    },
  };
}

/** Rows read per step when packing a SQLite store's counts (migration 11): a range of rowids, table order. */
const BACKFILL_ROWS = 250_000;

/**
 * Migration 11 on SQLite: packs of every stored month. One pass over the table in rowid order (a month's
 * rows are contiguous there: replaceMonth writes a month at once), in ranges, since better-sqlite3 cannot
 * write while a statement iterates; a month met again later (not contiguous after all) is merged.
 */
function packAllCountsSqlite(database: Database.Database): void {
  const { index } = readOrdinalsSqlite(database);
  const lastRowid = Number(database.prepare('SELECT max(rowid) FROM counts').pluck(true).get() ?? 0);
  const range = database.prepare('SELECT rowid, source, month, area_code, area_type, measure, count FROM counts WHERE rowid > ? ORDER BY rowid LIMIT ?').raw(true);
  const insert = database.prepare('INSERT INTO count_packs (source, month, measure, area_type, entries, cells) VALUES (?, ?, ?, ?, ?, ?)');
  const existing = database.prepare('SELECT entries, cells FROM count_packs WHERE source = ? AND month = ? AND measure = ? AND area_type = ?').raw(true);
  const replace = database.prepare('UPDATE count_packs SET entries = ?, cells = ? WHERE source = ? AND month = ? AND measure = ? AND area_type = ?');
  const progress = migrationProgress('migration 11, packing the counts for bulk reads');
  const flushed = new Set<string>();
  let group: MonthlyCount[] = [];
  let key = '';
  const flush = () => {
    if (group.length === 0) return;
    const { source, month } = group[0]!;
    for (const p of buildPacks(group, (type, code) => ordinalOf(index, type, code))) {
      const had = flushed.has(key) ? (existing.get(source, month, p.measure, p.areaType) as [number, Buffer] | undefined) : undefined;
      if (had) replace.run(had[0] + p.entries, Buffer.concat([had[1], p.cells]), source, month, p.measure, p.areaType);
      else insert.run(source, month, p.measure, p.areaType, p.entries, p.cells);
    }
    flushed.add(key);
    group = [];
  };
  let after = 0;
  for (;;) {
    const rows = range.all(after, BACKFILL_ROWS) as Array<[number, DataSource, Month, string, AreaType, string, number]>;
    if (rows.length === 0) break;
    for (const r of rows) {
      const k = `${r[1]}\u0000${r[2]}`;
      if (k !== key) {
        flush();
        key = k;
      }
      group.push({ source: r[1], month: r[2], areaCode: r[3], areaType: r[4], measure: r[5], count: r[6], synthetic: false } as MonthlyCount);
    }
    after = rows.at(-1)![0];
    progress.tick(after, lastRowid, 'rows');
  }
  flush();
  progress.end();
}

/**
 * Migration 11 on PostgreSQL: the packs built by the server, a month at a time (by the (source, month)
 * index; int4send is big-endian, the pack layout).
 */
async function packAllCountsPostgres(client: pg.PoolClient): Promise<void> {
  const months = (await client.query<{ source: string; month: string }>('SELECT DISTINCT source, month FROM counts ORDER BY source, month')).rows;
  const progress = migrationProgress('migration 11, packing the counts for bulk reads');
  for (const [i, { source, month }] of months.entries()) {
    await client.query(
      `INSERT INTO count_packs (source, month, measure, area_type, entries, cells)
       SELECT c.source, c.month, c.measure, c.area_type, count(*), string_agg(int4send(o.ordinal) || int4send(c.count), ''::bytea)
       FROM counts c JOIN area_ordinals o ON o.area_code = c.area_code AND o.area_type = c.area_type
       WHERE c.source = $1 AND c.month = $2
       GROUP BY c.source, c.month, c.measure, c.area_type`,
      [source, month],
    );
    progress.tick(i + 1, months.length, 'months');
  }
  progress.end();
}

// ---- SQLite ----

const RAW_COUNT_COLUMNS = 'area_code, measure, source, month, area_type, count, by_polygon, by_lsoa, by_partner, synthetic';
type RawCountRow = [string, string, DataSource, Month, AreaType, number, number, number, number, number];

/** A `.raw()` counts row as toCount makes it from an object row. */
function fromRawCount(r: RawCountRow): MonthlyCount {
  return r[4] === 'ward'
    ? { source: r[2], month: r[3], areaType: 'ward', areaCode: r[0], measure: r[1], count: r[5], byPolygon: r[6], byLsoa: r[7], byPartner: r[8], synthetic: r[9] === 1 }
    : { source: r[2], month: r[3], areaType: r[4], areaCode: r[0], measure: r[1], count: r[5], synthetic: r[9] === 1 };
}

/** An empty CountSeries for the query, and a function that puts one stored count in it. */
function seriesFrame(query: SeriesQuery): {
  series: CountSeries;
  months: Month[];
  areaIndex: Map<string, number>;
  measureIndex: Map<string, number>;
  monthIndex: Map<Month, number>;
  place(area: string, measure: string, month: Month, count: number): void;
} {
  const months = monthRange(query.from, query.to);
  const size = query.areaCodes.length * query.measures.length * months.length;
  const values = query.shared ? new Float64Array(new SharedArrayBuffer(size * 8)) : new Float64Array(size);
  const series: CountSeries = { areaCodes: query.areaCodes, measures: query.measures, months, values, rows: 0 };
  const areaIndex = new Map(query.areaCodes.map((c, i) => [c, i]));
  const measureIndex = new Map(query.measures.map((m, i) => [m, i]));
  if (areaIndex.size !== query.areaCodes.length) throw new RangeError('countSeries: areaCodes must not repeat');
  if (measureIndex.size !== query.measures.length) throw new RangeError('countSeries: measures must not repeat');
  const monthIndex = new Map(months.map((m, i) => [m, i]));
  const M = query.measures.length;
  const T = months.length;
  return {
    series,
    months,
    areaIndex,
    measureIndex,
    monthIndex,
    place(area, measure, month, count) {
      const a = areaIndex.get(area);
      const m = measureIndex.get(measure);
      const t = monthIndex.get(month);
      if (a === undefined || m === undefined || t === undefined) return;
      values[(a * M + m) * T + t] = count;
      series.rows++;
    },
  };
}

/** The embedded store on one SQLite file (WAL). */
export class SqliteKyselyStore extends KyselyStore {
  /** counts() statements by the shape of their query, returning arrays (see counts). */
  private readonly countReads = new Map<string, Database.Statement<unknown[], RawCountRow>>();

  constructor(
    readonly path: string,
    db: Kysely<DB>,
    onClose: () => Promise<void>,
    /** The connection under kysely, for the hot read that bypasses it. */
    private readonly database?: Database.Database,
  ) {
    super('sqlite', path, db, db, onClose, database);
  }

  /**
   * The read every answer makes several times, straight from better-sqlite3 with `.raw()` rows (arrays):
   * kysely building an object per row cost the async port about a tenth of an answer against the
   * synchronous store. Same SQL, order and values as the kysely path, which still serves long area lists
   * (it batches them and comes back here per batch) and any read while a transaction holds the
   * connection (it waits for it, so a half-written month is never seen).
   */
  override async counts(query: CountQuery): Promise<MonthlyCount[]> {
    const { areaCodes, measures, source, from, to } = query;
    const database = this.database;
    if (!database || !database.open || database.inTransaction || areaCodes.length === 0 || measures.length === 0 || areaCodes.length + measures.length > MAX_BOUND) {
      return super.counts(query);
    }
    const key = `${areaCodes.length}:${measures.length}:${source ? 1 : 0}${from ? 1 : 0}${to ? 1 : 0}`;
    let st = this.countReads.get(key);
    if (!st) {
      const where = [
        `area_code IN (${areaCodes.map(() => '?').join(',')})`,
        `measure IN (${measures.map(() => '?').join(',')})`,
        ...(source ? ['source = ?'] : []),
        ...(from ? ['month >= ?'] : []),
        ...(to ? ['month <= ?'] : []),
      ];
      st = database.prepare<unknown[], RawCountRow>(`SELECT ${RAW_COUNT_COLUMNS} FROM counts WHERE ${where.join(' AND ')} ORDER BY area_code, measure, source, month`).raw(true);
      if (this.countReads.size >= 256) this.countReads.delete(this.countReads.keys().next().value!);
      this.countReads.set(key, st);
    }
    const params: string[] = [...areaCodes, ...measures];
    if (source) params.push(source);
    if (from) params.push(from);
    if (to) params.push(to);
    return st.all(...params).map(fromRawCount);
  }

  /** Folds the WAL into the main file (before copying the file, e.g. test templates and backups). */
  async checkpoint(): Promise<void> {
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(this.db);
  }
}

/** Prepared statements kept per database, by SQL text (least recently used dropped past this many). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The database as kysely's SqliteDriver sees it, with its statements cached by SQL text: the driver
 * calls prepare() for every query, and compiling the same SQL again costs more than many of the small
 * reads an answer makes. Statements are run one at a time (the driver holds its one connection for
 * each), and SQLite re-prepares a cached one itself if the schema changes.
 */
function cachingStatements(database: Database.Database): { close(): void; prepare(sql: string): Database.Statement } {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare(sql: string) {
      let st = cache.get(sql);
      if (st) {
        cache.delete(sql); // to the back: most recently used
      } else {
        st = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, st);
      return st;
    },
  };
}

/** Opens (creating and migrating as needed) the SQLite store at `path`. */
export async function openSqliteStore(path: string): Promise<SqliteKyselyStore> {
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // The migration lock on SQLite is the write lock: BEGIN IMMEDIATE, so two processes opening one new
  // file together migrate once (the second sees the versions the first recorded).
  database.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  database
    .transaction(() => {
      const applied = new Set((database.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        database.exec(m.sql);
        if (m.step === 'pack-counts') packAllCountsSqlite(database);
        database.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      }
    })
    .immediate();
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingStatements(database) }) });
  let closed = false;
  return new SqliteKyselyStore(
    file,
    db,
    async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
    database,
  );
}

// ---- PostgreSQL ----

/** A fixed key for pg_advisory_xact_lock: held only while migrations run, inside their transaction. */
const MIGRATION_LOCK_KEY = 7_316_004_210;

async function migratePostgres(pool: pg.Pool, migrations: readonly Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Lock first, then look: the second replica waits here and then finds everything applied.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      if (m.step === 'pack-counts') await packAllCountsPostgres(client);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Distinct SELECT texts run as named prepared statements, the first seen (the hot reads); the rest unnamed. */
const PREPARED_SELECTS_MAX = 200;

/**
 * The store's SELECTs outside transactions as named prepared statements on each of the pool's connections:
 * PostgreSQL parses (and, after a few runs, plans) one once per connection instead of at every call (the
 * server's CPU for an answer's reads 2.4 -> 1.5 ms, measured). A text whose named statement fails as
 * no longer valid (another replica's migration changed a table it reads: "cached plan must not change
 * result type"; or a transaction-mode pooler in front, whose server connections do not hold this client's
 * statements, or hold another client's of the same name) is run again unnamed, and unnamed from then on.
 */
function prepareSelects(pool: pg.Pool): void {
  const names = new Map<string, string>();
  const unnamed = new Set<string>();
  const nameFor = (text: string): string | undefined => {
    if (!/^\s*select/i.test(text) || unnamed.has(text)) return undefined;
    let name = names.get(text);
    // named by the text's hash, so a name means the same statement on every client and server connection
    if (!name && names.size < PREPARED_SELECTS_MAX) names.set(text, (name = `wardwatch_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`));
    return name;
  };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
    let inTransaction = false;
    (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
      if (typeof text === 'string') {
        if (/^\s*(begin|start transaction)/i.test(text)) inTransaction = true;
        else if (/^\s*(commit|rollback)/i.test(text)) inTransaction = false;
      }
      const name = typeof text === 'string' && !inTransaction && Array.isArray(values) && callback === undefined ? nameFor(text) : undefined;
      if (!name) return query(text, values, callback);
      return query({ name, text, values }).catch((err: unknown) => {
        const code = (err as { code?: unknown }).code;
        if (code !== '0A000' && code !== '26000' && code !== '42P05') throw err;
        names.delete(text as string);
        unnamed.add(text as string);
        return query(text, values);
      });
    };
  });
}

/** Opens (migrating as needed) the PostgreSQL store at `url`. */
export async function openPostgresStore(url: string, options: { poolSize?: number } = {}): Promise<KyselyStore> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  prepareSelects(pool);
  // An idle client's error (the server restarting) must not crash the process: the pool replaces it.
  pool.on('error', (err) => console.error(`store: PostgreSQL connection error: ${err.message}`));
  try {
    await migratePostgres(pool, PG_MIGRATIONS);
  } catch (err) {
    await pool.end().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`could not open the PostgreSQL store at ${redactUrl(url)}: ${message}`);
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return new KyselyStore('postgres', redactUrl(url), db, db, async () => {
    if (closed) return;
    closed = true;
    await db.destroy();
  });
}
