// Where multi-workspace OAuth installs are kept: one row per workspace (or per Enterprise Grid org for
// org-wide installs) in the store itself (its Slack installation methods; table `slack_installations`),
// so every replica sees the same installs, on SQLite or PostgreSQL alike. Bolt calls storeInstallation
// after /slack/oauth_redirect and fetchInstallation for every incoming request; the platform adapter
// asks for a workspace's bot token.
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Store } from '../../store/types.ts';

export interface SlackInstallStore extends InstallationStore {
  storeInstallation(installation: Installation): Promise<void>;
  fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation>;
  deleteInstallation(query: InstallationQuery<boolean>): Promise<void>;
  /** The bot token installed for a workspace (or its org-wide install), if any. */
  botToken(teamId: string | undefined, enterpriseId?: string | undefined): Promise<string | undefined>;
  /** Workspace IDs with an installation (org-wide installs are listed by enterprise ID). */
  installedTeams(): Promise<string[]>;
}

/** The row key: org-wide installs by enterprise ID, the rest by workspace ID. */
function keyOf(q: { teamId?: string | undefined; enterpriseId?: string | undefined; isEnterpriseInstall?: boolean | undefined }): string {
  if (q.isEnterpriseInstall && q.enterpriseId) return `E:${q.enterpriseId}`;
  if (q.teamId) return `T:${q.teamId}`;
  throw new Error('a Slack installation needs a team ID, or an enterprise ID for an org-wide install');
}

/** Bolt's InstallationStore over the Store's Slack installation methods. The Store is the caller's to close. */
export class StoreInstallStore implements SlackInstallStore {
  constructor(private readonly store: Store) {}

  async storeInstallation(installation: Installation): Promise<void> {
    const isEnterpriseInstall = installation.isEnterpriseInstall === true;
    const installKey = keyOf({ teamId: installation.team?.id, enterpriseId: installation.enterprise?.id, isEnterpriseInstall });
    await this.store.saveSlackInstallation({
      installKey,
      teamId: installation.team?.id ?? null,
      enterpriseId: installation.enterprise?.id ?? null,
      isEnterpriseInstall,
      installation,
    });
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const row = await this.store.slackInstallation(keyOf(query));
    if (!row) throw new Error(`Wardwatch is not installed in Slack workspace ${query.isEnterpriseInstall ? query.enterpriseId : query.teamId}`);
    return row.installation as Installation;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.store.deleteSlackInstallation(keyOf(query));
  }

  async botToken(teamId: string | undefined, enterpriseId?: string): Promise<string | undefined> {
    const keys = [teamId ? `T:${teamId}` : null, enterpriseId ? `E:${enterpriseId}` : null].filter((k): k is string => k !== null);
    for (const key of keys) {
      const row = await this.store.slackInstallation(key);
      const token = row ? (row.installation as Installation).bot?.token : undefined;
      if (token) return token;
    }
    return undefined;
  }

  async installedTeams(): Promise<string[]> {
    return [...(await this.store.slackInstallationKeys())].sort().map((key) => key.slice(2));
  }
}
