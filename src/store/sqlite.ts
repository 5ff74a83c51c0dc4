// The embedded Store: one SQLite file through better-sqlite3, WAL mode, versioned migrations.
// Everything SQLite-specific stays in this file; callers see only the Store port in types.ts.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Month } from '../core/periods.ts';
import { MIGRATIONS } from './migrations.ts';
import type {
  Area,
  AreaType,
  CountQuery,
  CurrentMonth,
  DataSource,
  LocalChannelMessage,
  MonthlyCount,
  Population,
  Release,
  ReplaceResult,
  Store,
} from './types.ts';

/** The store file: $WARDWATCH_DB, else ./data/wardwatch.sqlite. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.WARDWATCH_DB || 'data/wardwatch.sqlite');
}

/** Opens (creating and migrating as needed) the store at `path` (default: defaultDbPath()). */
export function openStore(path: string = defaultDbPath()): SqliteStore {
  return new SqliteStore(path);
}

interface ReleaseRow {
  id: number;
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

interface LocalMessageRow {
  id: number;
  channel: string;
  reply: string;
  posted_at: string;
  idempotency_key: string | null;
}

function toLocalMessage(r: LocalMessageRow): LocalChannelMessage {
  return { id: r.id, channel: r.channel, reply: JSON.parse(r.reply) as LocalChannelMessage['reply'], postedAt: r.posted_at, idempotencyKey: r.idempotency_key };
}

const AREA_TYPE_RANK: Record<AreaType, number> = { force: 0, district: 1, ward: 2, lsoa: 3 };

// The read path returns arrays (raw mode), turned straight into MonthlyCount objects: one allocation a row.
/** Bound parameters per counts() statement; longer area lists are batched. */
const MAX_BOUND = 2000;
const COUNT_COLUMNS = 'area_code, measure, source, month, area_type, count, by_polygon, by_lsoa, by_partner, synthetic';
type RawCountRow = [string, string, DataSource, Month, AreaType, number, number, number, number, number];

function fromRaw(r: RawCountRow): MonthlyCount {
  return r[4] === 'ward'
    ? { source: r[2], month: r[3], areaType: 'ward', areaCode: r[0], measure: r[1], count: r[5], byPolygon: r[6], byLsoa: r[7], byPartner: r[8], synthetic: r[9] === 1 }
    : { source: r[2], month: r[3], areaType: r[4], areaCode: r[0], measure: r[1], count: r[5], synthetic: r[9] === 1 };
}

function toRelease(r: ReleaseRow): Release {
  return {
    id: r.id,
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

/** The total a revision reports: the sum of the coarsest level present (force, else district, ...). */
export function monthTotal(counts: readonly MonthlyCount[]): number {
  let rank = Infinity;
  for (const c of counts) rank = Math.min(rank, AREA_TYPE_RANK[c.areaType]);
  let total = 0;
  for (const c of counts) if (AREA_TYPE_RANK[c.areaType] === rank) total += c.count;
  return total;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly countStatements = new Map<string, Database.Statement>();
  private readonly stmt: {
    insertCount: Database.Statement;
    deleteMonth: Database.Statement;
    current: Database.Statement;
    upsertCurrent: Database.Statement;
    insertRelease: Database.Statement;
    releaseById: Database.Statement;
  };

  constructor(path: string) {
    this.path = path === ':memory:' ? path : resolve(path);
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.stmt = {
      insertCount: this.db.prepare(
        `INSERT INTO counts (area_code, measure, source, month, area_type, count, by_polygon, by_lsoa, by_partner, synthetic)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteMonth: this.db.prepare('DELETE FROM counts WHERE source = ? AND month = ?'),
      current: this.db.prepare('SELECT * FROM current_months WHERE source = ? AND month = ?'),
      upsertCurrent: this.db.prepare(
        `INSERT INTO current_months (source, month, release_id, checksum, total, synthetic) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (source, month) DO UPDATE SET release_id = excluded.release_id, checksum = excluded.checksum,
           total = excluded.total, synthetic = excluded.synthetic`,
      ),
      insertRelease: this.db.prepare(
        `INSERT INTO releases (source, file_name, month, rows_read, placed_by_polygon, placed_by_lsoa, placed_by_partner, out_of_area, unplaced,
           checksum, ingested_at, synthetic, revision_previous_total, revision_new_total, revision_previous_checksum)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      releaseById: this.db.prepare('SELECT * FROM releases WHERE id = ?'),
    };
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      })();
    }
  }

  schemaVersion(): number {
    return (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  }

  /** Folds the WAL into the main file (before copying the file, e.g. test templates). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- geography ----

  upsertAreas(areas: Area[]): void {
    const st = this.db.prepare(
      `INSERT INTO areas (code, name, type, parent_code, district_code) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (code) DO UPDATE SET name = excluded.name, type = excluded.type, parent_code = excluded.parent_code,
         district_code = excluded.district_code`,
    );
    this.transaction(() => {
      for (const a of areas) st.run(a.code, a.name, a.type, a.parentCode, a.districtCode ?? null);
    });
  }

  private static toArea(r: { code: string; name: string; type: AreaType; parent_code: string | null; district_code: string | null }): Area {
    const a: Area = { code: r.code, name: r.name, type: r.type, parentCode: r.parent_code };
    if (r.type === 'lsoa') a.districtCode = r.district_code;
    return a;
  }

  areas(type?: AreaType): Area[] {
    const rows = type
      ? this.db.prepare('SELECT * FROM areas WHERE type = ? ORDER BY code').all(type)
      : this.db.prepare('SELECT * FROM areas ORDER BY code').all();
    return (rows as Parameters<typeof SqliteStore.toArea>[0][]).map(SqliteStore.toArea);
  }

  area(code: string): Area | undefined {
    const r = this.db.prepare('SELECT * FROM areas WHERE code = ?').get(code) as Parameters<typeof SqliteStore.toArea>[0] | undefined;
    return r ? SqliteStore.toArea(r) : undefined;
  }

  children(code: string): Area[] {
    return (this.db.prepare('SELECT * FROM areas WHERE parent_code = ? ORDER BY code').all(code) as Parameters<typeof SqliteStore.toArea>[0][]).map(
      SqliteStore.toArea,
    );
  }

  upsertLsoa11Lookup(rows: Array<{ lsoa11: string; lsoa21: string; change: string }>): void {
    const st = this.db.prepare(
      `INSERT INTO lsoa11_lookup (lsoa11, lsoa21, change) VALUES (?, ?, ?)
       ON CONFLICT (lsoa11) DO UPDATE SET lsoa21 = excluded.lsoa21, change = excluded.change`,
    );
    this.transaction(() => {
      for (const r of rows) st.run(r.lsoa11, r.lsoa21, r.change);
    });
  }

  lsoa11Lookup(): Map<string, string> {
    const rows = this.db.prepare('SELECT lsoa11, lsoa21 FROM lsoa11_lookup').all() as Array<{ lsoa11: string; lsoa21: string }>;
    return new Map(rows.map((r) => [r.lsoa11, r.lsoa21]));
  }

  upsertBoundaries(rows: Array<{ areaCode: string; geojson: string }>): void {
    const st = this.db.prepare(
      'INSERT INTO boundaries (area_code, geojson) VALUES (?, ?) ON CONFLICT (area_code) DO UPDATE SET geojson = excluded.geojson',
    );
    this.transaction(() => {
      for (const r of rows) st.run(r.areaCode, r.geojson);
    });
  }

  boundaries(): Array<{ areaCode: string; geojson: string }> {
    return (this.db.prepare('SELECT area_code, geojson FROM boundaries ORDER BY area_code').all() as Array<{ area_code: string; geojson: string }>).map(
      (r) => ({ areaCode: r.area_code, geojson: r.geojson }),
    );
  }

  upsertPopulations(rows: Population[]): void {
    const st = this.db.prepare(
      `INSERT INTO populations (area_code, population, year, source) VALUES (?, ?, ?, ?)
       ON CONFLICT (area_code) DO UPDATE SET population = excluded.population, year = excluded.year, source = excluded.source`,
    );
    this.transaction(() => {
      for (const r of rows) st.run(r.areaCode, r.population, r.year, r.source);
    });
  }

  population(areaCode: string): Population | undefined {
    const r = this.db.prepare('SELECT * FROM populations WHERE area_code = ?').get(areaCode) as
      | { area_code: string; population: number; year: number; source: string }
      | undefined;
    return r ? { areaCode: r.area_code, population: r.population, year: r.year, source: r.source } : undefined;
  }

  // ---- counts ----

  replaceMonth(input: {
    source: DataSource;
    month: Month;
    counts: MonthlyCount[];
    release: Omit<Release, 'id' | 'revision' | 'ingestedAt'>;
  }): ReplaceResult {
    const { source, month, counts, release } = input;
    return this.transaction((): ReplaceResult => {
      const existing = this.stmt.current.get(source, month) as
        | { release_id: number; checksum: string; total: number; synthetic: number }
        | undefined;
      if (existing && existing.checksum === release.checksum) return { release: null, unchanged: true, reason: 'same-checksum' };
      if (existing && existing.synthetic === 0 && release.synthetic) return { release: null, unchanged: true, reason: 'real-data-exists' };
      const total = monthTotal(counts);
      this.stmt.deleteMonth.run(source, month);
      const synthetic = release.synthetic ? 1 : 0;
      for (const c of counts) {
        if (c.source !== source || c.month !== month) throw new Error(`replaceMonth(${source}, ${month}) given a count for ${c.source} ${c.month}`);
        this.stmt.insertCount.run(c.areaCode, c.measure, source, month, c.areaType, c.count, c.byPolygon ?? 0, c.byLsoa ?? 0, c.byPartner ?? 0, synthetic);
      }
      const revision = existing ? { previousTotal: existing.total, newTotal: total, previousChecksum: existing.checksum } : null;
      const saved = this.insertRelease({ ...release, source, month }, revision);
      this.stmt.upsertCurrent.run(source, month, saved.id, release.checksum, total, synthetic);
      return { release: saved, unchanged: false };
    });
  }

  private insertRelease(r: Omit<Release, 'id' | 'revision' | 'ingestedAt'>, revision: Release['revision']): Release {
    const info = this.stmt.insertRelease.run(
      r.source,
      r.fileName,
      r.month,
      r.rowsRead,
      r.placedByPolygon,
      r.placedByLsoa,
      r.placedByPartner,
      r.outOfArea,
      r.unplaced,
      r.checksum,
      new Date().toISOString(),
      r.synthetic ? 1 : 0,
      revision?.previousTotal ?? null,
      revision?.newTotal ?? null,
      revision?.previousChecksum ?? null,
    );
    return toRelease(this.stmt.releaseById.get(Number(info.lastInsertRowid)) as ReleaseRow);
  }

  logRelease(release: Omit<Release, 'id' | 'ingestedAt' | 'revision'>): Release {
    return this.insertRelease(release, null);
  }

  counts(query: CountQuery): MonthlyCount[] {
    const { areaCodes, measures, source, from, to } = query;
    if (areaCodes.length === 0 || measures.length === 0) return [];
    if (areaCodes.length + measures.length > MAX_BOUND) {
      // Very long area lists (e.g. every ward nationally) go in sorted batches, so the result keeps its order.
      const codes = [...new Set(areaCodes)].sort();
      const size = Math.max(1, MAX_BOUND - measures.length);
      const out: MonthlyCount[] = [];
      for (let i = 0; i < codes.length; i += size) out.push(...this.counts({ ...query, areaCodes: codes.slice(i, i + size) }));
      return out;
    }
    const key = `${areaCodes.length}:${measures.length}:${source ? 1 : 0}${from ? 1 : 0}${to ? 1 : 0}`;
    let st = this.countStatements.get(key);
    if (!st) {
      const where = [
        `area_code IN (${areaCodes.map(() => '?').join(',')})`,
        `measure IN (${measures.map(() => '?').join(',')})`,
        ...(source ? ['source = ?'] : []),
        ...(from ? ['month >= ?'] : []),
        ...(to ? ['month <= ?'] : []),
      ];
      st = this.db
        .prepare(`SELECT ${COUNT_COLUMNS} FROM counts WHERE ${where.join(' AND ')} ORDER BY area_code, measure, source, month`)
        .raw(true);
      if (this.countStatements.size > 256) this.countStatements.clear();
      this.countStatements.set(key, st);
    }
    const params: string[] = [...areaCodes, ...measures];
    if (source) params.push(source);
    if (from) params.push(from);
    if (to) params.push(to);
    return (st.all(...params) as RawCountRow[]).map(fromRaw);
  }

  months(source?: DataSource): Month[] {
    const rows = source
      ? this.db.prepare('SELECT month FROM current_months WHERE source = ? ORDER BY month').all(source)
      : this.db.prepare('SELECT DISTINCT month FROM current_months ORDER BY month').all();
    return (rows as Array<{ month: Month }>).map((r) => r.month);
  }

  realMonths(source?: DataSource): Month[] {
    const rows = source
      ? this.db.prepare('SELECT month FROM current_months WHERE source = ? AND synthetic = 0 ORDER BY month').all(source)
      : this.db.prepare('SELECT DISTINCT month FROM current_months WHERE synthetic = 0 ORDER BY month').all();
    return (rows as Array<{ month: Month }>).map((r) => r.month);
  }

  currentMonths(source?: DataSource): CurrentMonth[] {
    const rows = (
      source
        ? this.db.prepare('SELECT * FROM current_months WHERE source = ? ORDER BY month, source').all(source)
        : this.db.prepare('SELECT * FROM current_months ORDER BY month, source').all()
    ) as Array<{ source: DataSource; month: Month; release_id: number; checksum: string; total: number; synthetic: number }>;
    return rows.map((r) => ({ source: r.source, month: r.month, releaseId: r.release_id, checksum: r.checksum, total: r.total, synthetic: r.synthetic === 1 }));
  }

  releases(): Release[] {
    return (this.db.prepare('SELECT * FROM releases ORDER BY id').all() as ReleaseRow[]).map(toRelease);
  }

  // ---- local channel messages ----

  appendLocalMessage(input: Omit<LocalChannelMessage, 'id'>): { message: LocalChannelMessage; duplicate: boolean } {
    return this.transaction(() => {
      if (input.idempotencyKey !== null) {
        const earlier = this.db.prepare('SELECT * FROM local_messages WHERE idempotency_key = ?').get(input.idempotencyKey) as LocalMessageRow | undefined;
        if (earlier) return { message: toLocalMessage(earlier), duplicate: true };
      }
      const info = this.db
        .prepare('INSERT INTO local_messages (channel, reply, posted_at, idempotency_key) VALUES (?, ?, ?, ?)')
        .run(input.channel, JSON.stringify(input.reply), input.postedAt, input.idempotencyKey);
      return { message: { ...input, id: Number(info.lastInsertRowid) }, duplicate: false };
    });
  }

  localMessages(query: { channel?: string; afterId?: number; limit: number }): LocalChannelMessage[] {
    const rows = (
      query.channel !== undefined
        ? this.db.prepare('SELECT * FROM (SELECT * FROM local_messages WHERE channel = ? AND id > ? ORDER BY id DESC LIMIT ?) ORDER BY id').all(query.channel, query.afterId ?? 0, query.limit)
        : this.db.prepare('SELECT * FROM local_messages WHERE id > ? ORDER BY id LIMIT ?').all(query.afterId ?? 0, query.limit)
    ) as LocalMessageRow[];
    return rows.map(toLocalMessage);
  }

  isEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM current_months LIMIT 1').get() === undefined;
  }

  contentChecksum(): string {
    const hash = createHash('sha256');
    const tables: Array<[string, string]> = [
      ['schema_migrations', 'version'],
      ['areas', 'code'],
      ['lsoa11_lookup', 'lsoa11'],
      ['boundaries', 'area_code'],
      ['populations', 'area_code'],
      ['counts', 'area_code, measure, source, month'],
      ['releases', 'id'],
      ['current_months', 'source, month'],
      ['local_messages', 'id'],
    ];
    for (const [table, order] of tables) {
      hash.update(`\n#${table}\n`);
      const cols = table === 'schema_migrations' ? 'version, name' : '*';
      for (const row of this.db.prepare(`SELECT ${cols} FROM ${table} ORDER BY ${order}`).raw().iterate()) {
        hash.update(JSON.stringify(row));
        hash.update('\n');
      }
    }
    return hash.digest('hex');
  }
}
