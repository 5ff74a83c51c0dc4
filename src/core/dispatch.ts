// Hubot-style command registry: every file in commands/ is one command. The first word of what the
// user typed picks the command by name; anything else goes to the default command (place/topic).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChannelConfig, Config, Partnership } from '../config/schema.ts';
import type { Store } from '../store/types.ts';
import type { Taxonomy } from '../taxonomy/index.ts';
import { withReadMemo } from './read-memo.ts';
import { errorReply, type Reply } from './reply.ts';

export interface CommandContext {
  store: Store;
  config: Config;
  channel: ChannelConfig;
  partnership: Partnership;
  taxonomy: Taxonomy;
  /** The clock, injected so tests and schedules are deterministic. */
  now: Date;
  /** How users start a command on the asking surface ('/crime' in Slack, 'crime' in Teams): for help and examples. */
  prefix: string;
  /** Who asked, as the surface names them (a Slack user id, a Teams user id, 'local'); absent for scheduled work and tools. */
  user?: { id: string; surface: string } | undefined;
}

/** What example commands are written from (filled in for a channel by src/resolve/examples.ts), each as typed. */
export interface ExamplePlaces {
  /** The partnership's busiest ward ("market"). */
  ward: string;
  /** Its second-busiest ward, in the same district ("petersfield"). */
  ward2: string;
  /** The partnership's (first) district ("cambridge"). */
  district: string;
  /** A second district of the partnership, when it has one (countywide). */
  district2: string | null;
  /** The partnership covers the whole force area: "county" examples answer. */
  county: boolean;
  /** Topics of the partnership's priorities that the channel may see and the data holds, as typed ("asb"). */
  topics: string[];
  /** The reporting year's end as typed: "ye sep" in Cambridge, "ye mar" elsewhere. */
  yearEnd: string;
  /** The latest complete reporting year's label ("2023/24"). */
  yearLabel: string;
}

export interface Command {
  /** The first word that selects this command ("top", "compare", "help"); the default command has none. */
  name: string | null;
  summary: string;
  /** Examples shown by `help`, as typed after the surface's prefix (where `examples` is not given). */
  usage: string[];
  /**
   * Examples written from the asking channel's own places and topics (src/resolve/examples.ts), so
   * each answers in the channel that shows it.
   */
  examples?(places: ExamplePlaces): string[];
  run(args: string, ctx: CommandContext): Promise<Reply> | Reply;
}

const COMMANDS_DIR = fileURLToPath(new URL('../../commands/', import.meta.url));

let loaded: Command[] | undefined;

export async function commands(): Promise<Command[]> {
  if (!loaded) {
    const files = readdirSync(COMMANDS_DIR)
      .filter((f) => f.endsWith('.ts'))
      .sort();
    const mods = await Promise.all(files.map((f) => import(`${COMMANDS_DIR}${f}`) as Promise<{ default: Command }>));
    loaded = mods.map((m) => m.default);
  }
  return loaded;
}

/** Runs what a user typed after the prefix as the given channel. Never throws: failures become replies. */
export async function answer(text: string, ctx: CommandContext): Promise<Reply> {
  const all = await commands();
  const trimmed = text.trim();
  const [first = '', ...rest] = trimmed.split(/\s+/);
  const named = all.find((c) => c.name !== null && c.name === first.toLowerCase());
  const command = named ?? all.find((c) => c.name === null);
  const helpCommand = all.find((c) => c.name === 'help');
  if (!trimmed && helpCommand) return helpCommand.run('', ctx);
  if (!command) return errorReply('Unknown command', `I don't know "${first}". Try \`${ctx.prefix} help\`.`);
  try {
    // one answer reads each month list once (src/core/read-memo.ts)
    return await withReadMemo(async () => command.run(named ? rest.join(' ') : trimmed, ctx));
  } catch (err) {
    console.error(`command failed: ${JSON.stringify(trimmed)}:`, err);
    return errorReply('Something went wrong', 'Sorry, that question could not be answered just now. The error has been logged for the operator.');
  }
}
