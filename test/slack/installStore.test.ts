// The OAuth install store over the Store's Slack installation methods: installs by workspace (and org-wide
// by enterprise), kept across a reopen of the store.
import { expect, it } from 'vitest';
import type { Installation } from '@slack/bolt';
import { openStore } from '../../src/store/open.ts';
import { StoreInstallStore } from '../../src/surfaces/slack/installStore.ts';
import { tempStore } from '../helpers/store.ts';

const install = (team: string, token: string, enterprise?: string, orgWide = false): Installation =>
  ({
    team: orgWide ? undefined : { id: team, name: team },
    enterprise: enterprise ? { id: enterprise, name: enterprise } : undefined,
    isEnterpriseInstall: orgWide,
    bot: { token, scopes: ['commands', 'chat:write', 'files:write'], id: 'B1', userId: 'U1' },
    user: { id: 'U2', token: undefined, scopes: undefined },
    appId: 'A1',
    tokenType: 'bot',
  }) as Installation;

it('keeps installs by workspace in the store, across a reopen', async () => {
  const t = await tempStore();
  try {
    const first = new StoreInstallStore(t.store);
    await first.storeInstallation(install('T1', 'xoxb-one'));
    await t.store.close();
    const reopened = await openStore({ path: t.path });
    try {
      const again = new StoreInstallStore(reopened);
      expect(await again.botToken('T1')).toBe('xoxb-one');
      await again.storeInstallation(install('T1', 'xoxb-one-rotated'));
      await again.storeInstallation(install('T2', 'xoxb-two', 'E1'));
      expect(await again.installedTeams()).toEqual(['T1', 'T2']);
      expect(await reopened.slackInstallationKeys()).toEqual(['T:T1', 'T:T2']);
      expect(await again.botToken('T1')).toBe('xoxb-one-rotated');
      expect((await again.fetchInstallation({ teamId: 'T2', enterpriseId: 'E1', isEnterpriseInstall: false })).bot?.token).toBe('xoxb-two');
      await expect(again.fetchInstallation({ teamId: 'T9', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow(/not installed in Slack workspace T9/);
      await again.deleteInstallation({ teamId: 'T1', enterpriseId: undefined, isEnterpriseInstall: false });
      expect(await again.botToken('T1')).toBeUndefined();
      expect(await again.installedTeams()).toEqual(['T2']);
    } finally {
      await reopened.close();
    }
  } finally {
    await t.cleanup();
  }
});

it('keeps an org-wide install under its enterprise, and finds its token for any workspace of the org', async () => {
  const t = await tempStore();
  try {
    const s = new StoreInstallStore(t.store);
    await s.storeInstallation(install('', 'xoxb-org', 'E7', true));
    expect(await t.store.slackInstallationKeys()).toEqual(['E:E7']);
    expect(await s.installedTeams()).toEqual(['E7']);
    expect(await s.botToken('T5', 'E7')).toBe('xoxb-org');
    expect((await s.fetchInstallation({ teamId: undefined, enterpriseId: 'E7', isEnterpriseInstall: true })).bot?.token).toBe('xoxb-org');
    const row = await t.store.slackInstallation('E:E7');
    expect(row).toMatchObject({ installKey: 'E:E7', teamId: null, enterpriseId: 'E7', isEnterpriseInstall: true });
  } finally {
    await t.cleanup();
  }
});
