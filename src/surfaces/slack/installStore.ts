// Where multi-workspace OAuth installs are kept: one row per workspace (or per Enterprise Grid org for
// org-wide installs) in the same SQLite file as the rest of the store, table `slack_installations`.
// The store's migration 3 (src/store/migrations.ts) creates the table; the install store runs that same
// CREATE TABLE IF NOT EXISTS itself, so it also works on a file the store has not opened yet. Bolt calls storeInstallation after /slack/oauth_redirect and
// fetchInstallation for every incoming request; the platform adapter asks for a workspace's bot token.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { MIGRATIONS } from '../../store/migrations.ts';

/** The store's migration that makes `slack_installations` (CREATE TABLE IF NOT EXISTS, so safe to rerun). */
const INSTALLATIONS_TABLE_SQL = (() => {
  const m = MIGRATIONS.find((x) => /CREATE TABLE IF NOT EXISTS slack_installations/.test(x.sql));
  if (!m) throw new Error('src/store/migrations.ts has no slack_installations migration');
  return m.sql;
})();

export interface SlackInstallStore extends InstallationStore {
  storeInstallation(installation: Installation): Promise<void>;
  fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation>;
  deleteInstallation(query: InstallationQuery<boolean>): Promise<void>;
  /** The bot token installed for a workspace (or its org-wide install), if any. */
  botToken(teamId: string | undefined, enterpriseId?: string | undefined): Promise<string | undefined>;
  /** Workspace IDs with an installation (org-wide installs are listed by enterprise ID). */
  installedTeams(): string[];
  close(): void;
}

/** The row key: org-wide installs by enterprise ID, the rest by workspace ID. */
function keyOf(q: { teamId?: string | undefined; enterpriseId?: string | undefined; isEnterpriseInstall?: boolean | undefined }): string {
  if (q.isEnterpriseInstall && q.enterpriseId) return `E:${q.enterpriseId}`;
  if (q.teamId) return `T:${q.teamId}`;
  throw new Error('a Slack installation needs a team ID, or an enterprise ID for an org-wide install');
}

/** The default SQLite file: $WARDWATCH_DB, else data/wardwatch.sqlite (as the store uses). */
export function defaultDbFile(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.WARDWATCH_DB ?? 'data/wardwatch.sqlite');
}

export class SqliteInstallStore implements SlackInstallStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(INSTALLATIONS_TABLE_SQL);
  }

  async storeInstallation(installation: Installation): Promise<void> {
    const isEnterpriseInstall = installation.isEnterpriseInstall === true;
    const key = keyOf({ teamId: installation.team?.id, enterpriseId: installation.enterprise?.id, isEnterpriseInstall });
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO slack_installations (install_key, team_id, enterprise_id, is_enterprise_install, installation, installed_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (install_key) DO UPDATE SET team_id = excluded.team_id, enterprise_id = excluded.enterprise_id,
           is_enterprise_install = excluded.is_enterprise_install, installation = excluded.installation, updated_at = excluded.updated_at`,
      )
      .run(key, installation.team?.id ?? null, installation.enterprise?.id ?? null, isEnterpriseInstall ? 1 : 0, JSON.stringify(installation), now, now);
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const row = this.db.prepare('SELECT installation FROM slack_installations WHERE install_key = ?').get(keyOf(query)) as { installation: string } | undefined;
    if (!row) throw new Error(`Wardwatch is not installed in Slack workspace ${query.isEnterpriseInstall ? query.enterpriseId : query.teamId}`);
    return JSON.parse(row.installation) as Installation;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    this.db.prepare('DELETE FROM slack_installations WHERE install_key = ?').run(keyOf(query));
  }

  async botToken(teamId: string | undefined, enterpriseId?: string): Promise<string | undefined> {
    const keys = [teamId ? `T:${teamId}` : null, enterpriseId ? `E:${enterpriseId}` : null].filter((k): k is string => k !== null);
    for (const key of keys) {
      const row = this.db.prepare('SELECT installation FROM slack_installations WHERE install_key = ?').get(key) as { installation: string } | undefined;
      const token = row ? (JSON.parse(row.installation) as Installation).bot?.token : undefined;
      if (token) return token;
    }
    return undefined;
  }

  installedTeams(): string[] {
    const rows = this.db.prepare('SELECT install_key FROM slack_installations ORDER BY install_key').all() as Array<{ install_key: string }>;
    return rows.map((r) => r.install_key.slice(2));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
