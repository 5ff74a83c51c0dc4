// Versioned schema migrations, one list per dialect with the same versions. Each entry runs once, in
// order, inside a transaction under the store's migration lock, and is recorded in `schema_migrations`.
// The two lists differ only where the dialects do: identity columns (SQLite's `INTEGER PRIMARY KEY`,
// PostgreSQL's `GENERATED ALWAYS AS IDENTITY`) and PostgreSQL's `COLLATE "C"` on keys, so that both
// stores order codes byte by byte and give the same answers.
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
  {
    version: 4,
    name: 'drawing boundaries, data events and cursors, job fires, chart requests',
    sql: `
      ALTER TABLE boundaries ADD COLUMN drawing_geojson TEXT;

      -- "Month M of source S landed or was revised", written in the same transaction as its release.
      CREATE TABLE data_events (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL,
        source     TEXT NOT NULL,
        month      TEXT NOT NULL,
        release_id INTEGER NOT NULL,
        synthetic  INTEGER NOT NULL,
        at         TEXT NOT NULL
      );
      -- Each consumer's high-water mark over data_events (release notices, alerts, summaries).
      CREATE TABLE consumer_cursors (
        consumer      TEXT PRIMARY KEY,
        last_event_id INTEGER NOT NULL,
        updated_at    TEXT NOT NULL
      );
      -- One row per job and scheduled time: the insert that succeeds is the one replica that runs it.
      CREATE TABLE job_fires (
        job         TEXT NOT NULL,
        fire_at     TEXT NOT NULL,
        claimed_by  TEXT NOT NULL,
        claimed_at  TEXT NOT NULL,
        reason      TEXT NOT NULL,
        finished_at TEXT,
        ok          INTEGER,
        error       TEXT,
        ms          INTEGER,
        PRIMARY KEY (job, fire_at)
      );
      CREATE INDEX job_fires_by_claimed ON job_fires (job, claimed_at);
      -- Charts handed out by URL, rendered on demand by whichever replica is asked.
      CREATE TABLE chart_requests (
        id         TEXT PRIMARY KEY,
        request    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX chart_requests_by_expiry ON chart_requests (expires_at);
    `,
  },
];

const C = 'COLLATE "C"';

/** PostgreSQL: the same schema, version for version. */
export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'geography, populations, monthly counts, release log',
    sql: `
      CREATE TABLE areas (
        code          TEXT ${C} PRIMARY KEY,
        name          TEXT ${C} NOT NULL,
        type          TEXT ${C} NOT NULL,
        parent_code   TEXT ${C},
        district_code TEXT ${C}
      );
      CREATE INDEX areas_by_parent ON areas (parent_code);
      CREATE INDEX areas_by_type ON areas (type);
      CREATE TABLE lsoa11_lookup (
        lsoa11 TEXT ${C} PRIMARY KEY,
        lsoa21 TEXT ${C} NOT NULL,
        change TEXT NOT NULL
      );
      CREATE TABLE boundaries (
        area_code TEXT ${C} PRIMARY KEY,
        geojson   TEXT NOT NULL
      );
      CREATE TABLE populations (
        area_code  TEXT ${C} PRIMARY KEY,
        population INTEGER NOT NULL,
        year       INTEGER NOT NULL,
        source     TEXT NOT NULL
      );
      CREATE TABLE counts (
        area_code  TEXT ${C} NOT NULL,
        measure    TEXT ${C} NOT NULL,
        source     TEXT ${C} NOT NULL,
        month      TEXT ${C} NOT NULL,
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
        id                 INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        source             TEXT ${C} NOT NULL,
        file_name          TEXT NOT NULL,
        month              TEXT ${C},
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
      CREATE TABLE current_months (
        source     TEXT ${C} NOT NULL,
        month      TEXT ${C} NOT NULL,
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
      CREATE TABLE local_messages (
        id              INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        channel         TEXT ${C} NOT NULL,
        reply           TEXT NOT NULL,
        posted_at       TEXT NOT NULL,
        idempotency_key TEXT ${C} UNIQUE
      );
      CREATE INDEX local_messages_by_channel ON local_messages (channel, id);
    `,
  },
  {
    version: 3,
    name: 'slack workspace installations',
    sql: `
      CREATE TABLE slack_installations (
        install_key           TEXT ${C} PRIMARY KEY,
        team_id               TEXT,
        enterprise_id         TEXT,
        is_enterprise_install INTEGER NOT NULL DEFAULT 0,
        installation          TEXT NOT NULL,
        installed_at          TEXT NOT NULL,
        updated_at            TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'drawing boundaries, data events and cursors, job fires, chart requests',
    sql: `
      ALTER TABLE boundaries ADD COLUMN drawing_geojson TEXT;
      CREATE TABLE data_events (
        id         INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind       TEXT NOT NULL,
        source     TEXT ${C} NOT NULL,
        month      TEXT ${C} NOT NULL,
        release_id INTEGER NOT NULL,
        synthetic  INTEGER NOT NULL,
        at         TEXT NOT NULL
      );
      CREATE TABLE consumer_cursors (
        consumer      TEXT ${C} PRIMARY KEY,
        last_event_id INTEGER NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE TABLE job_fires (
        job         TEXT ${C} NOT NULL,
        fire_at     TEXT ${C} NOT NULL,
        claimed_by  TEXT NOT NULL,
        claimed_at  TEXT ${C} NOT NULL,
        reason      TEXT NOT NULL,
        finished_at TEXT,
        ok          INTEGER,
        error       TEXT,
        ms          INTEGER,
        PRIMARY KEY (job, fire_at)
      );
      CREATE INDEX job_fires_by_claimed ON job_fires (job, claimed_at);
      CREATE TABLE chart_requests (
        id         TEXT ${C} PRIMARY KEY,
        request    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT ${C} NOT NULL
      );
      CREATE INDEX chart_requests_by_expiry ON chart_requests (expires_at);
    `,
  },
];
