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

Serves the local channel page (and Slack and Teams, when configured), runs the scheduler, the\nalert pipeline, the outbox dispatcher and the data watcher.

environment:
  PORT                    port to listen on (default 3000; 0 picks a free one)
  WARDWATCH_HOST          interface to bind (default 127.0.0.1); anything but loopback
                          needs WARDWATCH_LOCAL_TOKEN, which the page then asks for
  WARDWATCH_LOCAL_TOKEN   access token for the local page (16+ characters)
  WARDWATCH_LOCAL_PAGE    on (default) or off: off serves only /healthz and Slack, and then
                          binding beyond loopback needs no token
  WARDWATCH_DB            the SQLite store (default ./data/wardwatch.sqlite)
  WARDWATCH_DATABASE_URL  a PostgreSQL store instead (postgres://user:pass@host/db)
  WARDWATCH_CONFIG        the configuration file (default ./wardwatch.config.yaml)
  WARDWATCH_FIXTURES      first-start (default: load the fixtures into an empty store) or never
  WARDWATCH_DEV_CONTROLS  1 or 0: the page's "simulate next month" control (default on unless
                          NODE_ENV=production)
  WARDWATCH_INBOX         a folder the data watcher ingests files from (then processed/ or rejected/)
  WARDWATCH_POLICE_UK_API the police.uk API base URL for the watcher (default https://data.police.uk/api)
  WARDWATCH_LINK_SECRET   signs Acknowledge links in Workflows cards (default: one kept in the store)
  SLACK_SIGNING_SECRET + SLACK_BOT_TOKEN, or SLACK_APP_TOKEN: also run the Slack app
  TEAMS_APP_ID + TEAMS_APP_PASSWORD (+ TEAMS_TENANT_ID for a single-tenant app): also run the
                          Teams bot at /api/messages
  TEAMS_ALLOW_UNAUTHENTICATED=1  the Teams bot without credentials (local emulator and tests only)
  PUBLIC_URL              the https address Teams reaches Wardwatch at (card chart images, links)`;

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
