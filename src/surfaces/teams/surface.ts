// The Teams surface as the service composes it: the routes on the service's server (mounted at once, so
// every replica serves chart images and Acknowledge links), the Workflows webhook platform (needs no
// credentials), and the bot, started once the service is ready when the environment configures it.
import type { Express } from 'express';
import type { CloudEnvironment } from '@microsoft/teams.api';
import type { ChartLinks } from '../../charts/links.ts';
import type { Config } from '../../config/schema.ts';
import { UserError } from '../../core/errors.ts';
import type { Reply, ReplyAttachment } from '../../core/reply.ts';
import type { Store } from '../../store/types.ts';
import { startTeams, MESSAGING_ENDPOINT, type TeamsHandle } from './bot.ts';
import { replyCard, type AdaptiveCard } from './cards.ts';
import { AckLinks } from './links.ts';
import type { TeamsPlatform } from './platform.ts';
import { mountTeamsRoutes } from './routes.ts';
import { publicUrl, teamsSettings } from './settings.ts';
import { TeamsWebhookPlatform } from './webhook.ts';

export interface TeamsSurfaceOptions {
  store: Store;
  config: Config;
  env: NodeJS.ProcessEnv;
  charts: ChartLinks;
  log: (line: string) => void;
  now?: () => Date;
  /** Tests only: a cloud whose Bot Framework signing keys are served on loopback. */
  cloud?: CloudEnvironment | undefined;
  workingNoticeMs?: number | undefined;
  /** Draws a reply's document (the brief's PDF) for the links cards carry; absent = documents are named, not linked. */
  briefPdf?: ((attachment: ReplyAttachment) => Promise<Buffer>) | undefined;
}

export interface TeamsSurface {
  /** Mounts /api/messages (when the bot is configured), /teams/charts/ and /teams/ack/ on the service's app. */
  mount(app: Express): void;
  webhook: TeamsWebhookPlatform;
  /** The bot checks Bot Framework tokens (false without credentials, or when no bot is configured). */
  readonly authenticated: boolean;
  /** Starts the bot when configured; returns its platform (null when Teams is not configured). */
  start(url: string): Promise<TeamsPlatform | null>;
  /** The Adaptive Card a reply becomes in Teams, for the local page's "Teams view". */
  cardFor(reply: Reply, chartUrl: string | undefined): AdaptiveCard;
  stop(): Promise<void>;
}

export async function createTeamsSurface(options: TeamsSurfaceOptions): Promise<TeamsSurface> {
  const { store, log } = options;
  let base: string | undefined;
  try {
    base = publicUrl(options.env);
  } catch (err) {
    throw new UserError(err instanceof Error ? err.message : String(err));
  }
  const settings = teamsSettings(options.env);
  if (settings.mode === null && settings.problem) log(`Teams: the bot is not started: ${settings.missing}`);
  const usesTeams = options.config.channels.some((c) => c.platform === 'teams' || c.platform === 'teams-webhook');
  if (usesTeams && !base) log('Teams: PUBLIC_URL is not set, so cards carry no chart image and webhook cards no Acknowledge button (see the README, "Install in Teams").');
  const ackLinks = await AckLinks.create({ store, env: options.env, publicUrl: base, ...(options.now ? { now: options.now } : {}) });
  const webhook = new TeamsWebhookPlatform({ env: options.env, charts: options.charts, publicUrl: base, ackLinks, store, log });
  let bot: TeamsHandle | null = null;

  return {
    mount(app) {
      mountTeamsRoutes(app, {
        charts: options.charts,
        bot: () => bot,
        botConfigured: settings.mode === 'bot',
        ackLinks: () => ackLinks,
        store: () => store,
        config: () => options.config,
        ...(options.now ? { now: options.now } : {}),
        briefPdf: options.briefPdf,
        log,
      });
    },
    webhook,
    authenticated: settings.mode === 'bot' && settings.authenticated,
    async start(url) {
      if (settings.mode !== 'bot') return null;
      bot = await startTeams({
        store,
        config: options.config,
        env: options.env,
        settings,
        charts: options.charts,
        publicUrl: base,
        log,
        ...(options.now ? { now: options.now } : {}),
        ...(options.cloud ? { cloud: options.cloud } : {}),
        ...(options.workingNoticeMs !== undefined ? { workingNoticeMs: options.workingNoticeMs } : {}),
      });
      log(`Teams: messaging endpoint ${(base ?? url.replace(/\/$/, '')) + MESSAGING_ENDPOINT}`);
      return bot.platform;
    },
    cardFor(reply, chartUrl) {
      return replyCard(reply, { mode: 'bot', chartUrl, prefix: 'crime' }).card;
    },
    async stop() {
      await bot?.stop();
      bot = null;
    },
  };
}
