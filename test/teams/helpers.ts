// The Teams test configuration: the repo's config plus Teams channels of every kind (a channel, a
// group chat, a 1:1 chat, a Workflows webhook) and a channel of another partnership, for scope refusals.
import { loadConfig } from '../../src/config/load.ts';
import type { ChannelConfig, Config } from '../../src/config/schema.ts';

export const CAMBRIDGE_CHANNEL = '19:cambridge-csp@thread.tacv2';
export const FENLAND_CHANNEL = '19:fenland-csp@thread.tacv2';
export const COUNTY_CHAT = '19:county-board-chat@thread.v2';
export const PERSONAL_CHAT = 'a:1jo-bloggs-personal';
export const WEBHOOK_ENV = 'TEAMS_WEBHOOK_TEST_CAMBRIDGE';

export function teamsTestConfig(): Config {
  const { config } = loadConfig(new URL('../../wardwatch.config.yaml', import.meta.url).pathname);
  const base = { clearance: { smallNumbers: false, sensitive: false }, measures: [] as string[] };
  const channels: ChannelConfig[] = [
    { ...base, name: 'teams-cambridge', platform: 'teams', teamsConversationId: CAMBRIDGE_CHANNEL, partnership: 'cambridge' },
    { ...base, name: 'teams-fenland', platform: 'teams', teamsConversationId: FENLAND_CHANNEL, partnership: 'fenland' },
    { ...base, name: 'teams-county-chat', platform: 'teams', teamsConversationId: COUNTY_CHAT, partnership: 'countywide', clearance: { smallNumbers: false, sensitive: true } },
    { ...base, name: 'teams-jo', platform: 'teams', teamsConversationId: PERSONAL_CHAT, partnership: 'countywide' },
    { ...base, name: 'cambridge-workflows', platform: 'teams-webhook', webhookUrlEnv: WEBHOOK_ENV, partnership: 'cambridge' },
  ];
  return { ...config, channels: [...config.channels, ...channels] };
}

export function channel(config: Config, name: string): ChannelConfig {
  const c = config.channels.find((x) => x.name === name);
  if (!c) throw new Error(`no channel ${name}`);
  return c;
}
