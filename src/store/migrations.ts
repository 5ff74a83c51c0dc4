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
  /** A data step that SQL alone does badly, run after `sql` in the same transaction (kysely.ts runs it by name). */
  step?: 'pack-counts';
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
  {
    version: 5,
    name: 'alerting: alert episodes, notification log, acknowledgements, mutes',
    sql: `
      -- One row per alert episode (rule, area, measure from the month it fired until it resolved).
      -- partnerships is ',id1,id2,' so a partnership's alerts are found with LIKE '%,id,%'.
      CREATE TABLE alerts (
        id             INTEGER PRIMARY KEY,
        fingerprint    TEXT NOT NULL,
        rule           TEXT NOT NULL,
        kind           TEXT NOT NULL,
        severity       TEXT NOT NULL,
        area_code      TEXT NOT NULL,
        area_name      TEXT NOT NULL,
        measure        TEXT NOT NULL,
        measure_label  TEXT NOT NULL,
        partnerships   TEXT NOT NULL,
        since_month    TEXT NOT NULL,
        last_month     TEXT NOT NULL,
        state          TEXT NOT NULL,
        observed       REAL,
        expected       REAL,
        upper_bound    REAL,
        probability    REAL,
        explanation    TEXT NOT NULL,
        resolved_month TEXT,
        updated_at     TEXT NOT NULL,
        UNIQUE (fingerprint, since_month)
      );
      CREATE INDEX alerts_by_state ON alerts (state, last_month);
      -- The notification log (Alertmanager's nflog): what each channel was told about each alert, or
      -- what a mute held back. The key makes every entry happen once, across restarts and replicas.
      CREATE TABLE alert_notices (
        notice_key  TEXT PRIMARY KEY,
        alert_id    INTEGER,
        channel     TEXT NOT NULL,
        kind        TEXT NOT NULL,
        month       TEXT NOT NULL,
        message_key TEXT,
        mute_key    TEXT,
        observed    REAL,
        at          TEXT NOT NULL
      );
      CREATE INDEX alert_notices_by_alert ON alert_notices (alert_id);
      CREATE INDEX alert_notices_by_channel ON alert_notices (channel, kind);
      CREATE TABLE alert_acknowledgements (
        id       INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL,
        ack_by   TEXT NOT NULL,
        at       TEXT NOT NULL,
        surface  TEXT NOT NULL,
        observed REAL
      );
      CREATE INDEX alert_acknowledgements_by_alert ON alert_acknowledgements (alert_id);
      -- Mute windows set from chat; the config file's mutes are read from the config.
      CREATE TABLE alert_mutes (
        id         INTEGER PRIMARY KEY,
        channel    TEXT,
        area_code  TEXT,
        measure    TEXT,
        rule       TEXT,
        from_at    TEXT NOT NULL,
        until_at   TEXT NOT NULL,
        reason     TEXT NOT NULL,
        mute_by    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        ended_at   TEXT
      );
    `,
  },
  {
    version: 6,
    name: 'outbox',
    sql: `
      -- Every message Wardwatch posts on its own (digests, corrections, reminders, summaries, briefs)
      -- is written here first, in the same transaction as what caused it, then delivered by the
      -- dispatcher (src/service/outbox.ts). The key makes enqueueing idempotent forever. A row is
      -- leased (lease_owner, lease_expires_at) while one replica delivers it; an expired lease is taken
      -- over. first_attempt_at is set once a post was tried: from then on a retry first asks the
      -- platform whether the message already arrived.
      CREATE TABLE outbox (
        id                  INTEGER PRIMARY KEY,
        idempotency_key     TEXT NOT NULL UNIQUE,
        channel             TEXT NOT NULL,
        kind                TEXT NOT NULL,
        reply               TEXT NOT NULL,
        thread_of           TEXT,
        not_before          TEXT,
        state               TEXT NOT NULL,
        attempts            INTEGER NOT NULL DEFAULT 0,
        next_attempt_at     TEXT NOT NULL,
        lease_owner         TEXT,
        lease_expires_at    TEXT,
        first_attempt_at    TEXT,
        last_error          TEXT,
        platform_message_id TEXT,
        created_at          TEXT NOT NULL,
        sent_at             TEXT
      );
      CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
      CREATE INDEX outbox_by_channel ON outbox (channel, id);
      -- Local channel messages can be thread replies (the parent's local message id).
      ALTER TABLE local_messages ADD COLUMN thread_of TEXT;
    `,
  },
  {
    version: 7,
    name: 'teams conversation references, link secrets',
    sql: `
      -- Where the Teams bot may post on its own: one row per conversation (a channel without its
      -- ";messageid=" part, a group chat, a 1:1 chat), captured from the install event and every message.
      CREATE TABLE teams_conversations (
        conversation_id   TEXT PRIMARY KEY,
        conversation_type TEXT NOT NULL,
        service_url       TEXT NOT NULL,
        tenant_id         TEXT,
        bot_id            TEXT NOT NULL,
        team_id           TEXT,
        name              TEXT,
        installed         INTEGER NOT NULL,
        first_seen_at     TEXT NOT NULL,
        updated_at        TEXT NOT NULL
      );
      -- Secrets that sign links (the webhook cards' Acknowledge links), shared by every replica: the
      -- first replica's random value wins (insert-if-absent).
      CREATE TABLE link_secrets (
        name       TEXT PRIMARY KEY,
        secret     TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: 'data watcher: what each watched source last gave for each month',
    sql: `
      -- One row per watched source (e.g. 'police.uk-api:cambridgeshire') and month: the checksum of what
      -- the source gave when last fetched (over the fields that decide counts), so a later fetch that
      -- differs is a revision. Written after the month's ingest, which has its own transaction.
      CREATE TABLE watcher_months (
        source     TEXT NOT NULL,
        month      TEXT NOT NULL,
        checksum   TEXT NOT NULL,
        crimes     INTEGER NOT NULL,
        release_id INTEGER,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (source, month)
      );
    `,
  },
  {
    version: 11,
    name: 'count packs: each source, month, measure and area type as one blob, for bulk series reads',
    step: 'pack-counts',
    sql: `
      -- A number for each area (and its type), for the packs; append-only: a number never changes meaning.
      CREATE TABLE area_ordinals (
        ordinal   INTEGER PRIMARY KEY,
        area_code TEXT NOT NULL,
        area_type TEXT NOT NULL,
        UNIQUE (area_code, area_type)
      );
      -- The counts of one source, month, measure and area type: 'entries' pairs of big-endian int32
      -- (area ordinal, count). Written with the counts by replaceMonth and removeMonth, in their
      -- transaction; read by countSeries (one row per month and measure instead of one per area).
      CREATE TABLE count_packs (
        source    TEXT NOT NULL,
        month     TEXT NOT NULL,
        measure   TEXT NOT NULL,
        area_type TEXT NOT NULL,
        entries   INTEGER NOT NULL,
        cells     BLOB NOT NULL,
        PRIMARY KEY (source, month, measure, area_type)
      ) WITHOUT ROWID;
      INSERT INTO area_ordinals (area_code, area_type) SELECT DISTINCT area_code, area_type FROM counts;
    `,
  },
  {
    version: 12,
    name: 'data version: one counter every data write raises, for the reads a replica keeps between answers',
    sql: `
      -- Raised in the same transaction as every write of counts, releases, areas or populations, so a
      -- replica that kept reads for one version knows another replica's commit at its next answer.
      CREATE TABLE data_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      );
      INSERT INTO data_version (id, version) VALUES (1, 0);
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
  {
    version: 5,
    name: 'alerting: alert episodes, notification log, acknowledgements, mutes',
    sql: `
      CREATE TABLE alerts (
        id             INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        fingerprint    TEXT ${C} NOT NULL,
        rule           TEXT ${C} NOT NULL,
        kind           TEXT NOT NULL,
        severity       TEXT NOT NULL,
        area_code      TEXT ${C} NOT NULL,
        area_name      TEXT NOT NULL,
        measure        TEXT ${C} NOT NULL,
        measure_label  TEXT NOT NULL,
        partnerships   TEXT ${C} NOT NULL,
        since_month    TEXT ${C} NOT NULL,
        last_month     TEXT ${C} NOT NULL,
        state          TEXT ${C} NOT NULL,
        observed       DOUBLE PRECISION,
        expected       DOUBLE PRECISION,
        upper_bound    DOUBLE PRECISION,
        probability    DOUBLE PRECISION,
        explanation    TEXT NOT NULL,
        resolved_month TEXT ${C},
        updated_at     TEXT NOT NULL,
        UNIQUE (fingerprint, since_month)
      );
      CREATE INDEX alerts_by_state ON alerts (state, last_month);
      CREATE TABLE alert_notices (
        notice_key  TEXT ${C} PRIMARY KEY,
        alert_id    INTEGER,
        channel     TEXT ${C} NOT NULL,
        kind        TEXT ${C} NOT NULL,
        month       TEXT ${C} NOT NULL,
        message_key TEXT,
        mute_key    TEXT,
        observed    DOUBLE PRECISION,
        at          TEXT ${C} NOT NULL
      );
      CREATE INDEX alert_notices_by_alert ON alert_notices (alert_id);
      CREATE INDEX alert_notices_by_channel ON alert_notices (channel, kind);
      CREATE TABLE alert_acknowledgements (
        id       INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        alert_id INTEGER NOT NULL,
        ack_by   TEXT NOT NULL,
        at       TEXT ${C} NOT NULL,
        surface  TEXT NOT NULL,
        observed DOUBLE PRECISION
      );
      CREATE INDEX alert_acknowledgements_by_alert ON alert_acknowledgements (alert_id);
      CREATE TABLE alert_mutes (
        id         INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        channel    TEXT ${C},
        area_code  TEXT ${C},
        measure    TEXT ${C},
        rule       TEXT ${C},
        from_at    TEXT ${C} NOT NULL,
        until_at   TEXT ${C} NOT NULL,
        reason     TEXT NOT NULL,
        mute_by    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        ended_at   TEXT ${C}
      );
    `,
  },
  {
    version: 6,
    name: 'outbox',
    sql: `
      CREATE TABLE outbox (
        id                  INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        idempotency_key     TEXT ${C} NOT NULL UNIQUE,
        channel             TEXT ${C} NOT NULL,
        kind                TEXT NOT NULL,
        reply               TEXT NOT NULL,
        thread_of           TEXT ${C},
        not_before          TEXT ${C},
        state               TEXT ${C} NOT NULL,
        attempts            INTEGER NOT NULL DEFAULT 0,
        next_attempt_at     TEXT ${C} NOT NULL,
        lease_owner         TEXT,
        lease_expires_at    TEXT ${C},
        first_attempt_at    TEXT,
        last_error          TEXT,
        platform_message_id TEXT,
        created_at          TEXT ${C} NOT NULL,
        sent_at             TEXT
      );
      CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
      CREATE INDEX outbox_by_channel ON outbox (channel, id);
      ALTER TABLE local_messages ADD COLUMN thread_of TEXT;
    `,
  },
  {
    version: 7,
    name: 'teams conversation references, link secrets',
    sql: `
      CREATE TABLE teams_conversations (
        conversation_id   TEXT ${C} PRIMARY KEY,
        conversation_type TEXT NOT NULL,
        service_url       TEXT NOT NULL,
        tenant_id         TEXT,
        bot_id            TEXT NOT NULL,
        team_id           TEXT,
        name              TEXT,
        installed         INTEGER NOT NULL,
        first_seen_at     TEXT NOT NULL,
        updated_at        TEXT NOT NULL
      );
      CREATE TABLE link_secrets (
        name       TEXT ${C} PRIMARY KEY,
        secret     TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: 'data watcher: what each watched source last gave for each month',
    sql: `
      CREATE TABLE watcher_months (
        source     TEXT ${C} NOT NULL,
        month      TEXT ${C} NOT NULL,
        checksum   TEXT NOT NULL,
        crimes     INTEGER NOT NULL,
        release_id INTEGER,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (source, month)
      );
    `,
  },
  {
    version: 11,
    name: 'count packs: each source, month, measure and area type as one blob, for bulk series reads',
    step: 'pack-counts',
    sql: `
      CREATE TABLE area_ordinals (
        ordinal   INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        area_code TEXT ${C} NOT NULL,
        area_type TEXT ${C} NOT NULL,
        UNIQUE (area_code, area_type)
      );
      CREATE TABLE count_packs (
        source    TEXT ${C} NOT NULL,
        month     TEXT ${C} NOT NULL,
        measure   TEXT ${C} NOT NULL,
        area_type TEXT ${C} NOT NULL,
        entries   INTEGER NOT NULL,
        cells     BYTEA NOT NULL,
        PRIMARY KEY (source, month, measure, area_type)
      );
      INSERT INTO area_ordinals (area_code, area_type) SELECT DISTINCT area_code, area_type FROM counts;
    `,
  },
  {
    version: 12,
    name: 'data version: one counter every data write raises, for the reads a replica keeps between answers',
    sql: `
      CREATE TABLE data_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version BIGINT NOT NULL
      );
      INSERT INTO data_version (id, version) VALUES (1, 0);
    `,
  },
];
