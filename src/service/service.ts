// The running service, composed: store, fixtures on first start (once across replicas), the scheduler
// (claims in the store), the data-event consumers, the local channel page, and the Slack app when its
// credentials are set. `wardwatch serve` (= `npm start`) calls startService and
// handles signals; the end-to-end test runs that same verb as a child process.
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chartAltText } from '../charts/index.ts';
import type { Config } from '../config/schema.ts';
import type { ChatPlatform } from '../core/platform.ts';
import { monthName } from '../core/periods.ts';
import { loadFixtures } from '../ingest/fixtures.ts';
import type { IngestProgress } from '../ingest/index.ts';
import { openStore, type StoreTarget } from '../store/open.ts';
import type { Store } from '../store/types.ts';
import { createApp, type SimulateResult } from '../surfaces/local/app.ts';
import { ChartLinks } from '../charts/links.ts';
import { createTeamsSurface, type TeamsSurfaceOptions } from '../surfaces/teams/surface.ts';
import type { Binding } from '../surfaces/local/guard.ts';

// How the service listens is the local surface's rule; `serve` reads it through the composition root.
export { resolveBinding } from '../surfaces/local/guard.ts';
import { LocalPlatform, MessageBus, MessageTail, StoreMessageLog } from '../surfaces/local/local-platform.ts';
import { chartPoolFromEnv, chartRendererFor, renderAnyChart } from './charts.ts';
import { claimantDiedHere, replicaId } from './coordination.ts';
import { DataEventConsumers } from './data-events.ts';
import { dispatcherSettingsFromEnv, OutboxDispatcher, outboxHealth, wakeOnEnqueue } from './outbox.ts';
import { dataCheckJob, Scheduler, watcherJobs } from './scheduler.ts';
import { watcherSettings } from '../watcher/index.ts';
import { postReleaseNotices } from './release-notice.ts';
import { briefPdfRenderer, briefsJob, summaryConsumer } from './briefs.ts';
import { handleDataEvents, muteReleaseJob } from '../alerting/consume.ts';
import { loadRules } from '../alerting/rules.ts';
import { configPath } from '../config/load.ts';
import { dirname, resolve } from 'node:path';
import { resetSummary, simulationControls } from './simulate.ts';
import { ServiceState, type Progress } from './state.ts';

/** A first-start claim not refreshed for this long belongs to a replica that died. */
const FIRST_START_STALE_MS = 30_000;
const FIRST_START_HEARTBEAT_MS = 5_000;

export interface ServiceOptions {
  config: Config;
  /** The store to open: the SQLite file, or PostgreSQL by URL (see storeTargetFromEnv). */
  store: StoreTarget;
  binding: Binding;
  env: NodeJS.ProcessEnv;
  /** Status lines (stdout). */
  log: (line: string) => void;
  /** Loading progress, for a terminal bar; the page gets it over SSE either way. */
  onProgress?: (p: Progress) => void;
  /** Offer "simulate next month" on the page. */
  devControls: boolean;
  /** Load the fixtures when the store is empty (default true). */
  fixturesOnFirstStart?: boolean;
  now?: () => Date;
  /** How often to look for data events and local messages written elsewhere (default 2000 / 1000 ms). */
  eventPollMs?: number;
  messagePollMs?: number;
  /** Tests only: the Teams bot's cloud (token signing keys served on loopback). */
  teamsCloud?: TeamsSurfaceOptions['cloud'];
}

export interface RunningService {
  url: string;
  state: ServiceState;
  store: Store;
  scheduler: Scheduler;
  consumers: DataEventConsumers;
  replica: string;
  /** Delivers the outbox (started once ready, stopped by close). */
  outbox: OutboxDispatcher;
  /** The platforms alerts and summaries are delivered through, by channel platform. */
  platforms: Partial<Record<'local' | 'slack' | 'teams' | 'teams-webhook', ChatPlatform>>;
  /** Resolves when the data is loaded and the scheduler runs; rejects if start-up failed. */
  ready: Promise<void>;
  /** Stops the scheduler, Slack and the HTTP server, and closes the store. */
  close(): Promise<void>;
}

/** "fixtures 3/9: police-uk/2024-03.csv" with an overall fraction across the files of a stage. */
export function describeProgress(p: IngestProgress & { stage: 'fixtures' | 'history' }): Progress {
  const file = p.file.split(/[\\/]/).slice(-2).join('/');
  const within = p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 0;
  return {
    message: `${p.stage === 'history' ? 'synthetic history' : 'fixtures'} ${p.index}/${p.files}: ${file}`,
    done: Math.round((p.index - 1 + within) * 100),
    total: p.files * 100,
  };
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, log } = options;
  const now = options.now ?? (() => new Date());
  // A message enqueued in this process (by a consumer, in its transaction) wakes the dispatcher at once.
  let dispatcher: OutboxDispatcher | null = null;
  const store = wakeOnEnqueue(await openStore(options.store), () => dispatcher?.wake());
  const replica = replicaId(options.env);
  const state = new ServiceState(store);
  // the demo controls' memory of the months "simulate next month" added, for its reset
  const simulation = simulationControls({ store, config });
  const messages = new StoreMessageLog(store);
  const bus = new MessageBus();
  const local = new LocalPlatform(messages, bus, now);
  // Messages another replica (or the CLI) posted reach this replica's open pages too.
  const tail = new MessageTail(messages, bus, (line) => log(line));
  const platforms: RunningService['platforms'] = { local };
  // Delivers the outbox through `platforms` (Slack joins once started); started when the service is ready.
  const outbox = new OutboxDispatcher({ store, config, platforms, owner: replica, now, log, ...dispatcherSettingsFromEnv(options.env) });
  dispatcher = outbox;
  const scheduler = new Scheduler({ timezone: config.timezone, now, log, store, replicaId: replica });
  const consumers = new DataEventConsumers(store, log);
  // Charts are drawn and encoded on worker threads (WARDWATCH_CHART_WORKERS), off the loop that answers.
  const chartPool = chartPoolFromEnv(options.env);
  const charts = new ChartLinks(store, (request, size) => renderAnyChart(store, request, size, chartPool), { now });
  // Teams: chart images and Acknowledge links for cards (every replica), Workflows webhooks, and the bot
  // at /api/messages when TEAMS_APP_ID/TEAMS_APP_PASSWORD (or TEAMS_ALLOW_UNAUTHENTICATED=1) are set.
  const teams = await createTeamsSurface({ store, config, env: options.env, charts, log, now, cloud: options.teamsCloud, briefPdf: briefPdfRenderer(store, config, now) });
  platforms['teams-webhook'] = teams.webhook;

  // Slack (HTTP mode) shares this server: its routes are mounted ahead of the local page's guard and
  // verify Slack's signatures themselves. Until Slack has started they answer 503.
  let slackListener: RequestListener | null = null;
  let slackStop: (() => Promise<void>) | null = null;
  const { slackSettings } = await import('../surfaces/slack/index.ts');
  const slack = slackSettings(options.env);

  const { app, closeStreams } = createApp({
    config,
    state,
    scheduler,
    messages,
    bus,
    charts,
    chartAltText,
    binding: options.binding,
    replica,
    outboxHealth: () => outboxHealth(store, now()),
    ...(store.kind === 'sqlite' ? { storeFile: store.location } : {}),
    now,
    simulateMonth: options.devControls ? () => simulate() : null,
    resetSimulation: options.devControls ? () => resetSimulation() : null,
    teamsCard: (reply, chartUrl) => teams.cardFor(reply, chartUrl),
    briefPdf: briefPdfRenderer(store, config, now),
    beforeLocal(express) {
      teams.mount(express);
      if (slack.mode === 'http') {
        express.all(/^\/slack\//, (req, res) => {
          if (slackListener) slackListener(req, res);
          else res.status(503).json({ error: 'Slack is starting' });
        });
      }
    },
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.binding.port, options.binding.host);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  // The first load can hold the event loop for a few seconds; do not drop keep-alive clients meanwhile.
  server.keepAliveTimeout = 65_000;
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  if (options.binding.pageEnabled === false) log(`Listening on ${url} (local channel page off: /healthz and Slack only)`);
  else log(`Local channel: ${url}${options.binding.token ? '  (open it once with ?token=<WARDWATCH_LOCAL_TOKEN>)' : ''}`);

  async function simulate(): Promise<SimulateResult> {
    const result = await simulation.simulate();
    const landed = await consumers.pump();
    const failed = landed.failed.length ? ` (${[...new Set(landed.failed.map((f) => f.consumer))].join(', ')} failed: see the server log)` : '';
    return { month: result.month, summary: `${monthName(result.month)} loaded: ${result.description}. Watch the channels for what it brings${failed}.` };
  }

  async function resetSimulation(): Promise<SimulateResult> {
    return resetSummary(await simulation.reset());
  }

  /**
   * The first-start fixture load, all or nothing across restarts and replicas: one replica claims it and
   * keeps its claim fresh while it loads; the others wait. A claim left unfinished (its replica was
   * killed) or failed is taken over at the next start and the load is redone: it is idempotent per file,
   * so what landed before the kill is kept and the rest is loaded. Never served as ready half-loaded.
   */
  async function ensureFixtures(): Promise<void> {
    const mayLoad = options.fixturesOnFirstStart !== false;
    const claim = { job: 'first-start-load', fireAt: new Date(0).toISOString() };
    const giveUp = Date.now() + 15 * 60_000;
    let waitingLogged = false;
    for (;;) {
      const fire = await store.jobFire(claim.job, claim.fireAt);
      if (!fire) {
        // A store loaded before first-start claims existed (or by the CLI) is complete as it is.
        if (!mayLoad || !(await store.isEmpty())) return;
        if (await store.claimJobFire({ ...claim, claimedBy: replica, reason: 'once' })) return loadFixturesOnce(claim);
        continue;
      }
      if (fire.finishedAt && fire.ok) return;
      const abandoned = fire.finishedAt !== null || Date.now() - Date.parse(fire.claimedAt) > FIRST_START_STALE_MS || claimantDiedHere(fire.claimedBy);
      if (abandoned) {
        if (!mayLoad) {
          log(
            `First start: the fixture load by ${fire.claimedBy} did not finish, and this replica does not load fixtures (WARDWATCH_FIXTURES=never): starting on the data as it is`,
          );
          return;
        }
        if (await store.reclaimJobFire({ ...claim, from: { claimedBy: fire.claimedBy, claimedAt: fire.claimedAt }, claimedBy: replica, reason: 'once' })) {
          log(
            fire.finishedAt
              ? `First start: the fixture load by ${fire.claimedBy} failed (${fire.error ?? 'see its log'}); loading again…`
              : `First start: the fixture load by ${fire.claimedBy} (started ${fire.claimedAt}) did not finish; loading the rest…`,
          );
          return loadFixturesOnce(claim);
        }
        continue;
      }
      if (!waitingLogged) {
        log(`First start: replica ${fire.claimedBy} is loading the fixtures; waiting for it…`);
        state.loading({ message: `replica ${fire.claimedBy} is loading the fixtures`, done: 0, total: 1 });
        waitingLogged = true;
      }
      if (Date.now() > giveUp) throw new Error(`replica ${fire.claimedBy} has been loading the fixtures for 15 minutes; see its log`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async function loadFixturesOnce(claim: { job: string; fireAt: string }): Promise<void> {
    const started = performance.now();
    log('First start: loading the fixtures and the synthetic history into the store…');
    state.loading({ message: 'fixtures', done: 0, total: 1 });
    const lastRealMonth = config.fixtures?.lastRealMonth;
    const heartbeat = setInterval(() => {
      store
        .touchJobFire({ ...claim, claimedBy: replica })
        .catch((err: unknown) => log(`First start: could not refresh the load's claim: ${err instanceof Error ? err.message : String(err)}`));
    }, FIRST_START_HEARTBEAT_MS);
    heartbeat.unref();
    try {
      await loadFixtures(store, {
        config,
        ...(lastRealMonth ? { lastRealMonth } : {}),
        onProgress(p) {
          const progress = describeProgress(p);
          state.loading(progress);
          options.onProgress?.(progress);
        },
      });
    } catch (err) {
      await store.finishJobFire({ ...claim, ok: false, error: err instanceof Error ? err.message : String(err), ms: performance.now() - started }).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
    await store.finishJobFire({ ...claim, ok: true, ms: performance.now() - started });
    log(`Loaded in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  }

  const ready = (async () => {
    try {
      // Once the first months are in, the store is no longer empty, but a replica starting while another
      // is still loading it (even one that may not load, WARDWATCH_FIXTURES=never) waits for that load,
      // rather than start on part of the data and have its consumers announce the rest as news.
      await ensureFixtures();
      // Alerts: each landed or revised month runs the pipeline once (src/alerting); its digest is the
      // channel's "month landed" message, written to the outbox with the alert states. With no rules in
      // alerts/ (config alertRules), the local channels get the plain release notice instead.
      const alertRules = loadRules(resolve(dirname(configPath(options.env)), config.alertRules), config);
      if (alertRules.length) {
        await consumers.register('alerts', (events) => handleDataEvents(events, { store, config, rules: alertRules, now, log }));
        scheduler.register(muteReleaseJob({ store, config, now, log }));
      } else await consumers.register('release-notice', (event) => postReleaseNotices(event, { config, store }));
      scheduler.register(dataCheckJob({ consumers, cron: config.schedule.dataCheck }));
      // Monthly summaries when a month lands, and each meeting's brief on its day (src/service/briefs.ts).
      await consumers.register('summary', summaryConsumer({ store, config, now, log }));
      scheduler.register(briefsJob({ store, config, log }));
      await scheduler.start();
      // The data watcher's jobs join after the start, so they have no catch-up: a police.uk fetch never
      // holds up readiness, and the next fire (minutes for the inbox, hours for police.uk) comes soon.
      for (const job of watcherJobs({ watcher: { store, config, settings: watcherSettings(config, options.env), log, now }, consumers })) scheduler.register(job);
      // Months ingested while no replica ran, or by the CLI beside us, are handled now and then as they come.
      await consumers.pump();
      consumers.startPolling(options.eventPollMs ?? 2000);
      await tail.start(options.messagePollMs ?? 1000);
      if (slack.mode !== null) {
        // Slack refusing the token or out of reach never stops the service: startSlack returns at once
        // and its connection reports to /healthz (surfaces.slack) and retries; only a configuration
        // error throws, and that too leaves the rest running.
        const { startSlack } = await import('../surfaces/slack/index.ts');
        try {
          const handle = await startSlack({
            store,
            config,
            env: options.env,
            renderChart: chartRendererFor(store, chartPool),
            renderAttachment: briefPdfRenderer(store, config, now),
            chartAltText,
            listen: false,
            healthz: false,
            now,
            onHealth: (h) => state.setSurface('slack', h),
          });
          state.setSurface('slack', handle.health());
          slackListener = handle.requestListener;
          slackStop = () => handle.stop();
          platforms.slack = handle.platform;
          log(`Slack: ${handle.mode} mode${handle.mode === 'http' ? ` at ${url}slack/events` : ''}.`);
        } catch (err) {
          const reason = `Slack could not start: ${err instanceof Error ? err.message : String(err)}`;
          state.setSurface('slack', { state: 'degraded', reason, since: now().toISOString(), nextRetry: null });
          log(`${reason} (the local page and the scheduler carry on)`);
        }
      }
      try {
        const teamsPlatform = await teams.start(url);
        if (teamsPlatform) {
          platforms.teams = teamsPlatform;
          state.setSurface('teams', { state: 'ok', reason: teams.authenticated ? null : 'TEAMS_ALLOW_UNAUTHENTICATED=1: requests are not checked', since: now().toISOString() });
        }
      } catch (err) {
        const reason = `Teams could not start: ${err instanceof Error ? err.message : String(err)}`;
        state.setSurface('teams', { state: 'degraded', reason, since: now().toISOString(), nextRetry: null });
        log(`${reason} (the local page and the scheduler carry on)`);
      }
      // After Slack and Teams have joined `platforms`, so their messages are not put off for want of them
      // (a no-op once close() has stopped it).
      outbox.start();
      state.ready();
      // the first chart should not wait for its worker to start (tests start many services: not there)
      if (options.env.NODE_ENV !== 'test') chartPool?.warm();
    } catch (err) {
      state.failed(err);
      throw err;
    }
  })();
  ready.catch(() => undefined);

  let closed = false;
  return {
    url,
    state,
    store,
    scheduler,
    consumers,
    replica,
    outbox,
    platforms,
    ready,
    async close() {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      consumers.stopPolling();
      tail.stop();
      await consumers.idle();
      // Deliveries under way finish (and are recorded) while Slack is still there.
      await outbox.stop();
      await slackStop?.();
      await teams.stop();
      closeStreams();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      await ready.catch(() => undefined);
      await chartPool?.close();
      await store.close();
    },
  };
}
