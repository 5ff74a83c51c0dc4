// Builds the CommandContext every surface (Slack, Teams, the local page, the CLI, tests) hands to
// `answer()`: the store, the config, the channel asking (by name or as a config object), its
// partnership, the taxonomy and the clock.
import { defaultLocalChannel, findChannel } from '../config/load.ts';
import type { ChannelConfig, Config } from '../config/schema.ts';
import type { Store } from '../store/types.ts';
import { taxonomy } from '../taxonomy/index.ts';
import type { CommandContext } from './dispatch.ts';
import { UserError } from './errors.ts';

export interface MakeContextOptions {
  store: Store;
  config: Config;
  /** A configured channel's name, or the channel itself; omitted = a local channel cleared for everything. */
  channel?: string | ChannelConfig | undefined;
  /** @deprecated alias of `channel` given as a name */
  channelName?: string | undefined;
  now?: Date | undefined;
  /** The surface's command prefix (default '/crime'). */
  prefix?: string | undefined;
  /** Who is asking (recorded by commands that change things, such as `mute`). */
  user?: { id: string; surface: string } | undefined;
}

/** The prefix Slack's slash command and the local page use; Teams passes its own. */
export const DEFAULT_PREFIX = '/crime';

/** A channel by name (omitted: a local channel cleared for everything). Throws UserError naming the known ones. */
export function resolveChannel(config: Config, wanted: string | ChannelConfig | undefined): ChannelConfig {
  if (wanted === undefined) return defaultLocalChannel(config);
  if (typeof wanted !== 'string') return wanted;
  const found = findChannel(config, wanted);
  if (!found) {
    const known = config.channels.map((c) => c.name).join(', ') || '(none configured)';
    throw new UserError(`no channel named "${wanted}" in the configuration (known: ${known})`);
  }
  return found;
}

/** The context a command runs in. Throws UserError naming the known channels when the name is unknown. */
export function makeContext(options: MakeContextOptions): CommandContext {
  const { store, config } = options;
  const channel = resolveChannel(config, options.channel ?? options.channelName);
  const partnership = config.partnerships.find((p) => p.id === channel.partnership);
  if (!partnership) throw new UserError(`channel "${channel.name}" names partnership "${channel.partnership}", which is not configured`);
  return {
    store,
    config,
    channel,
    partnership,
    taxonomy: taxonomy(),
    now: options.now ?? new Date(),
    prefix: options.prefix ?? DEFAULT_PREFIX,
    ...(options.user ? { user: options.user } : {}),
  };
}

/** The configured channel for a Slack channel ID or Teams conversation id, if any. */
export function channelByAddress(config: Config, address: { slackChannelId?: string; teamsConversationId?: string }): ChannelConfig | undefined {
  return config.channels.find(
    (c) =>
      (address.slackChannelId !== undefined && c.platform === 'slack' && c.slackChannelId === address.slackChannelId) ||
      (address.teamsConversationId !== undefined && c.platform === 'teams' && c.teamsConversationId === address.teamsConversationId),
  );
}
