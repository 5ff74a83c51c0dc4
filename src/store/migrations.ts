// Versioned schema migrations. Each entry runs once, in order, inside a transaction, and is recorded in
// `schema_migrations`. Written in SQL that PostgreSQL also reads, with one known exception: the
// `id INTEGER PRIMARY KEY` columns (release log, local messages) number themselves only in SQLite; a
// PostgreSQL store needs its own list with `GENERATED ALWAYS AS IDENTITY` there.
// Never edit a released migration: add a new one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'geography, populations, monthly counts, release log',
    sql: `
      CREATE TABLE areas (
        code          TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        type          TEXT NOT NULL,
        parent_code   TEXT,
        district_code TEXT
      );
      CREATE INDEX areas_by_parent ON areas (parent_code);
      CREATE INDEX areas_by_type ON areas (type);

      CREATE TABLE lsoa11_lookup (
        lsoa11 TEXT PRIMARY KEY,
        lsoa21 TEXT NOT NULL,
        change TEXT NOT NULL
      );

      CREATE TABLE boundaries (
        area_code TEXT PRIMARY KEY,
        geojson   TEXT NOT NULL
      );

      CREATE TABLE populations (
        area_code  TEXT PRIMARY KEY,
        population INTEGER NOT NULL,
        year       INTEGER NOT NULL,
        source     TEXT NOT NULL
      );

      -- One row per source, month, area and measure. Composites are never stored.
      -- The primary key leads with area and measure: the figures engine asks for a few areas and
      -- measures over a range of months, thousands of times per reply batch.
      CREATE TABLE counts (
        area_code  TEXT NOT NULL,
        measure    TEXT NOT NULL,
        source     TEXT NOT NULL,
        month      TEXT NOT NULL,
        area_type  TEXT NOT NULL,
        count      INTEGER NOT NULL,
        by_polygon INTEGER NOT NULL DEFAULT 0,
        by_lsoa    INTEGER NOT NULL DEFAULT 0,
        by_partner INTEGER NOT NULL DEFAULT 0,
        synthetic  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (area_code, measure, source, month)
      );
      CREATE INDEX counts_by_source_month ON counts (source, month);

      CREATE TABLE releases (
        id                 INTEGER PRIMARY KEY,
        source             TEXT NOT NULL,
        file_name          TEXT NOT NULL,
        month              TEXT,
        rows_read          INTEGER NOT NULL,
        placed_by_polygon  INTEGER NOT NULL,
        placed_by_lsoa     INTEGER NOT NULL,
        placed_by_partner  INTEGER NOT NULL,
        out_of_area        INTEGER NOT NULL,
        unplaced           INTEGER NOT NULL,
        checksum           TEXT NOT NULL,
        ingested_at        TEXT NOT NULL,
        synthetic          INTEGER NOT NULL,
        revision_previous_total    INTEGER,
        revision_new_total         INTEGER,
        revision_previous_checksum TEXT
      );
      CREATE INDEX releases_by_source_month ON releases (source, month);

      -- The release currently in force for each source and month (what a re-ingest compares with).
      CREATE TABLE current_months (
        source     TEXT NOT NULL,
        month      TEXT NOT NULL,
        release_id INTEGER NOT NULL,
        checksum   TEXT NOT NULL,
        total      INTEGER NOT NULL,
        synthetic  INTEGER NOT NULL,
        PRIMARY KEY (source, month)
      );
    `,
  },
  {
    version: 2,
    name: 'local channel messages',
    sql: `
      -- What the local platform delivered to each local channel (alerts, digests, summaries), so the
      -- local page shows a channel's history after a restart. The key makes delivery idempotent.
      CREATE TABLE local_messages (
        id              INTEGER PRIMARY KEY,
        channel         TEXT NOT NULL,
        reply           TEXT NOT NULL,
        posted_at       TEXT NOT NULL,
        idempotency_key TEXT UNIQUE
      );
      CREATE INDEX local_messages_by_channel ON local_messages (channel, id);
    `,
  },
  {
    version: 3,
    name: 'slack workspace installations',
    sql: `
      -- Multi-workspace Slack installs (src/surfaces/slack/installStore.ts): one row per workspace, or per
      -- Enterprise Grid org for org-wide installs ('T:<team id>' / 'E:<enterprise id>'). The
      -- installation JSON holds that workspace's bot token. IF NOT EXISTS: the install store also
      -- creates this table itself when it opens a file the store has not migrated.
      CREATE TABLE IF NOT EXISTS slack_installations (
        install_key           TEXT PRIMARY KEY,
        team_id               TEXT,
        enterprise_id         TEXT,
        is_enterprise_install INTEGER NOT NULL DEFAULT 0,
        installation          TEXT NOT NULL,
        installed_at          TEXT NOT NULL,
        updated_at            TEXT NOT NULL
      );
    `,
  },
];
