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
//   SLACK_RETRY_MIN_MS, SLACK_RETRY_MAX_MS (reconnect backoff, default 2 s doubling to 5 min),
//   SLACK_API_TIMEOUT_MS (each Web API call, default 30 s; the connection check uses at most 10 s)
//   SLACK_ANSWER_CONCURRENCY, SLACK_ANSWER_QUEUE (answers after the ack: at once, default 4; waiting
//   at most, default 2000, past which a command is told to ask again)
//   SLACK_POST_INTERVAL_MS (outbox posts from the CLI: the least gap between two posts to one channel,
//   default 1100 ms, Slack's "about one message a second per channel")
//
// Slack being away never stops the service: the token is checked (auth.test) and, in Socket Mode, the
// WebSocket opened in the background by a SlackConnection, which marks the surface degraded with a
// reason and retries with backoff (see connection.ts); startSlack itself throws only for configuration
// errors. HTTP requests pass through slackGate first (gate.ts): method, timestamp window, signature,
// replays.
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { App, LogLevel, SocketModeReceiver, type Authorize, type Logger } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Config } from '../../config/schema.ts';
import { UserError } from '../../core/errors.ts';
import type { ChatPlatform } from '../../core/platform.ts';
import type { Store } from '../../store/types.ts';
import { redactorFor } from '../../core/redact.ts';
import { DEFAULT_BACKOFF, describeSlackFailure, isConnectionFailure, SlackConnection, SlackConnectionProblem, type BackoffOptions, type SlackHealth } from './connection.ts';
import type { ChartSupport } from './deliver.ts';
import { MemoryReplayGuard, slackGate, type ReplayGuard } from './gate.ts';
import { AnswerQueue, answerQueueOptions } from './answer-queue.ts';
import { registerHandlers, type HandlerDeps } from './handlers.ts';
import { StoreInstallStore, type SlackInstallStore } from './installStore.ts';
import { RedactingLogger, type LogSink } from './log.ts';
import { SlackPlatform } from './platform.ts';

export { blockKitProblems, LIMITS } from './limits.ts';
export { replyBlocks, unlinkedChannelMessage } from './blocks.ts';
export { SlackPlatform } from './platform.ts';
export { StoreInstallStore, type SlackInstallStore } from './installStore.ts';
export { slackChannelFor, parsePrivacy } from './handlers.ts';
export { MemoryReplayGuard, MAX_SKEW_SECONDS, type ReplayGuard } from './gate.ts';
export type { SlackHealth } from './connection.ts';

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
  /** Every change of the surface's health (for /healthz). */
  onHealth?: (health: SlackHealth) => void;
  /** Reconnect backoff (default SLACK_RETRY_MIN_MS / SLACK_RETRY_MAX_MS, else 2 s doubling to 5 min). */
  backoff?: Partial<BackoffOptions>;
  /** HTTP mode: remembers signed requests so a replay is answered once (default in-process). */
  replayGuard?: ReplayGuard;
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
  /** Whether Slack accepts us now: ok, degraded (with the reason and the next retry), starting. */
  health(): SlackHealth;
  /** Resolves once the first connection attempt is over (whatever its outcome), with the health then. */
  checked(): Promise<SlackHealth>;
  /** Checks the connection now (and waits for it). */
  recheck(): Promise<SlackHealth>;
  stop(): Promise<void>;
}

/**
 * The Slack delivery adapter alone, without Bolt: for the CLI (`wardwatch alerts`, `wardwatch outbox`),
 * which delivers the outbox and exits. Null when no bot token can be had (no SLACK_BOT_TOKEN and no
 * OAuth installs configured). Same endpoint, timeout and retry policy as the service's adapter.
 */
export function slackDeliveryPlatform(options: ChartSupport & { store: Store; env?: NodeJS.ProcessEnv; log?: (line: string) => void }): SlackPlatform | null {
  const env = options.env ?? process.env;
  const botToken = env.SLACK_BOT_TOKEN?.trim() || undefined;
  const oauth = [env.SLACK_CLIENT_ID, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET].every((v) => typeof v === 'string' && v.trim() !== '');
  if (!botToken && !oauth) return null;
  const redact = redactorFor(env, [env.SLACK_BOT_TOKEN, env.SLACK_SIGNING_SECRET, env.SLACK_APP_TOKEN, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET]);
  const log = options.log ?? (() => {});
  const logger = new RedactingLogger(redact, LogLevel.ERROR, (_level, line) => log(line));
  const apiUrl = env.SLACK_API_URL?.trim();
  const client = new WebClient(undefined, {
    logger,
    timeout: positiveMs(env.SLACK_API_TIMEOUT_MS) ?? API_TIMEOUT_MS,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
  });
  const installStore = !botToken ? new StoreInstallStore(options.store) : undefined;
  const interval = env.SLACK_POST_INTERVAL_MS?.trim();
  return new SlackPlatform({
    client,
    ...(interval && Number.isFinite(Number(interval)) && Number(interval) >= 0 ? { minIntervalMs: Number(interval) } : {}),
    renderChart: options.renderChart,
    chartAltText: options.chartAltText,
    renderAttachment: options.renderAttachment,
    log: (m) => log(redact(m)),
    tokenFor: async (channel) => {
      if (installStore) {
        const teams = await installStore.installedTeams();
        const teamId = channel.slackTeamId ?? (teams.length === 1 ? teams[0] : undefined);
        return installStore.botToken(teamId);
      }
      return botToken;
    },
  });
}

/** The interactive client's policy: a few quick retries; a 429's Retry-After is always waited out first. */
const INTERACTIVE_RETRY = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000, randomize: true };
/** No Web API call may hang for ever (web-api's default is no timeout at all). */
const API_TIMEOUT_MS = 30_000;
const CHECK_TIMEOUT_MS = 10_000;
/** How long Socket Mode may take from apps.connections.open to Slack's hello. */
const SOCKET_OPEN_TIMEOUT_MS = 30_000;

function positiveMs(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) && n > 0 ? n : undefined;
}

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

/**
 * Builds and starts the Bolt app for the mode the environment asks for. Throws UserError when Slack is
 * not configured; never because Slack refuses the token or cannot be reached (the returned handle's
 * health says so, and it keeps retrying).
 */
export async function startSlack(options: StartSlackOptions): Promise<SlackHandle> {
  const env = options.env ?? process.env;
  const settings = slackSettings(env);
  if (settings.mode === null) throw new UserError(`Slack is not configured: ${settings.missing}`);
  const redact = redactorFor(env, [env.SLACK_BOT_TOKEN, env.SLACK_SIGNING_SECRET, env.SLACK_APP_TOKEN, env.SLACK_CLIENT_SECRET, env.SLACK_STATE_SECRET]);
  const level = logLevel(env.SLACK_LOG_LEVEL);
  const logger = options.logger ?? new RedactingLogger(redact, level, options.logSink);
  // The connection check's own client logs only errors: its failures are reported once, by the connection.
  const quietLogger = options.logger ?? new RedactingLogger(redact, level === LogLevel.DEBUG ? LogLevel.DEBUG : LogLevel.ERROR, options.logSink);

  const apiUrl = env.SLACK_API_URL?.trim();
  const slackApiUrl = apiUrl ? (apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`) : 'https://slack.com/api/';
  const timeout = positiveMs(env.SLACK_API_TIMEOUT_MS) ?? API_TIMEOUT_MS;
  const clientOptions: WebClientOptions = {
    retryConfig: INTERACTIVE_RETRY,
    timeout,
    ...(apiUrl ? { slackApiUrl } : {}),
    ...options.clientOptions,
    logger,
  };
  const checkTimeout = Math.min(timeout, CHECK_TIMEOUT_MS);
  const checkClient = new WebClient(undefined, { ...clientOptions, logger: quietLogger, retryConfig: { retries: 0 }, timeout: checkTimeout });

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
            res.end(JSON.stringify({ ...report, slack: settings.mode, surfaces: { slack: connection.report() } }));
          },
        },
      ]
    : [];

  const oauth = settings.oauth
    ? {
        clientId: env.SLACK_CLIENT_ID,
        clientSecret: env.SLACK_CLIENT_SECRET,
        stateSecret: env.SLACK_STATE_SECRET,
        scopes: [...BOT_SCOPES],
        installationStore: installStore,
        ...(env.SLACK_REDIRECT_URI ? { redirectUri: env.SLACK_REDIRECT_URI } : {}),
        installerOptions: {
          directInstall: true,
          clientOptions,
          ...(env.SLACK_AUTHORIZATION_URL ? { authorizationUrl: env.SLACK_AUTHORIZATION_URL } : {}),
          ...(env.SLACK_REDIRECT_URI ? { redirectUriPath: new URL(env.SLACK_REDIRECT_URI).pathname } : {}),
          ...(settings.mode === 'socket' ? { port: installPort } : {}),
        },
      }
    : undefined;

  // One workspace: Bolt is given an `authorize` rather than the token. With `token`, Bolt calls auth.test
  // in its constructor and keeps the promise without a handler: a refused token or an unreachable Slack
  // then ended the process with an unhandled rejection, and every later request awaited the same
  // rejected promise for ever. The connection below calls auth.test instead, and retries.
  const botToken = env.SLACK_BOT_TOKEN?.trim() || undefined;
  let identity: { botId?: string; botUserId?: string } = {};
  const authorize: Authorize<boolean> | undefined = settings.oauth ? undefined : async () => ({ botToken, ...identity });

  // Socket Mode: our own receiver, so its client does not reconnect by itself. Its reconnect path
  // (`delayReconnectAttempt`) calls start() without a catch: when apps.connections.open then failed
  // (Slack unreachable, token refused) that was another unhandled rejection. The connection reconnects.
  const socketReceiver =
    settings.mode === 'socket'
      ? new SocketModeReceiver({
          appToken: env.SLACK_APP_TOKEN!,
          logger,
          logLevel: level,
          autoReconnectEnabled: false,
          // apps.connections.open is retried by the connection, with backoff, not by the client (with OAuth
          // the same options serve the token exchange, which keeps the interactive retries).
          installerOptions: oauth?.installerOptions ?? {
            clientOptions: { ...clientOptions, retryConfig: { retries: 0 }, timeout: checkTimeout },
            ...(installPort !== undefined ? { port: installPort } : {}),
          },
          customRoutes,
          ...(oauth
            ? {
                clientId: oauth.clientId,
                clientSecret: oauth.clientSecret,
                stateSecret: oauth.stateSecret,
                scopes: oauth.scopes,
                installationStore: oauth.installationStore,
                redirectUri: oauth.redirectUri,
              }
            : {}),
        })
      : undefined;

  const app = new App({
    ...(socketReceiver ? { receiver: socketReceiver } : { signingSecret: env.SLACK_SIGNING_SECRET, customRoutes, ...(oauth ?? {}) }),
    ...(authorize ? { authorize } : {}),
    logger,
    clientOptions,
  });
  app.error(async (error) => {
    logger.error(`slack: unhandled error in a listener: ${error.code ?? ''} ${error.message}`);
    observe(error);
  });

  const tokenName = botToken ? 'SLACK_BOT_TOKEN' : 'the installed bot token';
  const oauthInstalls = settings.oauth;
  /** A Web API call failed somewhere: if it says the connection is gone, the connection hears of it. */
  function observe(err: unknown): void {
    // the Web API's own error, or one Bolt wrapped (its `original`)
    for (const e of [err, (err as { original?: unknown } | undefined)?.original]) {
      if (e && isConnectionFailure(e, { tokenErrors: !oauthInstalls })) {
        return connection.lost(describeSlackFailure(e, { tokenName, method: 'a Web API call', apiUrl: slackApiUrl, timeoutMs: timeout }).reason);
      }
    }
  }

  // Commands are acked at once and answered from this queue (answer-queue.ts): SLACK_ANSWER_CONCURRENCY
  // at a time (default 4), SLACK_ANSWER_QUEUE waiting at most (default 2000).
  // While Slack requests are in and not yet acked (HTTP mode), no new answer starts.
  let requestsInFlight = 0;
  const answers = new AnswerQueue({
    ...answerQueueOptions(env),
    holdWhile: () => requestsInFlight > 0,
    onError: (err) => logger.error(`slack: answering failed: ${err instanceof Error ? err.message : String(err)}`),
  });
  registerHandlers(app, {
    answers,
    store: options.store,
    config: options.config,
    logger,
    renderChart: options.renderChart,
    chartAltText: options.chartAltText,
    renderAttachment: options.renderAttachment,
    workingNoticeMs: options.workingNoticeMs,
    now: options.now,
    command: env.SLACK_COMMAND,
    installStore,
    onTiming: options.onTiming,
    onSlackError: observe,
  });

  // The outbox's client: same endpoint and logger, but a 429 comes back to the adapter (rejectRateLimitedCalls)
  // so it can wait a short Retry-After or hand a long one to the outbox.
  // No retries inside the client either: a post that timed out may have arrived, and only the outbox
  // (which looks before it posts again) may retry it.
  const platformClient = new WebClient(undefined, { ...clientOptions, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  const platform = new SlackPlatform({
    client: platformClient,
    renderChart: options.renderChart,
    chartAltText: options.chartAltText,
    renderAttachment: options.renderAttachment,
    ...options.platformOptions,
    log: (m) => logger.warn(m),
    onSlackError: observe,
    tokenFor: async (channel) => {
      if (installStore) {
        const teams = await installStore.installedTeams();
        const teamId = channel.slackTeamId ?? (teams.length === 1 ? teams[0] : undefined);
        const token = await installStore.botToken(teamId);
        if (token) return token;
      }
      return botToken;
    },
  });

  // What one connection attempt does: the bot token must be accepted (auth.test; with OAuth installs
  // there is no single token, so only the API's reachability: api.test), and in Socket Mode the
  // WebSocket must be open.
  const what = (method: string, name = tokenName) => ({ tokenName: name, method, apiUrl: slackApiUrl, timeoutMs: checkTimeout });
  let socketOpen = false;
  let socketStarted = false;
  let stopping = false;
  async function attempt(): Promise<void> {
    if (botToken) {
      try {
        const res = await checkClient.auth.test({ token: botToken });
        identity = { ...(res.bot_id ? { botId: res.bot_id } : {}), ...(res.user_id ? { botUserId: res.user_id } : {}) };
      } catch (err) {
        throw describeSlackFailure(err, what('auth.test'));
      }
    } else if (!socketReceiver) {
      try {
        await checkClient.apiCall('api.test');
      } catch (err) {
        throw describeSlackFailure(err, what('api.test'));
      }
    }
    if (socketReceiver && !socketOpen) await openSocket();
  }

  async function openSocket(): Promise<void> {
    const client = socketReceiver!.client;
    let timer: NodeJS.Timeout | undefined;
    try {
      // The first time through the receiver (it also opens the install page's server), then the client.
      const opening = socketStarted ? client.start() : (app.start() as Promise<unknown>);
      socketStarted = true;
      await Promise.race([
        opening,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new SlackConnectionProblem(`Slack did not complete the Socket Mode connection within ${SOCKET_OPEN_TIMEOUT_MS / 1000} s`)),
            SOCKET_OPEN_TIMEOUT_MS,
          );
        }),
      ]);
      socketOpen = true;
    } catch (err) {
      if (err instanceof SlackConnectionProblem) void client.disconnect().catch(() => undefined);
      const e = err as { code?: string } | undefined;
      if (e?.code?.startsWith('slack_webapi_')) throw describeSlackFailure(err, what('apps.connections.open', 'SLACK_APP_TOKEN'));
      if (err instanceof SlackConnectionProblem) throw err;
      throw new SlackConnectionProblem(`the Socket Mode connection to Slack could not be opened${err instanceof Error && err.message ? `: ${err.message}` : ''}`);
    } finally {
      clearTimeout(timer);
    }
  }

  const connection = new SlackConnection({
    mode: settings.mode,
    attempt,
    backoff: {
      minMs: options.backoff?.minMs ?? positiveMs(env.SLACK_RETRY_MIN_MS) ?? DEFAULT_BACKOFF.minMs,
      maxMs: options.backoff?.maxMs ?? positiveMs(env.SLACK_RETRY_MAX_MS) ?? DEFAULT_BACKOFF.maxMs,
      ...(options.backoff?.factor ? { factor: options.backoff.factor } : {}),
    },
    log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m), debug: (m) => logger.debug(m) },
    onChange: (h) => options.onHealth?.(h),
    ...(options.now ? { now: options.now } : {}),
  });

  if (socketReceiver) {
    const client = socketReceiver.client;
    client.on('connected', () => {
      socketOpen = true;
    });
    client.on('disconnected', () => {
      const was = socketOpen;
      socketOpen = false;
      // Slack closes sockets now and then (refresh_requested); reopen at once, degraded only if that fails.
      if (!stopping && was) {
        logger.info('slack: the Socket Mode connection closed; reopening it');
        void connection.check();
      }
    });
    // The install page's server: a port in use must not end the process.
    (socketReceiver as unknown as { httpServer?: Server }).httpServer?.on('error', (err) =>
      logger.error(`slack: the Socket Mode install page could not listen on port ${installPort}: ${err.message}`),
    );
  }

  let receiverPort: number | null = null;
  let requestListener: RequestListener | null = null;
  let httpStarted = false;
  if (settings.mode === 'http') {
    // Every HTTP request, on Bolt's server or mounted on ours, goes through the gate first.
    const receiver = (app as unknown as { receiver: { requestListener: RequestListener } }).receiver;
    const gated = slackGate({
      listener: receiver.requestListener,
      signingSecret: env.SLACK_SIGNING_SECRET ?? '',
      endpoints: ['/slack/events'],
      logger,
      replay: options.replayGuard ?? new MemoryReplayGuard(),
    });
    // Counted from arrival to the response (the ack) for the answer queue's hold.
    requestListener = (req, res) => {
      requestsInFlight++;
      let counted = true;
      const done = () => {
        if (counted) requestsInFlight--;
        counted = false;
      };
      res.once('finish', done);
      res.once('close', done);
      gated(req, res);
    };
    receiver.requestListener = requestListener;
    if (listen) {
      const port = options.port ?? Number(env.PORT ?? 3000);
      const server = (await app.start(options.host ? { port, host: options.host } : port)) as Server;
      receiverPort = (server.address() as AddressInfo).port;
      httpStarted = true;
    }
  } else if (installStore || customRoutes.length) receiverPort = installPort ?? 3000;
  const first = connection.check();
  logger.info(`slack: ${settings.mode} mode${settings.oauth ? ' with OAuth installs' : ''}${receiverPort !== null ? ` on port ${receiverPort}` : ''}`);

  return {
    app,
    mode: settings.mode,
    oauth: settings.oauth,
    receiverPort,
    requestListener,
    platform,
    health: () => connection.report(),
    checked: () => first.then(() => connection.report()),
    recheck: () => connection.check().then(() => connection.report()),
    async stop() {
      if (stopping) return;
      stopping = true;
      // Questions already acked are answered (for up to 10 s); new ones are refused with "ask again".
      answers.close();
      await Promise.race([answers.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      connection.stop();
      await connection.idle();
      if (httpStarted) {
        httpStarted = false;
        await app.stop();
      } else if (socketReceiver && socketStarted) {
        await app.stop().catch((err: unknown) => logger.warn(`slack: stopping Socket Mode: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
  };
}
