// The OAuth install store on the store's SQLite file, opened before or after the store itself.
import { rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { Installation } from '@slack/bolt';
import { openStore } from '../../src/store/sqlite.ts';
import { SqliteInstallStore } from '../../src/surfaces/slack/installStore.ts';
import { tempDbPath } from '../helpers/store.ts';

const install = (team: string, token: string, enterprise?: string): Installation =>
  ({
    team: { id: team, name: team },
    enterprise: enterprise ? { id: enterprise, name: enterprise } : undefined,
    isEnterpriseInstall: false,
    bot: { token, scopes: ['commands', 'chat:write', 'files:write'], id: 'B1', userId: 'U1' },
    user: { id: 'U2', token: undefined, scopes: undefined },
    appId: 'A1',
    tokenType: 'bot',
  }) as Installation;

it('keeps installs by workspace in the store file, whichever opens it first', async () => {
  const { dir, path } = tempDbPath('wardwatch-slack-');
  try {
    const first = new SqliteInstallStore(path); // before the store has migrated the file
    await first.storeInstallation(install('T1', 'xoxb-one'));
    first.close();
    const store = openStore(path); // migration 3 finds the table already there
    store.close();
    const again = new SqliteInstallStore(path);
    await again.storeInstallation(install('T1', 'xoxb-one-rotated'));
    await again.storeInstallation(install('T2', 'xoxb-two', 'E1'));
    expect(again.installedTeams()).toEqual(['T1', 'T2']);
    expect(await again.botToken('T1')).toBe('xoxb-one-rotated');
    expect((await again.fetchInstallation({ teamId: 'T2', enterpriseId: 'E1', isEnterpriseInstall: false })).bot?.token).toBe('xoxb-two');
    await expect(again.fetchInstallation({ teamId: 'T9', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow(/not installed in Slack workspace T9/);
    await again.deleteInstallation({ teamId: 'T1', enterpriseId: undefined, isEnterpriseInstall: false });
    expect(await again.botToken('T1')).toBeUndefined();
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
