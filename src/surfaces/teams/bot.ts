// The Teams bot on the Teams SDK (@microsoft/teams.apps 2.0.16), served by `wardwatch serve` at
// /api/messages on the service's own HTTP server. The SDK checks each request's Bot Framework token
// (HttpServer.handleRequest) and routes the activity; Wardwatch mounts that handling on its Express app
// through a small adapter, so the SDK never listens itself (app.start() would bind port 3978 whatever it
// is given, and swallow its own listen errors). Every question goes through the one conversation handler
// (src/core/conversation.ts): no command knows it is in Teams. The bot also keeps the conversation
// reference of every conversation it hears from (install events and messages), for proactive posts.
import { App, type HttpRouteHandler, type IHttpServerAdapter, type IHttpServerRequest, type IHttpServerResponse } from '@microsoft/teams.apps';
import type { CloudEnvironment } from '@microsoft/teams.api';
import { acknowledgeFromChannel, parseAckCommand } from '../../alerting/acknowledge.ts';
import type { Config } from '../../config/schema.ts';
import { handleQuestion, parsePrivacy, stripPrefix, type Responder } from '../../core/conversation.ts';
import { describeError, redactorFor, type Redact } from '../../core/redact.ts';
import type { Reply } from '../../core/reply.ts';
import type { ChartLinks } from '../../charts/links.ts';
import type { Store } from '../../store/types.ts';
import {
  botAdded,
  botRemoved,
  cardData,
  conversationAddress,
  conversationKind,
  questionText,
  referenceOf,
  teamsChannelFor,
  type TeamsChannel,
  type WireActivity,
} from './activity.ts';
import { noticeCard, replyCard, unlinkedCard, type AdaptiveCard } from './cards.ts';
import { classifyTeamsError } from './errors.ts';
import { cardChartUrl, cardDocumentUrl } from './links.ts';
import { cardActivity, connectorFor, TeamsPlatform, type ConnectorHttp } from './platform.ts';
import type { TeamsSettings } from './settings.ts';

/** How users start a command in Teams (after the @mention, or on its own in a 1:1 chat). */
export const TEAMS_PREFIX = 'crime';
export const MESSAGING_ENDPOINT = '/api/messages';

export interface StartTeamsOptions {
  store: Store;
  config: Config | (() => Config);
  env: NodeJS.ProcessEnv;
  settings: Extract<TeamsSettings, { mode: 'bot' }>;
  charts?: ChartLinks | undefined;
  /** PUBLIC_URL: where Teams fetches chart images. */
  publicUrl?: string | undefined;
  log: (line: string) => void;
  now?: () => Date;
  /** Tests only: a cloud whose token signing keys are served on loopback (the default is Microsoft's public cloud). */
  cloud?: CloudEnvironment;
  /** After this long without an answer, the conversation sees "typing" (default 1000 ms). */
  workingNoticeMs?: number;
}

export interface TeamsHandle {
  /** POST /api/messages: the SDK's handling (token check, routing); mount it on the service's server. */
  handle(request: IHttpServerRequest): Promise<IHttpServerResponse>;
  platform: TeamsPlatform;
  authenticated: boolean;
  stop(): Promise<void>;
}

/** Captures the SDK's route handlers instead of serving them, so they can be mounted on our server. */
class MountedAdapter implements IHttpServerAdapter {
  readonly routes = new Map<string, HttpRouteHandler>();
  registerRoute(method: 'POST', path: string, handler: HttpRouteHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }
}

/**
 * An unsigned JWT for outgoing calls when no credentials are configured (tests, the Bot Framework
 * Emulator): the SDK decodes its bot token, so it must be token-shaped; nothing real accepts it.
 */
function unsignedLocalToken(appId: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: 'https://api.botframework.com', appid: appId, iss: 'wardwatch-local', iat: now, exp: now + 3600 })}.`;
}

type Level = 'error' | 'warn' | 'info' | 'debug';
const LEVELS: Level[] = ['error', 'warn', 'info', 'debug'];

/** The SDK's logger, through Wardwatch's log and redaction; its debug lines (whole activities) only at TEAMS_LOG_LEVEL=debug. */
interface SdkLogger {
  error(...msg: unknown[]): void;
  warn(...msg: unknown[]): void;
  info(...msg: unknown[]): void;
  debug(...msg: unknown[]): void;
  trace(...msg: unknown[]): void;
  log(level: string, ...msg: unknown[]): void;
  child(name: string): SdkLogger;
}

function sdkLogger(log: (line: string) => void, redact: Redact, level: Level, name = 'teams'): SdkLogger {
  const rank = LEVELS.indexOf(level);
  const text = (msg: unknown[]) =>
    msg
      .map((m) =>
        typeof m === 'string' ? m : m instanceof Error ? `${m.name}: ${m.message}${(m as { code?: string }).code ? ` (${(m as { code?: string }).code})` : ''}` : describeError(m),
      )
      .join(' ');
  const at =
    (l: Level) =>
    (...msg: unknown[]) => {
      if (LEVELS.indexOf(l) <= rank) log(redact(`${name} ${l}: ${text(msg)}`).slice(0, 2000));
    };
  const logger: SdkLogger = {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('debug'),
    log: (l: string, ...msg: unknown[]) => at((LEVELS as string[]).includes(l) ? (l as Level) : 'info')(...msg),
    child: (child: string): SdkLogger => sdkLogger(log, redact, level, `${name}/${child}`),
  };
  return logger;
}

type Ctx = {
  activity: WireActivity;
  send(activity: Record<string, unknown>): Promise<{ id?: string }>;
};

export async function startTeams(options: StartTeamsOptions): Promise<TeamsHandle> {
  const { settings, store } = options;
  const env = options.env;
  const now = options.now ?? (() => new Date());
  const config = () => (typeof options.config === 'function' ? options.config() : options.config);
  const redact = redactorFor(env, [settings.password]);
  const levelSetting = (env.TEAMS_LOG_LEVEL ?? 'info').toLowerCase();
  const level: Level = (LEVELS as string[]).includes(levelSetting) ? (levelSetting as Level) : 'info';
  const log = (line: string) => options.log(redact(line));
  const adapter = new MountedAdapter();
  const clientId = settings.appId ?? 'wardwatch-unauthenticated';

  const app = new App({
    clientId,
    ...(settings.authenticated
      ? { clientSecret: settings.password, ...(settings.tenantId ? { tenantId: settings.tenantId } : {}) }
      : { token: async () => unsignedLocalToken(clientId), ...(settings.tenantId ? { tenantId: settings.tenantId } : {}) }),
    dangerouslyAllowUnauthenticatedRequests: !settings.authenticated,
    httpServerAdapter: adapter,
    logger: sdkLogger(options.log, redact, level) as never,
    client: { timeout: 30_000 },
    activity: { mentions: { stripText: false } },
    ...(options.cloud ? { cloud: options.cloud } : {}),
  });

  if (settings.authenticated) {
    if (settings.ignoredUnauthenticated)
      log('Teams: TEAMS_ALLOW_UNAUTHENTICATED=1 is IGNORED because TEAMS_APP_ID and TEAMS_APP_PASSWORD are set: every request must carry a valid Bot Framework token.');
  } else {
    log('');
    log('!!! Teams: RUNNING WITHOUT AUTHENTICATION (TEAMS_ALLOW_UNAUTHENTICATED=1) !!!');
    log(`!!! Anyone who can reach ${MESSAGING_ENDPOINT} can post as Teams and read answers. For tests and the Bot Framework Emulator only: !!!`);
    log('!!! set TEAMS_APP_ID and TEAMS_APP_PASSWORD (and TEAMS_TENANT_ID) for a real tenant.                                   !!!');
    log('');
  }

  // The bot's HTTP client, with its token: for replies to a 1:1 chat and for proactive posts.
  const http = (app.api as unknown as { http: ConnectorHttp }).http;
  const platform = new TeamsPlatform({ store, http, charts: options.charts, publicUrl: options.publicUrl, log });

  async function remember(activity: WireActivity, installed = true): Promise<void> {
    const ref = referenceOf(activity, now().toISOString(), installed);
    if (!ref) return;
    try {
      await store.saveTeamsConversation({ ...ref, updatedAt: now().toISOString() });
    } catch (err) {
      log(`teams: could not store the conversation reference of ${ref.conversationId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async function card(reply: Reply, channel: TeamsChannel, askedBy?: { name: string; text: string }): Promise<AdaptiveCard> {
    const chart = await cardChartUrl(options.charts, options.publicUrl, reply.chart);
    const doc = await cardDocumentUrl(store, options.publicUrl, reply.attachment);
    const rendered = replyCard(reply, {
      mode: 'bot',
      chartUrl: chart.url,
      chartNote: chart.note,
      documentUrl: doc.url,
      documentNote: doc.note,
      channel: channel.name,
      askedBy,
      prefix: TEAMS_PREFIX,
    });
    if (rendered.rowsLeftOut > 0) log(`teams: "${reply.title}": ${rendered.rowsLeftOut} table rows left out to fit the card limit`);
    return rendered.card;
  }

  /** Opens (or finds) the 1:1 chat with a user, for an answer they asked to get privately. */
  async function privateChat(activity: WireActivity): Promise<string> {
    const api = connectorFor(activity.serviceUrl!, http);
    const tenantId = activity.conversation?.tenantId ?? activity.channelData?.tenant?.id;
    const res = (await api.conversations.create({
      isGroup: false,
      bot: { id: activity.recipient!.id },
      members: [{ id: activity.from!.id } as never],
      ...(tenantId ? { tenantId, channelData: { tenant: { id: tenantId } } } : {}),
    })) as { id?: string };
    if (!res.id) throw new Error('the Bot Connector returned no conversation id for the private chat');
    return res.id;
  }

  async function ask(ctx: Ctx, channel: TeamsChannel, text: string): Promise<void> {
    const activity = ctx.activity;
    const kind = conversationKind(activity);
    const askedPrivately = parsePrivacy(stripPrefix(text, TEAMS_PREFIX)).private;
    const name = activity.from?.name?.trim() || 'Someone';
    const responder: Responder = {
      prefix: TEAMS_PREFIX,
      canAnswerPrivately: true,
      async deliver(reply, o) {
        // Only what the user asked to keep private leaves the conversation; a refusal or help (ephemeral
        // in Slack) is answered where it was asked: Teams has no "only visible to you".
        if (askedPrivately && o.private && kind !== 'personal') {
          const chat = await privateChat(activity);
          await connectorFor(activity.serviceUrl!, http).conversations.createActivity(chat, cardActivity(await card(reply, channel), reply.title) as never);
          await ctx.send(cardActivity(noticeCard('Sent privately', `${name}, the answer is in your chat with Wardwatch.`)));
          return;
        }
        const shared = kind !== 'personal';
        await ctx.send(cardActivity(await card(reply, channel, shared ? { name, text: o.asked } : undefined), reply.title));
      },
      async working() {
        await ctx.send({ type: 'typing' });
      },
      async apologise(reason) {
        await ctx.send(cardActivity(noticeCard('Sorry', `I could not answer that here (${reason}). The error has been logged for the operator.`)));
      },
    };
    await handleQuestion({ surface: 'teams', userId: activity.from?.aadObjectId ?? activity.from?.id ?? 'unknown', channel, text, private: false }, responder, {
      store,
      config: options.config,
      now,
      workingNoticeMs: options.workingNoticeMs ?? 1000,
      describeError: (err) => classifyTeamsError(err).reason,
      audit: (line) => log(line),
    });
  }

  /** The Acknowledge button (and `crime alerts ack <id>`): recorded as the Teams user who pressed it, by the alerting service's one call. */
  async function acknowledge(activity: WireActivity, channel: TeamsChannel, alertId: string): Promise<Reply> {
    const by = activity.from?.name?.trim() || activity.from?.aadObjectId || activity.from?.id || 'someone';
    const id = Number(alertId);
    if (!Number.isInteger(id) || id <= 0)
      return { kind: 'error', title: 'No such alert here', summary: `"${alertId.slice(0, 20)}" is not an alert number.`, figures: [], notes: [], actions: [] };
    const reply = await acknowledgeFromChannel({ store, config: config(), channel, alertId: id, by, surface: 'teams', now: now() });
    log(`teams: Acknowledge on alert ${id} by ${by} in ${channel.name}: ${reply.title}`);
    return reply;
  }

  function unlinked(activity: WireActivity): AdaptiveCard {
    const tenantId = activity.conversation?.tenantId ?? activity.channelData?.tenant?.id;
    return unlinkedCard({
      conversationId: conversationAddress(activity),
      conversationType: conversationKind(activity),
      name: activity.channelData?.channel?.name ?? activity.channelData?.team?.name ?? activity.conversation?.name,
      ...(tenantId ? { tenantId } : {}),
    });
  }

  app.on('message', async (raw) => {
    const ctx = raw as unknown as Ctx;
    const activity = ctx.activity;
    await remember(activity);
    const channel = teamsChannelFor(config(), activity);
    if (!channel) {
      log(`teams: message from unlinked conversation ${conversationAddress(activity)} (${conversationKind(activity)})`);
      await ctx.send(cardActivity(unlinked(activity), 'This conversation is not linked yet'));
      return;
    }
    const data = cardData(activity);
    const text = data?.wardwatch === 'run' ? data.command : questionText(activity);
    const typedAck = data ? null : parseAckCommand(stripPrefix(text, TEAMS_PREFIX));
    if (data?.wardwatch === 'ack' || typedAck !== null) {
      const reply = await acknowledge(activity, channel, data?.wardwatch === 'ack' ? data.alertId : String(typedAck));
      await ctx.send(cardActivity(await card(reply, channel), reply.title));
      return;
    }
    await ask(ctx, channel, text);
  });

  // Universal Actions: Acknowledge on an alert card. The answer replaces nothing; it tells the presser,
  // and the thread hears who acknowledged.
  app.on('card.action', async (raw) => {
    const ctx = raw as unknown as Ctx;
    const activity = ctx.activity;
    await remember(activity);
    const data = cardData(activity);
    const channel = teamsChannelFor(config(), activity);
    if (!data || !channel) {
      return {
        statusCode: 200,
        type: 'application/vnd.microsoft.activity.message',
        value: channel ? 'Wardwatch did not understand that button.' : 'This conversation is not linked to Wardwatch.',
      } as never;
    }
    if (data.wardwatch === 'ack') {
      const reply = await acknowledge(activity, channel, data.alertId);
      await ctx
        .send(cardActivity(await card(reply, channel), reply.title))
        .catch((err: unknown) => log(`teams: could not post the acknowledgement: ${classifyTeamsError(err).reason}`));
      return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: reply.summary ?? reply.title } as never;
    }
    await ask(ctx, channel, data.command);
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Answered below.' } as never;
  });

  // Installed in a team, a group chat or for a user: keep the reference, and say whether this
  // conversation is linked (with the block to paste when it is not).
  app.on('conversationUpdate', async (raw) => {
    const ctx = raw as unknown as Ctx;
    const activity = ctx.activity;
    if (botRemoved(activity)) {
      const id = conversationAddress(activity);
      await store.markTeamsConversationRemoved(id, now().toISOString()).catch(() => undefined);
      log(`teams: removed from ${conversationKind(activity)} ${id}`);
      return;
    }
    await remember(activity);
    if (!botAdded(activity)) return;
    const channel = teamsChannelFor(config(), activity);
    log(`teams: installed in ${conversationKind(activity)} ${conversationAddress(activity)}${channel ? ` (channel ${channel.name})` : ' (not linked in the config)'}`);
    const welcome = channel
      ? noticeCard('Wardwatch is here', `This conversation is linked to ${channel.name}. Alerts and summaries will be posted here. Ask with @Wardwatch ${TEAMS_PREFIX} help.`)
      : unlinked(activity);
    await ctx.send(cardActivity(welcome)).catch((err: unknown) => log(`teams: could not post the welcome: ${classifyTeamsError(err).reason}`));
  });

  app.on('installationUpdate', async (raw) => {
    const activity = (raw as unknown as Ctx).activity;
    if (botRemoved(activity)) await store.markTeamsConversationRemoved(conversationAddress(activity), now().toISOString()).catch(() => undefined);
    else await remember(activity);
  });

  app.event('error', (event: { error?: unknown }) => log(`teams: error while handling an activity: ${describeError(event.error)}`));

  await app.initialize();
  const route = adapter.routes.get(`POST ${MESSAGING_ENDPOINT}`);
  if (!route) throw new Error(`the Teams SDK registered no handler for ${MESSAGING_ENDPOINT}`);
  log(
    `Teams: bot ${settings.authenticated ? `${clientId}${settings.tenantId ? ` (single tenant ${settings.tenantId})` : ''}` : 'WITHOUT authentication'} at ${MESSAGING_ENDPOINT}`,
  );

  return {
    handle: (request) => route(request),
    platform,
    authenticated: settings.authenticated,
    async stop() {
      // Nothing listens on its own: the service's server is closed by the service.
    },
  };
}
