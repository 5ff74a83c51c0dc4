// The HTTP app: /healthz for every deployment, and the local channel (page, ask API, live messages,
// charts, demo controls) behind the guard. Everything it needs is passed in, so tests build it with a
// temp store and their own clock, and `wardwatch serve` composes the real parts.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { ChannelConfig, Config } from '../../config/schema.ts';
import { DEFAULT_PREFIX } from '../../core/context.ts';
import { handleQuestion, stripPrefix } from '../../core/conversation.ts';
import { acknowledgeFromChannel, parseAckCommand } from '../../alerting/acknowledge.ts';
import { commands } from '../../core/dispatch.ts';
import { describeError, redactorFor } from '../../core/redact.ts';
import { errorReply, type Reply, type ReplyAttachment } from '../../core/reply.ts';
import { taxonomy } from '../../taxonomy/index.ts';
import type { ChartLinks } from '../../charts/links.ts';
import { channelView, localChannels, vocabulary } from './channels.ts';
import { accessOf, DEFAULT_STREAM_LIMITS, guard, type Binding, type TokenGrant } from './guard.ts';
import { UserError } from '../../core/errors.ts';
import { renderAdaptiveCard } from './adaptive-card.ts';
import { html, renderReply, type SafeHtml } from './html.ts';
import type { LocalMessage, LocalMessageLog, MessageBus } from './local-platform.ts';
import { renderPage, renderPane, statusText } from './page.ts';
import { sendBriefDocument } from '../../service/brief-documents.ts';
import type { Scheduler } from '../../service/scheduler.ts';
import type { ServiceState, StatusSnapshot } from '../../service/state.ts';

const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));
const HISTORY = 50;
const MAX_TEXT = 500;

export interface SimulateResult {
  month: string;
  /** One line for the page: what was loaded and what the checks found. */
  summary: string;
}

export interface LocalAppOptions {
  config: Config;
  state: ServiceState;
  scheduler: Scheduler | null;
  messages: LocalMessageLog;
  bus: MessageBus;
  charts: ChartLinks;
  binding: Pick<Binding, 'token' | 'loopback' | 'grants' | 'streams'> & { pageEnabled?: boolean };
  /** This replica's name, for /healthz. */
  replica?: string;
  /** The outbox for /healthz: counts by state and the oldest unsent message's age (src/service/outbox.ts). */
  outboxHealth?: () => Promise<unknown>;
  /** Audit lines for questions asked on the page (default: none). */
  audit?: (line: string) => void;
  /** The dev-only "simulate next month" control; absent = not offered. */
  simulateMonth?: (() => Promise<SimulateResult>) | null;
  /** Its undo: takes out the months "simulate next month" added, nothing else (offered beside it). */
  resetSimulation?: (() => Promise<SimulateResult>) | null;
  now?: () => Date;
  /** Asset URL version (default: start time), so a restarted server never serves stale script. */
  assetVersion?: string;
  /** The text alternative for a chart whose reply does not carry one. */
  chartAltText?: (request: NonNullable<Reply['chart']>) => string;
  /**
   * The store's file: /healthz reports the store unreachable when it has been deleted or replaced under
   * the running service (SQLite would carry on writing to the unlinked file, and lose it all at restart).
   */
  storeFile?: string;
  /** Routes mounted ahead of the local page's guard (Slack's, which verify their own signatures). */
  beforeLocal?: (app: Express) => void;
  /** The Adaptive Card a reply becomes in Teams (the service hands in the Teams renderer): the page's "Teams view". */
  teamsCard?: (reply: Reply, chartUrl: string | undefined) => unknown;
  /** Draws a reply's document (the brief's PDF) for /briefs/<id>.pdf; absent = no links to documents. */
  briefPdf?: ((attachment: ReplyAttachment) => Promise<Buffer>) | null;
}

export interface LocalApp {
  app: Express;
  /** Ends every open event stream (graceful shutdown). */
  closeStreams(): void;
}

export function createApp(options: LocalAppOptions): LocalApp {
  const { config, state, messages, bus, charts } = options;
  const now = options.now ?? (() => new Date());
  const timezone = config.timezone;
  const channels = localChannels(config);
  const channelByName = new Map(channels.map((c) => [c.name, c]));
  const assetVersion = options.assetVersion ?? Date.now().toString(36);
  let asked = 0;
  let simulating: Promise<SimulateResult> | null = null;
  const streams = new Set<Response>();
  const streamsByClient = new Map<string, number>();
  const limits = options.binding.streams ?? DEFAULT_STREAM_LIMITS;
  // Each token's channels, checked against the config once, at start.
  const uncleared = new Set(channels.filter((c) => !c.clearance.smallNumbers && !c.clearance.sensitive).map((c) => c.name));
  for (const g of options.binding.grants ?? []) {
    if (g.channels === 'uncleared') continue;
    const unknown = g.channels.filter((n) => !channelByName.has(n));
    if (unknown.length)
      throw new UserError(
        `a local page token names ${unknown.map((n) => `"${n}"`).join(', ')}, which ${unknown.length === 1 ? 'is not a local channel' : 'are not local channels'} (known: ${channels.map((c) => c.name).join(', ')})`,
      );
  }
  const channelsFor = (g: TokenGrant): ReadonlySet<string> => (g.channels === 'uncleared' ? uncleared : new Set(g.channels));
  /** The channels this request may ask as (its token's), in config order. */
  const allowedChannels = (res: Response): ChannelConfig[] => {
    const allowed = accessOf(res).channels;
    return allowed ? channels.filter((c) => allowed.has(c.name)) : channels;
  };
  const redact = redactorFor(process.env, [options.binding.token ?? undefined]);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((_req, res, next) => {
    // Everything is served from this origin; nothing may load from anywhere else.
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  // Health: open to the container's health check in every mode; says nothing sensitive.
  const storeFile = options.storeFile && options.storeFile !== ':memory:' ? options.storeFile : undefined;
  const storeInode = storeFile ? fileInode(storeFile) : undefined;
  const fileProblem = (): string | null => {
    if (!storeFile) return null;
    const inode = fileInode(storeFile);
    if (inode === undefined) return 'the store file no longer exists';
    if (storeInode !== undefined && inode !== storeInode) return 'the store file was replaced while the service ran: restart it';
    return null;
  };
  app.get('/healthz', async (_req, res) => {
    const snapshot = await state.snapshot();
    let reachable = false;
    let problem: string | null = null;
    if (state.store) {
      try {
        await state.store.months();
        problem = fileProblem();
        reachable = problem === null;
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
        reachable = false;
      }
    }
    const ok = snapshot.phase === 'ready' && reachable;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : snapshot.phase === 'ready' ? 'unavailable' : snapshot.phase,
      replica: options.replica ?? null,
      store: { reachable, kind: state.store?.kind ?? null, location: state.store?.location ?? null, ...(problem ? { problem } : {}) },
      data: { latestMonth: snapshot.latestMonth, latestRealMonth: snapshot.latestRealMonth, months: snapshot.months },
      scheduler: (await options.scheduler?.status()) ?? { state: 'stopped', timezone, replica: null, jobs: [] },
      // Chat surfaces (Slack): `degraded` with a reason and the next retry when their platform refuses the
      // token or cannot be reached. The service stays up and healthy (200) for everything else.
      surfaces: state.surfaces(),
      // What waits to be posted: a failed count above 0, or an old oldestUnsentAgeSeconds, wants `wardwatch outbox`.
      ...(options.outboxHealth && reachable ? { outbox: await options.outboxHealth().catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })) } : {}),
      ...(snapshot.progress ? { loading: snapshot.progress } : {}),
      ...(snapshot.error ? { error: snapshot.error } : {}),
    });
  });

  const local = express.Router();
  local.use(guard(options.binding, channelsFor));
  local.use('/assets', express.static(ASSETS_DIR, { maxAge: '1h', index: false, fallthrough: false }));

  const view = async (domId: string, reply: Reply, postedAt: Date, origin: 'delivered' | 'answer'): Promise<SafeHtml> => {
    const shown = reply.chart && !reply.chartAlt && options.chartAltText ? { ...reply, chartAlt: options.chartAltText(reply.chart) } : reply;
    const chartUrl = reply.chart && charts.available ? `/charts/${await charts.register(reply.chart)}.png` : undefined;
    const attachmentUrl = reply.attachment && options.briefPdf && state.store ? `/briefs/${await registerAttachment(reply.attachment)}.pdf` : undefined;
    return renderReply({
      domId,
      reply: shown,
      chartUrl,
      attachmentUrl,
      postedAt,
      timezone,
      origin,
      teamsCard: options.teamsCard ? renderAdaptiveCard(options.teamsCard(shown, chartUrl), domId) : undefined,
    });
  };
  // A document is stored as what to draw (like a chart request), under a hash of it, so any replica can draw it.
  const registerAttachment = async (attachment: ReplyAttachment): Promise<string> => {
    const id = createHash('sha256').update(JSON.stringify({ attachment })).digest('base64url').slice(0, 22);
    const at = now();
    await state.store!.saveChartRequest({ id, request: { attachment }, createdAt: at.toISOString(), expiresAt: new Date(at.getTime() + 90 * 24 * 3600_000).toISOString() });
    return id;
  };
  // A thread reply (a correction, a reminder, an update under its digest) says which message it answers.
  const messageHtml = async (m: LocalMessage): Promise<SafeHtml> => {
    const inner = await view(`m-${m.id}`, m.reply, new Date(m.postedAt), 'delivered');
    return m.threadOf
      ? html`<div class="thread-reply" data-thread-of="m-${m.threadOf}"><a class="thread-parent" href="#m-${m.threadOf}">In reply to an earlier message</a>${inner}</div>`
      : inner;
  };
  const pane = async (channel: ChannelConfig): Promise<SafeHtml> =>
    renderPane(await channelView(config, channel, state.store), await commands(), await Promise.all((await messages.list(channel.name, HISTORY)).map(messageHtml)));
  // A channel the request's token does not name is treated as not there: the client cannot choose one.
  const findChannel = (name: unknown, res: Response): ChannelConfig | undefined => {
    const c = typeof name === 'string' ? channelByName.get(name) : undefined;
    const allowed = accessOf(res).channels;
    return c && (!allowed || allowed.has(c.name)) ? c : undefined;
  };

  local.get('/', (req, res) => {
    const first = allowedChannels(res)[0]?.name;
    if (!first)
      return void res
        .status(403)
        .type('html')
        .send('<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>Wardwatch</title><p>This token may not ask as any channel.</p></html>');
    res.redirect(302, `/c/${encodeURIComponent(first)}${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`);
  });

  local.get('/c/:channel', async (req, res) => {
    const channel = findChannel(req.params.channel, res);
    if (!channel) {
      res
        .status(404)
        .type('html')
        .send(
          `<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>Not found</title><p>There is no local channel of that name. <a href="/">Go to the channels</a>.</p></html>`,
        );
      return;
    }
    res.type('html').send(
      renderPage({
        channel: await channelView(config, channel, state.store),
        channels: await Promise.all(allowedChannels(res).map((c) => channelView(config, c, state.store))),
        pane: await pane(channel),
        lastEventId: await messages.latestId(),
        status: await state.snapshot(),
        timezone,
        devControls: Boolean(options.simulateMonth),
        resetControl: Boolean(options.simulateMonth && options.resetSimulation),
        assetVersion,
        teamsView: Boolean(options.teamsCard),
      }),
    );
  });

  /** A channel's header and history, for switching channels without a reload. */
  local.get('/api/channels/:channel', async (req, res) => {
    const channel = findChannel(req.params.channel, res);
    if (!channel) return void res.status(404).json({ error: `no local channel named "${req.params.channel}"` });
    res.json({ channel: await channelView(config, channel, state.store), html: (await pane(channel)).value });
  });

  local.get('/api/vocabulary', async (req, res) => {
    const channel = findChannel(req.query.channel, res);
    if (!channel) return void res.status(404).json({ error: 'unknown channel' });
    res.json(await vocabulary({ store: state.phase === 'ready' ? state.store : null, config, channel, taxonomy: taxonomy(), commands: await commands() }));
  });

  local.post('/api/ask', express.json({ limit: '8kb' }), async (req, res) => {
    if (!req.is('application/json')) return void res.status(415).json({ error: 'send the command as application/json: {"channel": "...", "text": "market ward"}' });
    const body = (req.body ?? {}) as { channel?: unknown; text?: unknown };
    const channel = findChannel(body.channel, res);
    if (!channel) return void res.status(404).json({ error: `no local channel named ${JSON.stringify(body.channel ?? null)}` });
    if (typeof body.text !== 'string') return void res.status(400).json({ error: 'expected JSON {"channel": "...", "text": "market ward"}' });
    if (body.text.length > MAX_TEXT) return void res.status(400).json({ error: `a command is at most ${MAX_TEXT} characters` });
    if (state.phase !== 'ready') {
      const status = await state.snapshot();
      return void res.status(503).json({ error: `Wardwatch is not ready yet: ${statusText(status)}`, status });
    }
    const started = performance.now();
    const at = now();
    const text = stripPrefix(body.text, DEFAULT_PREFIX);
    let delivered: { reply: Reply; private: boolean } | null = null;
    let apology: string | null = null;
    const ackId = parseAckCommand(text);
    if (ackId !== null) {
      // The Acknowledge button: recorded as the page's user (the local page has one, on this machine).
      delivered = {
        reply: await acknowledgeFromChannel({ store: state.store!, config, channel, alertId: ackId, by: 'the local page', surface: 'local', now: at }),
        private: false,
      };
    } else if (text.startsWith('/')) {
      delivered = {
        reply: errorReply('Unknown command', `This channel understands \`${DEFAULT_PREFIX}\` commands, such as \`${DEFAULT_PREFIX} market ward\`. Try \`${DEFAULT_PREFIX} help\`.`),
        private: true,
      };
    } else {
      // The page answers in the response: "private" and public answers look the same here, but the
      // one conversation handler still reads the question, times it and writes the audit line.
      await handleQuestion(
        { surface: 'local', userId: 'local', channel, text },
        {
          prefix: DEFAULT_PREFIX,
          canAnswerPrivately: true,
          async deliver(reply, o) {
            delivered = { reply, private: o.private };
          },
          async apologise(reason) {
            apology = reason;
          },
        },
        { store: state.store!, config, now: () => at, ...(options.audit ? { audit: options.audit } : {}) },
      );
    }
    const answered: { reply: Reply; private: boolean } = delivered ?? {
      reply: errorReply('Something went wrong', `Sorry: ${apology ?? 'that question could not be answered just now'}.`),
      private: true,
    };
    const ms = Math.round((performance.now() - started) * 10) / 10;
    res.json({
      command: text,
      reply: answered.reply,
      private: answered.private,
      ms,
      html: (await view(`a-${++asked}`, answered.reply, at, 'answer')).value,
    });
  });

  local.get('/briefs/:file', (req, res) => sendBriefDocument(res, req.params.file, state.store, now(), options.briefPdf));

  local.get('/charts/:file', async (req, res) => {
    const match = /^([A-Za-z0-9_-]{22})\.png$/.exec(req.params.file);
    let bytes: Buffer | undefined;
    try {
      bytes = match ? await charts.png(match[1]!, req.query.size === 'compact' ? 'compact' : 'full') : undefined;
    } catch (err) {
      // The chart pool's queue is full (src/charts/pool.ts): a moment later it will not be.
      if (err instanceof Error && err.name === 'ChartPoolBusy') return void res.status(503).set('Retry-After', '2').json({ error: err.message });
      throw err;
    }
    if (!bytes) return void res.status(404).json({ error: 'no such chart (it has expired, or was never handed out)' });
    res.type('png').set('Cache-Control', 'private, max-age=86400, immutable').send(bytes);
  });

  local.get('/api/events', async (req, res) => {
    const resumeFrom = Number(req.get('Last-Event-ID') ?? req.query.after);
    // Capped: a client (a token, or an address) may hold `perClient` streams open, and all together `total`.
    const access = accessOf(res);
    if (streams.size >= limits.total)
      return void res
        .status(503)
        .set('Retry-After', '30')
        .json({ error: `too many open event streams (${limits.total}); try again shortly` });
    if ((streamsByClient.get(access.client) ?? 0) >= limits.perClient)
      return void res
        .status(429)
        .set('Retry-After', '30')
        .json({ error: `this client already has ${limits.perClient} event streams open; close a tab or two` });
    streamsByClient.set(access.client, (streamsByClient.get(access.client) ?? 0) + 1);
    const mayHear = (m: LocalMessage) => !access.channels || access.channels.has(m.channel);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const send = (event: string, data: unknown, id?: number) => {
      res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    // Rendering a message is async (its chart link is stored); a chain keeps the stream in id order.
    let sending: Promise<void> = Promise.resolve();
    const sendMessage = (m: LocalMessage) => {
      sending = sending
        .then(async () => send('message', { id: m.id, channel: m.channel, kind: m.reply.kind, title: m.reply.title, html: (await messageHtml(m)).value }, m.id))
        .catch(() => undefined);
    };
    const sendStatus = (s: StatusSnapshot) => send('status', { ...s, text: statusText(s) });
    res.write('retry: 2000\n\n');
    // Live messages and status changes are heard from the start, and held while the missed messages
    // and the current status are read, so nothing falls between the read and the subscription.
    let live = false;
    const heldMessages: LocalMessage[] = [];
    let heldStatus: StatusSnapshot | null = null;
    const onMessage = (m: LocalMessage) => (!mayHear(m) ? undefined : live ? sendMessage(m) : void heldMessages.push(m));
    const onStatus = (s: StatusSnapshot) => (live ? sendStatus(s) : void (heldStatus = s));
    const unsubscribe = bus.subscribe(onMessage);
    state.on('change', onStatus);
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    streams.add(res);
    let closed = false;
    const close = () => {
      closed = true;
      clearInterval(ping);
      unsubscribe();
      state.off('change', onStatus);
      if (streams.delete(res)) {
        const n = (streamsByClient.get(access.client) ?? 1) - 1;
        if (n > 0) streamsByClient.set(access.client, n);
        else streamsByClient.delete(access.client);
      }
    };
    req.on('close', close);
    try {
      const [missed, status] = await Promise.all([Number.isFinite(resumeFrom) ? messages.after(resumeFrom, 500) : Promise.resolve([]), state.snapshot()]);
      if (closed) return;
      for (const m of missed) if (mayHear(m)) sendMessage(m);
      sendStatus(status);
      const sent = missed.at(-1)?.id ?? -Infinity;
      for (const m of heldMessages) if (m.id > sent) sendMessage(m);
      if (heldStatus) sendStatus(heldStatus);
      live = true;
    } catch (err) {
      console.error('local channel: could not start an event stream:', err);
      close();
      res.end();
    }
  });

  local.post('/api/dev/simulate-month', async (_req, res) => {
    if (!options.simulateMonth) return void res.status(404).json({ error: 'the demo controls are off in this deployment' });
    if (state.phase !== 'ready') return void res.status(503).json({ error: 'not ready yet' });
    if (simulating) return void res.status(409).json({ error: 'a month is already being simulated' });
    simulating = options.simulateMonth();
    try {
      const result = await simulating;
      state.changed();
      res.json(result);
    } catch (err) {
      const expected = err instanceof Error && err.name === 'UserError';
      if (!expected) console.error('simulate next month failed:', err);
      res.status(expected ? 409 : 500).json({ error: `Could not simulate the next month: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      simulating = null;
    }
  });

  local.post('/api/dev/reset-simulation', async (_req, res) => {
    if (!options.simulateMonth || !options.resetSimulation) return void res.status(404).json({ error: 'the demo controls are off in this deployment' });
    if (state.phase !== 'ready') return void res.status(503).json({ error: 'not ready yet' });
    // one at a time with simulating: a reset during a load would miss the month being added
    if (simulating) return void res.status(409).json({ error: 'a month is being simulated; reset when it has loaded' });
    simulating = options.resetSimulation();
    try {
      const result = await simulating;
      state.changed();
      res.json(result);
    } catch (err) {
      console.error('reset of the simulated months failed:', err);
      res.status(500).json({ error: `Could not reset the simulated months: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      simulating = null;
    }
  });

  options.beforeLocal?.(app);
  app.use(local);

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    // Never the error object itself: a framework's error may carry the whole request (cookies, Authorization).
    if (status >= 500) console.error(redact(`local channel: ${req.method} ${req.path} failed: ${describeError(err)}`));
    if (res.headersSent) return void res.end();
    res.status(status).json({ error: status >= 500 ? 'internal error (logged on the server)' : err instanceof Error ? err.message : 'bad request' });
  });

  return {
    app,
    closeStreams() {
      for (const res of streams) res.end();
      streams.clear();
      streamsByClient.clear();
    },
  };
}

function fileInode(file: string): number | undefined {
  try {
    return statSync(file).ino;
  } catch {
    return undefined;
  }
}
