// The data watcher: what the scheduled jobs (src/service/scheduler.ts watcherJobs) and `wardwatch watch`
// run. Settings come from the config's `watcher` section, with two environment overrides:
//   WARDWATCH_INBOX          the inbox folder
//   WARDWATCH_POLICE_UK_API  the police.uk API base URL (a local fake in tests)
// A source module: it writes through the store port and knows nothing of the surfaces.
import { dirname, isAbsolute, resolve } from 'node:path';
import { configPath } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import type { Store } from '../store/types.ts';
import { processInbox, type InboxResult } from './inbox.ts';
import { checkNewMonths, checkRevisions, type PoliceUkRunResult, type PoliceUkSettings } from './police-uk.ts';

export { processInbox, type InboxResult } from './inbox.ts';
export { checkNewMonths, checkRevisions, type PoliceUkRunResult } from './police-uk.ts';

export interface WatcherSettings {
  /** Absolute inbox folder, or null when none is configured. */
  inbox: string | null;
  inboxCron: string;
  settleMs: number;
  policeUk: (PoliceUkSettings & { enabled: boolean; cron: string; revisionCron: string }) | null;
}

/** The watcher's settings: the config's `watcher` section, the inbox relative to the config file, env overrides. */
export function watcherSettings(config: Config, env: NodeJS.ProcessEnv = process.env): WatcherSettings {
  const w = config.watcher;
  const base = dirname(configPath(env));
  const inboxText = env.WARDWATCH_INBOX?.trim() || w.inbox;
  const inbox = inboxText ? (isAbsolute(inboxText) ? inboxText : resolve(env.WARDWATCH_INBOX?.trim() ? process.cwd() : base, inboxText)) : null;
  const api = w.policeUkApi;
  const override = env.WARDWATCH_POLICE_UK_API?.trim();
  if (override && !/^https?:\/\/[^\s]+$/.test(override))
    throw new UserError(`WARDWATCH_POLICE_UK_API: expected an http(s) URL such as https://data.police.uk/api, found "${override}"`);
  return {
    inbox,
    inboxCron: w.inboxCron,
    settleMs: w.settleSeconds * 1000,
    policeUk: {
      enabled: api.enabled,
      baseUrl: override || api.baseUrl,
      ratePerSecond: api.ratePerSecond,
      burst: api.burst,
      timeoutMs: api.timeoutSeconds * 1000,
      maxRetries: api.maxRetries,
      concurrency: api.concurrency,
      revisionMonths: api.revisionMonths,
      cron: api.cron,
      revisionCron: api.revisionCron,
    },
  };
}

export interface WatcherRunDeps {
  store: Store;
  config: Config;
  settings: WatcherSettings;
  log: (line: string) => void;
  now?: () => Date;
  fetch?: typeof fetch;
}

/** One pass over the inbox (nothing when none is configured). */
export async function watchInbox(deps: WatcherRunDeps, extra: Pick<Parameters<typeof processInbox>[0], 'onProgress'> = {}): Promise<InboxResult | null> {
  if (!deps.settings.inbox) return null;
  return processInbox({
    store: deps.store,
    config: deps.config,
    dir: deps.settings.inbox,
    settleMs: deps.settings.settleMs,
    log: deps.log,
    ...(deps.now ? { now: deps.now } : {}),
    ...extra,
  });
}

type PoliceUkExtra = Pick<Parameters<typeof checkNewMonths>[0], 'onProgress'>;

function policeUkDeps(deps: WatcherRunDeps, extra: PoliceUkExtra) {
  const settings = deps.settings.policeUk;
  if (!settings) throw new UserError('the police.uk watcher is not configured');
  return { store: deps.store, config: deps.config, settings, log: deps.log, ...(deps.now ? { now: deps.now } : {}), ...(deps.fetch ? { fetch: deps.fetch } : {}), ...extra };
}

/** Looks for months police.uk has published that the store lacks, and ingests them. */
export function watchPoliceUk(deps: WatcherRunDeps, extra: PoliceUkExtra = {}): Promise<PoliceUkRunResult> {
  return checkNewMonths(policeUkDeps(deps, extra));
}

/** Fetches the latest published months again and ingests any that changed, as revisions. */
export function watchPoliceUkRevisions(deps: WatcherRunDeps, extra: PoliceUkExtra = {}): Promise<PoliceUkRunResult> {
  return checkRevisions(policeUkDeps(deps, extra));
}
