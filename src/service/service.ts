// The running service, composed: store, fixtures on first start, scheduler, local channel page, and the
// Slack app when its credentials are set. `wardwatch serve` (= `npm start`) calls startService and
// handles signals; the end-to-end test runs that same verb as a child process.
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chartAltText, renderChart } from '../charts/index.ts';
import type { Config } from '../config/schema.ts';
import type { ChatPlatform } from '../core/platform.ts';
import { monthName } from '../core/periods.ts';
import { loadFixtures } from '../ingest/fixtures.ts';
import type { IngestProgress } from '../ingest/index.ts';
import { openStore } from '../store/sqlite.ts';
import type { Store } from '../store/types.ts';
import { createApp, type SimulateResult } from '../surfaces/local/app.ts';
import { ChartCache } from '../surfaces/local/chart-cache.ts';
import type { Binding } from '../surfaces/local/guard.ts';
import { LocalPlatform, MessageBus, StoreMessageLog } from '../surfaces/local/local-platform.ts';
import { dataCheckJob, Scheduler } from './scheduler.ts';
import { postReleaseNotices } from './release-notice.ts';
import { simulateNextMonth } from './simulate.ts';
import { ServiceState, type Progress } from './state.ts';

export interface ServiceOptions {
  config: Config;
  dbPath: string;
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
}

export interface RunningService {
  url: string;
  state: ServiceState;
  store: Store;
  scheduler: Scheduler;
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
  const store = openStore(options.dbPath);
  const state = new ServiceState(store);
  const messages = new StoreMessageLog(store);
  const bus = new MessageBus();
  const local = new LocalPlatform(messages, bus, now);
  const platforms: RunningService['platforms'] = { local };
  const scheduler = new Scheduler({ timezone: config.timezone, now, log });

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
    charts: new ChartCache(renderChart),
    chartAltText,
    binding: options.binding,
    storeFile: options.dbPath,
    now,
    simulateMonth: options.devControls ? () => simulate() : null,
    beforeLocal(express) {
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
    const result = await simulateNextMonth({ store, config });
    const landed = await scheduler.dataLanded({ month: result.month, source: 'police.uk', synthetic: result.synthetic, via: 'simulate' });
    const failed = landed.failed.length ? ` (${landed.failed.join(', ')} failed: see the server log)` : '';
    return { month: result.month, summary: `${monthName(result.month)} loaded: ${result.description}. Watch the channels for what it brings${failed}.` };
  }

  const ready = (async () => {
    try {
      if (store.isEmpty() && options.fixturesOnFirstStart !== false) {
        const started = performance.now();
        log('First start: loading the fixtures and the synthetic history into the store…');
        state.loading({ message: 'fixtures', done: 0, total: 1 });
        const lastRealMonth = config.fixtures?.lastRealMonth;
        await loadFixtures(store, {
          config,
          ...(lastRealMonth ? { lastRealMonth } : {}),
          onProgress(p) {
            const progress = describeProgress(p);
            state.loading(progress);
            options.onProgress?.(progress);
          },
        });
        log(`Loaded in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
      }
      // ALERTING HOOK: the alert and monthly-summary service registers here with
      // scheduler.onDataLanded(...) and delivers through `platforms`; until it does, the local channels
      // get a release notice when a month lands.
      scheduler.onDataLanded('release-notice', (event) => postReleaseNotices(event, { config, store, platform: local }));
      const latest = () => store.months().at(-1) ?? null;
      scheduler.register(dataCheckJob({ scheduler, latestMonth: latest }));
      scheduler.start();
      if (slack.mode !== null) {
        const { startSlack } = await import('../surfaces/slack/index.ts');
        const handle = await startSlack({ store, config, env: options.env, renderChart, chartAltText, listen: false, healthz: false, now });
        slackListener = handle.requestListener;
        slackStop = () => handle.stop();
        platforms.slack = handle.platform;
        log(`Slack: ${handle.mode} mode${handle.mode === 'http' ? ` at ${url}slack/events` : ''}.`);
      }
      state.ready();
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
    platforms,
    ready,
    async close() {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      await slackStop?.();
      closeStreams();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      await ready.catch(() => undefined);
      store.close();
    },
  };
}
