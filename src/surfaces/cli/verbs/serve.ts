// `wardwatch serve` (= `npm start`): the whole service on its embedded defaults. Opens the store
// ($WARDWATCH_DB, default ./data/wardwatch.sqlite), loads the fixtures when the store is empty, starts
// the scheduler, serves the local channel page on http://127.0.0.1:$PORT (default 3000) and, when
// SLACK_* credentials are set, the Slack app on the same port. Ctrl-C stops it cleanly.
import { loadConfig } from '../../../config/load.ts';
import { describeError, redactorFor, redactStreams } from '../../../core/redact.ts';
import { redactUrl, storeTargetFromEnv } from '../../../store/open.ts';
import { resolveBinding, startService } from '../../../service/service.ts';
import { createProgress } from '../progress.ts';
import type { Verb } from '../main.ts';

const HELP = `usage: wardwatch serve [--port N] [--no-fixtures]

Serves the local channel page (and Slack and Teams, when configured), runs the scheduler, the
alert pipeline, the outbox dispatcher and the data watcher. Every setting is an environment
variable (secrets only ever here, never in the config file); the README's "Settings" says more.

the server and the store:
  PORT                    port to listen on (default 3000; 0 picks a free one)
  WARDWATCH_HOST          interface to bind (default 127.0.0.1); anything but loopback
                          needs WARDWATCH_LOCAL_TOKEN, which the page then asks for
  WARDWATCH_DB            the SQLite store (default ./data/wardwatch.sqlite)
  WARDWATCH_DATABASE_URL  a PostgreSQL store instead (postgres://user:pass@host/db)
  WARDWATCH_CONFIG        the configuration file (default ./wardwatch.config.yaml)
  WARDWATCH_FIXTURES      first-start (default: load the fixtures into an empty store) or never
  WARDWATCH_REPLICA_ID    this replica's name in /healthz and the job log (default host-pid-random)
  NODE_ENV                production turns the page's demo controls off
  WARDWATCH_CHART_WORKERS chart-drawing threads (default the cores but one; 0 = the main thread)
  WARDWATCH_CHART_QUEUE   charts waiting to be drawn at most (default 256); beyond it, "busy, retry"
  MIMALLOC_ALLOW_THP      chart canvas allocator on huge pages: 1, or 0 (default, faster here)

the local channel page:
  WARDWATCH_LOCAL_TOKEN   access token for the page (16+ characters)
  WARDWATCH_LOCAL_CHANNELS  the channels WARDWATCH_LOCAL_TOKEN may ask as, comma-separated
                          (default: the channels cleared for nothing)
  WARDWATCH_LOCAL_TOKENS  more tokens with their channels, JSON {"<token>": ["cambridge-csp"]}
  WARDWATCH_LOCAL_PAGE    on (default) or off: off serves only /healthz, Slack and Teams, and then
                          binding beyond loopback needs no token
  WARDWATCH_DEV_CONTROLS  1 or 0: the page's "simulate next month" control (default on unless
                          NODE_ENV=production)
  WARDWATCH_EVENT_STREAMS_PER_CLIENT, WARDWATCH_EVENT_STREAMS_MAX
                          open event streams per client and in all (default 8, 200)

data and delivery:
  WARDWATCH_INBOX         a folder the data watcher ingests files from (then moved to processed/
                          or rejected/; default the config's watcher.inbox)
  WARDWATCH_POLICE_UK_API the police.uk API base URL for the watcher
                          (default https://data.police.uk/api)
  WARDWATCH_INGEST_THREADS  threads reading police.uk files beside the main one (default: the
                          cores but one from 16 MB of files, else none; 0 = the main thread only)
  WARDWATCH_OUTBOX_POLL_MS, WARDWATCH_OUTBOX_LEASE_MS, WARDWATCH_OUTBOX_POST_TIMEOUT_MS,
  WARDWATCH_OUTBOX_RETRY_BASE_MS, WARDWATCH_OUTBOX_RETRY_MAX_MS, WARDWATCH_OUTBOX_MAX_ATTEMPTS
                          the outbox dispatcher: poll 5000 ms, lease 300000 ms, post timeout
                          120000 ms, retry from 10000 ms doubling to 1800000 ms, 12 attempts

Slack (any one way in turns it on):
  SLACK_SIGNING_SECRET + SLACK_BOT_TOKEN   HTTP mode: /slack/events on PORT
  SLACK_APP_TOKEN (+ SLACK_BOT_TOKEN)      Socket Mode: no public address needed
  SLACK_CLIENT_ID + SLACK_CLIENT_SECRET + SLACK_STATE_SECRET   installs in many workspaces (OAuth)
  SLACK_REDIRECT_URI, SLACK_AUTHORIZATION_URL, SLACK_INSTALL_PORT
                          OAuth details (GovSlack's authorize URL; Socket Mode's install page port)
  SLACK_API_URL           the Web API base URL (GovSlack, tests)
  SLACK_COMMAND           the slash command (default /crime)
  SLACK_LOG_LEVEL         debug, info (default), warn or error
  SLACK_API_TIMEOUT_MS    each Web API call (default 30000)
  SLACK_RETRY_MIN_MS, SLACK_RETRY_MAX_MS   reconnect backoff (default 2000 doubling to 300000)
  SLACK_ANSWER_CONCURRENCY, SLACK_ANSWER_QUEUE   answers drawn at once (default 4) and waiting at
                          most (default 2000), past which a command is told to ask again
  SLACK_POST_INTERVAL_MS  the least gap between two posts to one channel (default 1100)

Teams:
  TEAMS_APP_ID + TEAMS_APP_PASSWORD (+ TEAMS_TENANT_ID for a single-tenant app): also run the
                          Teams bot at /api/messages
  TEAMS_ALLOW_UNAUTHENTICATED=1  the Teams bot without credentials (local emulator and tests only)
  TEAMS_LOG_LEVEL         debug (whole activities), info (default), warn or error
  PUBLIC_URL              the https address Teams reaches Wardwatch at (card chart images, links)
  WARDWATCH_LINK_SECRET   signs Acknowledge links in Workflows cards, 16+ characters (default: one
                          kept in the store)
  a teams-webhook channel's webhookUrlEnv names its own variable (the Workflows URL)`;

const serve: Verb = {
  summary: 'run the bot (Slack, Teams and the local channel page)',
  async run(args) {
    const env = { ...process.env };
    let fixtures = (env.WARDWATCH_FIXTURES ?? 'first-start').trim();
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(HELP);
        return 0;
      } else if (a === '--port') env.PORT = args[++i] ?? '';
      else if (a === '--no-fixtures') fixtures = 'never';
      else {
        console.error(`wardwatch serve: unknown option "${a}"\n\n${HELP}`);
        return 2;
      }
    }
    if (fixtures !== 'first-start' && fixtures !== 'never') {
      console.error(`wardwatch serve: WARDWATCH_FIXTURES must be first-start or never, found "${fixtures}"`);
      return 2;
    }
    // Everything this process prints goes through the one redaction (tokens, secrets, credentials).
    const redact = redactorFor(env);
    redactStreams(redact);
    // A promise rejected without a handler is a bug to fix where it happens (Slack's were: see
    // src/surfaces/slack/index.ts), but it must not take the page, the scheduler and Slack down with it.
    process.on('unhandledRejection', (reason) => {
      console.error(`wardwatch serve: a promise was rejected and nothing handled it (still running): ${describeError(reason)}`);
    });
    // An exception nobody caught still ends the process (its state is unknown), but is logged redacted first.
    process.on('uncaughtException', (err) => {
      console.error(`wardwatch serve: uncaught exception, exiting: ${describeError(err)}`);
      process.exit(1);
    });
    const binding = resolveBinding(env);
    const { config, file } = loadConfig();
    const devControls = env.WARDWATCH_DEV_CONTROLS ? env.WARDWATCH_DEV_CONTROLS === '1' : env.NODE_ENV !== 'production';
    const store = storeTargetFromEnv(env);
    const started = performance.now();
    const bar = createProgress('loading');
    console.log(`Wardwatch: config ${file}, store ${store.url ? redactUrl(store.url) : store.path}`);

    const service = await startService({
      config,
      store,
      binding,
      env,
      devControls,
      fixturesOnFirstStart: fixtures === 'first-start',
      log: (line) => console.log(line),
      onProgress: (p) => bar.update(p.done ?? 0, p.total ?? 1, p.message),
    });

    let stopping = false;
    const stopped = new Promise<number>((resolve) => {
      const stop = (signal: string) => {
        if (stopping) {
          console.error(`\n${signal} again: exiting at once`);
          process.exit(130);
        }
        stopping = true;
        if (service.state.phase === 'loading') {
          console.log('\nStopping during the first load: the next start does not reload an already started store; run `wardwatch ingest --fixtures` to finish loading it.');
        } else console.log(`\n${signal}: stopping…`);
        service.close().then(
          () => resolve(0),
          (err) => {
            console.error('wardwatch serve: error while stopping:', err);
            resolve(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });

    try {
      await service.ready;
      bar.done();
      const s = await service.state.snapshot();
      console.log(`Ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${s.months} months of data, latest ${s.latestMonth ?? 'none'}. Open ${service.url}`);
    } catch (err) {
      bar.done();
      if (!stopping) {
        console.error(`wardwatch serve: start-up failed: ${err instanceof Error ? err.message : String(err)}`);
        console.error('The page and /healthz stay up to report it; Ctrl-C to stop.');
      }
    }
    return stopped;
  },
};

export default serve;
