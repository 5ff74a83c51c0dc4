// The Slack surface, started by `wardwatch serve`. From the environment:
//   SLACK_SIGNING_SECRET + SLACK_BOT_TOKEN              HTTP mode, Bolt's /slack/events on $PORT (default 3000)
//   SLACK_APP_TOKEN (+ SLACK_BOT_TOKEN)                 Socket Mode: no public URL needed
//   SLACK_CLIENT_ID + SLACK_CLIENT_SECRET + SLACK_STATE_SECRET (+ SLACK_SIGNING_SECRET)
//                                                       multi-workspace OAuth: /slack/install and
//                                                       /slack/oauth_redirect, installs kept in the store
//   SLACK_API_URL                                       the Web API base URL (GovSlack, tests)
//   SLACK_REDIRECT_URI, SLACK_AUTHORIZATION_URL (GovSlack: https://slack-gov.com/oauth/v2/authorize),
//   SLACK_INSTALL_PORT (Socket Mode with OAuth: the port of the /slack/install page),
//   SLACK_LOG_LEVEL (debug|info|warn|error), SLACK_COMMAND (default /crime)
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { App, LogLevel, type Logger } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Config } from '../../config/schema.ts';
import { UserError } from '../../core/errors.ts';
import type { ChatPlatform } from '../../core/platform.ts';
import type { Store } from '../../store/types.ts';
import type { ChartSupport } from './deliver.ts';
import { registerHandlers, type HandlerDeps } from './handlers.ts';
import { StoreInstallStore, type SlackInstallStore } from './installStore.ts';
import { makeRedactor, RedactingLogger, type LogSink } from './log.ts';
import { SlackPlatform } from './platform.ts';

export { blockKitProblems, LIMITS } from './limits.ts';
export { replyBlocks, unlinkedChannelMessage } from './blocks.ts';
export { SlackPlatform } from './platform.ts';
export { StoreInstallStore, type SlackInstallStore } from './installStore.ts';
export { slackChannelFor, parsePrivacy } from './handlers.ts';

/** The scopes the bot token needs; slack-manifest.yaml lists the same three. */
export const BOT_SCOPES = ['commands', 'chat:write', 'files:write'] as const;

export interface SlackSettings {
  mode: 'http' | 'socket';
  oauth: boolean;
}

/** Which Slack mode the environment asks for; null (with what is missing) when Slack is not configured. */
export function slackSettings(env: NodeJS.ProcessEnv = process.env): SlackSettings | { mode: null; missing: string } {
  const has = (k: string) => typeof env[k] === 'string' && env[k]!.trim() !== '';
  const oauth = has('SLACK_CLIENT_ID') && has('SLACK_CLIENT_SECRET') && has('SLACK_STATE_SECRET');
  if (has('SLACK_APP_TOKEN')) {
    if (has('SLACK_BOT_TOKEN') || oauth) return { mode: 'socket', oauth: oauth && !has('SLACK_BOT_TOKEN') };
    return { mode: null, missing: 'SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not (or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET for OAuth installs)' };
  }
  if (has('SLACK_SIGNING_SECRET') && (has('SLACK_BOT_TOKEN') || oauth)) return { mode: 'http', oauth: oauth && !has('SLACK_BOT_TOKEN') };
  if (has('SLACK_SIGNING_SECRET')) return { mode: null, missing: 'SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not' };
  if (has('SLACK_BOT_TOKEN')) return { mode: null, missing: 'SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) is not' };
  return { mode: null, missing: 'no SLACK_* variables are set' };
}

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

export interface StartSlackOptions extends ChartSupport {
  store: Store;
  config: Config | (() => Config);
  env?: NodeJS.ProcessEnv;
  /** HTTP mode: the port (default $PORT, else 3000; 0 picks a free one). */
  port?: number;
  /** HTTP mode: the interface to bind (default all). */
  host?: string;
  /**
   * HTTP mode: false = do not listen; mount the returned `requestListener` on your own server for
   * POST /slack/events (and /slack/install, /slack/oauth_redirect with OAuth). Default true.
   */
  listen?: boolean;
  /** Serve GET /healthz on Bolt's own HTTP server (HTTP mode, or Socket Mode with an install page). Default true when listening in HTTP mode. */
  healthz?: boolean | (() => HealthReport);
  /** OAuth installs: default a StoreInstallStore over `store` (installs are kept in the store). */
  installStore?: SlackInstallStore;
  /** Merged into the Web API client options (tests pass a loopback-only `fetch` and a fast `retryConfig`). */
  clientOptions?: WebClientOptions;
  /** Options for the outbox adapter (per-channel spacing, inline Retry-After budget). */
  platformOptions?: { minIntervalMs?: number; maxInlineWaitMs?: number; maxAttempts?: number };
  workingNoticeMs?: number;
  now?: () => Date;
  logger?: Logger;
  /** Where log lines go (after redaction); default the console. */
  logSink?: LogSink;
  onTiming?: HandlerDeps['onTiming'];
}

export interface SlackHandle {
  app: App;
  mode: 'http' | 'socket';
  oauth: boolean;
  /** The port Bolt's HTTP server listens on (null in Socket Mode without an install page, or with listen:false). */
  receiverPort: number | null;
  /** Bolt's HTTP request handler, for mounting on another server (HTTP mode). */
  requestListener: RequestListener | null;
  /** The ChatPlatform for the alert outbox. */
  platform: ChatPlatform;
  stop(): Promise<void>;
}

/** The interactive client's policy: a few quick retries; a 429's Retry-After is always waited out first. */
const INTERACTIVE_RETRY = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000, randomize: true };

function logLevel(value: string | undefined): LogLevel {
  switch ((value ?? '').toLowerCase()) {
    case 'debug':
      return LogLevel.DEBUG;
    case 'warn':
      return LogLevel.WARN;
    case 'error':
      return LogLevel.ERROR;
    default:
      return LogLevel.INFO;
  }
}

/** Builds and starts the Bolt app for the mode the environment asks for. Throws UserError when Slack is not configured. */
export async function startSlack(options: StartSlackOptions): Promise<SlackHandle> {
  const env = options.env ?? process.env;
  const settings = slackSettings(env);
  if (settings.mode === null) throw new UserError(`Slack is not configured: ${settings.missing}`);
  const redact = makeRedactor([env.SLACK_BOT_TOKEN, env.SLACK_SIGNING_SECRET, env.SLACK_APP_TOKEN, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET]);
  const logger = options.logger ?? new RedactingLogger(redact, logLevel(env.SLACK_LOG_LEVEL), options.logSink);

  const apiUrl = env.SLACK_API_URL?.trim();
  const clientOptions: WebClientOptions = {
    retryConfig: INTERACTIVE_RETRY,
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    ...options.clientOptions,
    logger,
  };

  // Socket Mode serves /slack/install from a small HTTP server of its own, which must not take the port
  // of a server Wardwatch already runs (listen: false): then SLACK_INSTALL_PORT names its port.
  const installPort = env.SLACK_INSTALL_PORT ? Number(env.SLACK_INSTALL_PORT) : options.listen === false ? undefined : (options.port ?? Number(env.PORT ?? 3000));
  if (settings.mode === 'socket' && settings.oauth && installPort === undefined) {
    throw new UserError('Slack Socket Mode with OAuth installs needs SLACK_INSTALL_PORT: the port for its /slack/install page');
  }
  const installStore = settings.oauth ? (options.installStore ?? new StoreInstallStore(options.store)) : undefined;
  const listen = options.listen !== false;
  const healthz = options.healthz ?? (settings.mode === 'http' && listen);
  const customRoutes = healthz
    ? [
        {
          path: '/healthz',
          method: ['GET'],
          handler: (_req: IncomingMessage, res: ServerResponse) => {
            const report: HealthReport = typeof healthz === 'function' ? healthz() : { ok: true };
            res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ...report, slack: settings.mode }));
          },
        },
      ]
    : [];

  const auth = settings.oauth
    ? {
        clientId: env.SLACK_CLIENT_ID,
        clientSecret: env.SLACK_CLIENT_SECRET,
        stateSecret: env.SLACK_STATE_SECRET,
        scopes: [...BOT_SCOPES],
        installationStore: installStore,
        ...(env.SLACK_REDIRECT_URI ? { redirectUri: env.SLACK_REDIRECT_URI } : {}),
        installerOptions: {
          directInstall: true,
          ...(env.SLACK_AUTHORIZATION_URL ? { authorizationUrl: env.SLACK_AUTHORIZATION_URL } : {}),
          ...(env.SLACK_REDIRECT_URI ? { redirectUriPath: new URL(env.SLACK_REDIRECT_URI).pathname } : {}),
          ...(settings.mode === 'socket' ? { port: installPort } : {}),
        },
      }
    : { token: env.SLACK_BOT_TOKEN };

  const app = new App({
    ...(settings.mode === 'socket'
      ? { socketMode: true, appToken: env.SLACK_APP_TOKEN, ...(installPort !== undefined ? { port: installPort } : {}) }
      : { signingSecret: env.SLACK_SIGNING_SECRET }),
    ...auth,
    customRoutes,
    logger,
    clientOptions,
  });
  app.error(async (error) => {
    logger.error(`slack: unhandled error in a listener: ${error.code ?? ''} ${error.message}`);
  });

  registerHandlers(app, {
    store: options.store,
    config: options.config,
    logger,
    renderChart: options.renderChart,
    chartAltText: options.chartAltText,
    workingNoticeMs: options.workingNoticeMs,
    now: options.now,
    command: env.SLACK_COMMAND,
    installStore,
    onTiming: options.onTiming,
  });

  // The outbox's client: same endpoint and logger, but a 429 comes back to the adapter (rejectRateLimitedCalls)
  // so it can wait a short Retry-After or hand a long one to the outbox.
  const platformClient = new WebClient(undefined, { ...clientOptions, rejectRateLimitedCalls: true, retryConfig: { retries: 2, minTimeout: 500, maxTimeout: 2000 } });
  const platform = new SlackPlatform({
    client: platformClient,
    renderChart: options.renderChart,
    chartAltText: options.chartAltText,
    ...options.platformOptions,
    log: (m) => logger.warn(m),
    tokenFor: async (channel) => {
      if (installStore) {
        const teams = await installStore.installedTeams();
        const teamId = channel.slackTeamId ?? (teams.length === 1 ? teams[0] : undefined);
        const token = await installStore.botToken(teamId);
        if (token) return token;
      }
      return env.SLACK_BOT_TOKEN || undefined;
    },
  });

  let receiverPort: number | null = null;
  let requestListener: RequestListener | null = null;
  let started = false;
  if (settings.mode === 'http') {
    requestListener = (app as unknown as { receiver: { requestListener: RequestListener } }).receiver.requestListener;
    if (listen) {
      const port = options.port ?? Number(env.PORT ?? 3000);
      const server = (await app.start(options.host ? { port, host: options.host } : port)) as Server;
      receiverPort = (server.address() as AddressInfo).port;
      started = true;
    }
  } else {
    await app.start();
    started = true;
    if (installStore || customRoutes.length) receiverPort = installPort ?? 3000;
  }
  logger.info(`slack: ${settings.mode} mode${settings.oauth ? ' with OAuth installs' : ''}${receiverPort !== null ? ` on port ${receiverPort}` : ''}`);

  return {
    app,
    mode: settings.mode,
    oauth: settings.oauth,
    receiverPort,
    requestListener,
    platform,
    async stop() {
      if (started) {
        started = false;
        await app.stop();
      }
    },
  };
}
