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
import type { Month } from '../core/periods.ts';
import { MIGRATIONS, PG_MIGRATIONS, type Migration } from './migrations.ts';
import { redactUrl } from './url.ts';
import type {
  Area,
  AreaType,
  CountQuery,
  CurrentMonth,
  DataEvent,
  DataSource,
  JobFire,
  LocalChannelMessage,
  MonthlyCount,
  Population,
  Release,
  ReplaceResult,
  SlackInstallationRow,
  Store,
  StoredChartRequest,
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

interface DB {
  schema_migrations: { version: number; name: string; applied_at: string };
  areas: AreasTable;
  lsoa11_lookup: { lsoa11: string; lsoa21: string; change: string };
  boundaries: { area_code: string; geojson: string; drawing_geojson: string | null };
  populations: { area_code: string; population: number; year: number; source: string };
  counts: CountsTable;
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
}

type Executor = Kysely<DB> | Transaction<DB>;

const AREA_TYPE_RANK: Record<AreaType, number> = { force: 0, district: 1, ward: 2, lsoa: 3 };
/** Bound parameters per statement: longer IN lists go in batches (SQLite allows 32,766, PostgreSQL 65,535). */
const MAX_BOUND = 2000;
/** Rows per multi-row INSERT (10 columns x 500 stays well under both limits). */
const INSERT_CHUNK = 500;

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

function toLocalMessage(r: { id: number; channel: string; reply: string; posted_at: string; idempotency_key: string | null }): LocalChannelMessage {
  return { id: Number(r.id), channel: r.channel, reply: JSON.parse(r.reply) as LocalChannelMessage['reply'], postedAt: r.posted_at, idempotencyKey: r.idempotency_key };
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
export class KyselyStore implements Store {
  constructor(
    readonly kind: 'sqlite' | 'postgres',
    readonly location: string,
    protected readonly db: Executor,
    private readonly root: Kysely<DB> | null,
    private readonly onClose: () => Promise<void>,
  ) {}

  async close(): Promise<void> {
    if (this.root) await this.onClose();
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    // Already inside one: run in it (kysely has no nested transactions; savepoints are not needed here).
    if (!this.root) return fn(this);
    return this.root.transaction().execute((trx) => fn(new KyselyStore(this.kind, this.location, trx, null, async () => undefined)));
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
    });
  }

  async areas(type?: AreaType): Promise<Area[]> {
    let q = this.db.selectFrom('areas').selectAll();
    if (type) q = q.where('type', '=', type);
    return (await q.orderBy('code').execute()).map(toArea);
  }

  async area(code: string): Promise<Area | undefined> {
    const r = await this.db.selectFrom('areas').selectAll().where('code', '=', code).executeTakeFirst();
    return r ? toArea(r) : undefined;
  }

  async areasByCode(codes: readonly string[]): Promise<Map<string, Area>> {
    const out = new Map<string, Area>();
    for (const part of chunks([...new Set(codes)], MAX_BOUND)) {
      for (const r of await this.db.selectFrom('areas').selectAll().where('code', 'in', part).execute()) out.set(r.code, toArea(r));
    }
    return out;
  }

  async children(code: string): Promise<Area[]> {
    return (await this.db.selectFrom('areas').selectAll().where('parent_code', '=', code).orderBy('code').execute()).map(toArea);
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
    });
  }

  async population(areaCode: string): Promise<Population | undefined> {
    const r = await this.db.selectFrom('populations').selectAll().where('area_code', '=', areaCode).executeTakeFirst();
    return r ? { areaCode: r.area_code, population: Number(r.population), year: r.year, source: r.source } : undefined;
  }

  async populations(codes: readonly string[]): Promise<Map<string, Population>> {
    const out = new Map<string, Population>();
    for (const part of chunks([...new Set(codes)], MAX_BOUND)) {
      for (const r of await this.db.selectFrom('populations').selectAll().where('area_code', 'in', part).execute()) {
        out.set(r.area_code, { areaCode: r.area_code, population: Number(r.population), year: r.year, source: r.source });
      }
    }
    return out;
  }

  // ---- counts and releases ----

  async replaceMonth(input: { source: DataSource; month: Month; counts: MonthlyCount[]; release: Omit<Release, 'id' | 'revision' | 'ingestedAt'> }): Promise<ReplaceResult> {
    const { source, month, counts, release } = input;
    for (const c of counts) {
      if (c.source !== source || c.month !== month) throw new Error(`replaceMonth(${source}, ${month}) given a count for ${c.source} ${c.month}`);
    }
    return this.inTransaction(async (db): Promise<ReplaceResult> => {
      const existing = await db.selectFrom('current_months').selectAll().where('source', '=', source).where('month', '=', month).executeTakeFirst();
      if (existing && existing.checksum === release.checksum) return { release: null, unchanged: true, reason: 'same-checksum' };
      if (existing && existing.synthetic === 0 && release.synthetic) return { release: null, unchanged: true, reason: 'real-data-exists' };
      const total = monthTotal(counts);
      const synthetic = release.synthetic ? 1 : 0;
      await db.deleteFrom('counts').where('source', '=', source).where('month', '=', month).execute();
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
  }

  async logRelease(release: Omit<Release, 'id' | 'ingestedAt' | 'revision'>): Promise<Release> {
    return insertRelease(this.db, release, null);
  }

  async measuresHeld(query: Omit<CountQuery, 'from' | 'to'>): Promise<string[]> {
    const { areaCodes, measures, source } = query;
    if (areaCodes.length === 0 || measures.length === 0) return [];
    const held = new Set<string>();
    for (const part of chunks([...new Set(areaCodes)], Math.max(1, MAX_BOUND - measures.length))) {
      let q = this.db.selectFrom('counts').select('measure').distinct().where('area_code', 'in', part).where('measure', 'in', measures);
      if (source) q = q.where('source', '=', source);
      for (const r of await q.execute()) held.add(r.measure);
    }
    return [...held];
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

  async months(source?: DataSource): Promise<Month[]> {
    const rows = source
      ? await this.db.selectFrom('current_months').select('month').where('source', '=', source).orderBy('month').execute()
      : await this.db.selectFrom('current_months').select('month').distinct().orderBy('month').execute();
    return rows.map((r) => r.month);
  }

  async realMonths(source?: DataSource): Promise<Month[]> {
    let q = this.db.selectFrom('current_months').select('month').distinct().where('synthetic', '=', 0);
    if (source) q = q.where('source', '=', source);
    return (await q.orderBy('month').execute()).map((r) => r.month);
  }

  async currentMonths(source?: DataSource): Promise<CurrentMonth[]> {
    let q = this.db.selectFrom('current_months').selectAll();
    if (source) q = q.where('source', '=', source);
    const rows = await q.orderBy('month').orderBy('source').execute();
    return rows.map((r) => ({ source: r.source, month: r.month, releaseId: Number(r.release_id), checksum: r.checksum, total: Number(r.total), synthetic: r.synthetic === 1 }));
  }

  async releases(): Promise<Release[]> {
    return (await this.db.selectFrom('releases').selectAll().orderBy('id').execute()).map(toRelease);
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
        .values({ channel: input.channel, reply: JSON.stringify(input.reply), posted_at: input.postedAt, idempotency_key: input.idempotencyKey })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return { message: { ...input, id: Number(inserted.id) }, duplicate: false };
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
  return toRelease(row);
}

// ---- SQLite ----

/** The embedded store on one SQLite file (WAL). */
export class SqliteKyselyStore extends KyselyStore {
  constructor(
    readonly path: string,
    db: Kysely<DB>,
    onClose: () => Promise<void>,
  ) {
    super('sqlite', path, db, db, onClose);
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
        database.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      }
    })
    .immediate();
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingStatements(database) }) });
  let closed = false;
  return new SqliteKyselyStore(file, db, async () => {
    if (closed) return;
    closed = true;
    await db.destroy();
  });
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

/** Opens (migrating as needed) the PostgreSQL store at `url`. */
export async function openPostgresStore(url: string, options: { poolSize?: number } = {}): Promise<KyselyStore> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
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
