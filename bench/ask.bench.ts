// `npm run bench` -> ask: /crime answers measured the way a user of the local page meets them: each
// question POSTed to /api/ask of a real `wardwatch serve` process and the chart PNG it links to fetched,
// timed from the request to the PNG's last byte. Three servers in one run, on one machine, taking turns
// question by question over the same varied questions:
//   - `sync`: the synchronous SQLite store, the commit before the async port (old-tree.ts), the
//     comparator for the async port's cost (budget: SQLite's p95 within 10% of it);
//   - `sqlite`: today's code on SQLite;
//   - `postgres`: today's code on PostgreSQL ($WARDWATCH_BENCH_PG_URL, a user that may CREATE DATABASE,
//     else a throwaway server started as the test harness starts its own, tools/pg/start.ts).
// Each server loads the fixtures (with synthetic history) on its first start, into a store of its own.
// Each question goes to the three servers one after another (the order rotating), then the next.
// Every round asks new questions (topics and periods shifted), so its charts are drawn, not cached.
// Then each server at 8 concurrent requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, redactUrl } from '../src/store/open.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';
import { startThrowawayPostgres } from '../tools/pg/start.ts';
import { askOverHttp, type AskTiming } from './support/http-ask.ts';
import { extractCommit, SYNC_STORE_COMMIT } from './support/old-tree.ts';
import { startServeChild, type ServeChild } from './support/serve-child.ts';
import { benchDatabase } from './support/pg-database.ts';
import { seedBenchRecordKey } from './support/record-key.ts';
import { loadNow, median, round, summarise } from './support/stats.ts';

const TOPICS = [
  '',
  'asb',
  'burglary',
  'dwelling burglary',
  'shoplifting',
  'violence',
  'vehicle crime',
  'bike theft',
  'drugs',
  'criminal damage',
  'acquisitive crime',
  'personal loss',
];
const PERIODS = ['', 'last month', 'ye sep', 'april', 'fytd', '2023/24', 'ye', 'march', 'ye jun', 'last 12 months'];
const OTHER = [
  'top asb cambridge',
  'top burglary',
  'top shoplifting fenland',
  'compare market petersfield',
  'compare cambridge fenland asb',
  'markte ward',
  'st ives',
  'narnia',
  'market by type',
  'help',
  'kings hedges violence ye sep',
  'e05013057 asb',
];
/**
 * Where each question is asked: the countywide board (every place in scope), and for places in Cambridge
 * every other time the partnership's own channels (its analysts cleared for small numbers), so answers
 * are answers, not scope refusals.
 */
const BOARD = 'countywide-board';
const CAMBRIDGE_CHANNELS = ['cambridge-csp', 'cambridge-analysts'];
const CONCURRENCY = 8;

/** Round `r`'s questions: every ward and district by name with a topic and a period shifted by the round, and the other commands. */
export function roundQueries(places: readonly string[], r: number): string[] {
  const queries: string[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const t = pass * 5 + r * 7;
    const p = pass * 3 + r * 4;
    places.forEach((place, i) => queries.push(`${place} ${TOPICS[(i + t) % TOPICS.length]} ${PERIODS[(i + p) % PERIODS.length]}`.trim()));
  }
  for (let i = 0; i < 4; i++) queries.push(...OTHER.map((q, j) => (j % 4 === i ? q : `${q} ${PERIODS[(i + j + r) % PERIODS.length]}`.trim())));
  return queries;
}

async function serverVersion(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await c.connect();
    return (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? null;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => undefined);
  }
}

type Question = { channel: string; text: string };

/**
 * Each new store makes its own random record-key secret, so the perturbed (protected) figures of two stores
 * differ by design; seeded with the same one into the empty stores before their servers load the fixtures,
 * SQLite's and PostgreSQL's replies can be compared whole, protected figures included.
 */
async function seedRecordKeySecret(where: { path: string } | { url: string }): Promise<void> {
  const store = await openStore(where);
  try {
    await seedBenchRecordKey(store);
  } finally {
    await store.close();
  }
}

/** One sequential pass: each question once. */
async function sequential(server: ServeChild, queries: readonly Question[]): Promise<AskTiming[]> {
  const out: AskTiming[] = [];
  for (const q of queries) out.push(await askOverHttp(server.url, q.channel, q.text));
  return out;
}

/** `n` clients at once, each taking the next question when its last answer (and PNG) arrived. */
async function concurrent(server: ServeChild, queries: readonly Question[], n: number): Promise<{ timings: AskTiming[]; seconds: number }> {
  const timings: AskTiming[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let i = next++; i < queries.length; i = next++) timings.push(await askOverHttp(server.url, queries[i]!.channel, queries[i]!.text));
    }),
  );
  return { timings, seconds: (performance.now() - started) / 1000 };
}

interface Side {
  /** sync, sqlite, postgres, or an extra commit's short hash ($WARDWATCH_BENCH_ASK_COMMITS). */
  name: string;
  what: string;
  server: ServeChild;
  passes: AskTiming[][];
  replies: string[][];
}

const bench: Benchmark = async ({ log, size }) => {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-ask-'));
  // undone last first: the servers stopped, the database dropped, the PostgreSQL server stopped, folders removed
  const cleanups: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    const sides: Side[] = [];
    const old = extractCommit(SYNC_STORE_COMMIT);
    const starting: Array<Promise<void>> = [];
    if ('missing' in old) log(`sync comparator left out: ${old.missing}`);
    else {
      cleanups.push(async () => old.remove());
      log(`sync comparator: ${SYNC_STORE_COMMIT.slice(0, 7)} (the synchronous store) starting, loading its fixtures`);
      starting.push(
        startServeChild({ root: old.root, env: { WARDWATCH_DB: join(dir, 'sync.sqlite') } }).then((server) => {
          cleanups.push(() => server.stop());
          sides.push({ name: 'sync', what: `commit ${SYNC_STORE_COMMIT.slice(0, 7)}: synchronous better-sqlite3 store`, server, passes: [], replies: [] });
        }),
      );
    }
    // Extra comparators on SQLite, e.g. the last commit before a change: WARDWATCH_BENCH_ASK_COMMITS=57aef7a,...
    for (const commit of (process.env.WARDWATCH_BENCH_ASK_COMMITS ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean)) {
      const tree = extractCommit(commit);
      if ('missing' in tree) {
        log(`comparator ${commit} left out: ${tree.missing}`);
        continue;
      }
      cleanups.push(async () => tree.remove());
      starting.push(
        startServeChild({ root: tree.root, env: { WARDWATCH_DB: join(dir, `${commit}.sqlite`) } }).then((server) => {
          cleanups.push(() => server.stop());
          sides.push({ name: commit, what: `commit ${commit}, SQLite`, server, passes: [], replies: [] });
        }),
      );
    }
    log('SQLite: starting wardwatch serve, loading the fixtures');
    await seedRecordKeySecret({ path: join(dir, 'bench.sqlite') });
    starting.push(
      startServeChild({ env: { WARDWATCH_DB: join(dir, 'bench.sqlite') } }).then((server) => {
        cleanups.push(() => server.stop());
        sides.push({ name: 'sqlite', what: 'this tree, SQLite (async store, kysely)', server, passes: [], replies: [] });
      }),
    );
    const fromEnv = process.env.WARDWATCH_BENCH_PG_URL?.trim();
    let adminUrl: string;
    let pgServer: string;
    if (fromEnv) {
      adminUrl = fromEnv;
      pgServer = `$WARDWATCH_BENCH_PG_URL (${redactUrl(fromEnv)})`;
    } else {
      log('PostgreSQL: starting a throwaway server (set WARDWATCH_BENCH_PG_URL to use one of yours)');
      const throwaway = await startThrowawayPostgres();
      cleanups.push(() => throwaway.stop());
      adminUrl = throwaway.url;
      pgServer = `throwaway ${throwaway.how} (tools/pg/start.ts)`;
    }
    const db = await benchDatabase(adminUrl, 'wardwatch_bench');
    cleanups.push(() => db.drop());
    const version = await serverVersion(db.url);
    log('PostgreSQL: starting wardwatch serve, loading the fixtures');
    await seedRecordKeySecret({ url: db.url });
    starting.push(
      startServeChild({ env: { WARDWATCH_DATABASE_URL: db.url } }).then((server) => {
        cleanups.push(() => server.stop());
        sides.push({ name: 'postgres', what: `this tree, PostgreSQL: ${pgServer}${version ? `, PostgreSQL ${version}` : ''}`, server, passes: [], replies: [] });
      }),
    );
    await Promise.all(starting);
    // sync first, then any extra commits, then today's SQLite and PostgreSQL
    const rank = (s: Side) => ({ sync: 0, sqlite: 2, postgres: 3 })[s.name] ?? 1;
    sides.sort((a, b) => rank(a) - rank(b));

    const reader = await openStore({ path: join(dir, 'bench.sqlite') });
    const areas = [...(await reader.areas('ward')), ...(await reader.areas('district'))];
    await reader.close();
    const cambridge = new Set(areas.filter((a) => a.name === 'Cambridge' || areas.find((d) => d.code === a.parentCode)?.name === 'Cambridge').map((a) => a.name.toLowerCase()));
    const places = areas.map((a) => a.name);
    // about 300 questions a server by default (two rounds of 150), every question of four rounds in --full
    const rounds = { quick: 2, standard: 2, full: 4 }[size];
    const perRound = { quick: 60, standard: 150, full: Infinity }[size];
    // Short of every question, a slice from across the list (not its first wards only).
    const queriesOf = (r: number): Question[] => {
      const all = roundQueries(places, r);
      const step = Number.isFinite(perRound) ? Math.max(1, Math.floor(all.length / perRound)) : 1;
      return all
        .filter((_, i) => i % step === 0)
        .slice(0, perRound)
        .map((text, i) => {
          const inCambridge = [...cambridge].some((p) => text.toLowerCase().startsWith(p));
          return { text, channel: inCambridge && i % 2 ? CAMBRIDGE_CHANNELS[(i >> 1) % 2]! : BOARD };
        });
    };

    log(`warm-up: 20 questions each`);
    for (const s of sides) await sequential(s.server, queriesOf(99).slice(0, 20));
    const loadStart = loadNow();
    // Interleaved question by question (the order rotating), so a change in the machine's load while
    // the bench runs falls on every server alike.
    for (let r = 0; r < rounds; r++) {
      const queries = queriesOf(r);
      log(`round ${r + 1}/${rounds}: ${queries.length} questions, each asked of ${sides.map((s) => s.name).join(', ')} in turn`);
      const timings = sides.map(() => [] as AskTiming[]);
      for (let i = 0; i < queries.length; i++) {
        for (let k = 0; k < sides.length; k++) {
          const j = (i + k + r) % sides.length;
          timings[j]!.push(await askOverHttp(sides[j]!.server.url, queries[i]!.channel, queries[i]!.text));
        }
      }
      sides.forEach((s, j) => {
        s.passes.push(timings[j]!);
        s.replies.push(timings[j]!.map((t) => t.reply));
      });
    }
    const concurrentQueries = queriesOf(rounds);
    const atEight: Record<string, unknown> = {};
    for (const s of sides) {
      log(`${s.name}: ${concurrentQueries.length} questions at ${CONCURRENCY} concurrent`);
      const c = await concurrent(s.server, concurrentQueries, CONCURRENCY);
      atEight[s.name] = { ...summarise(c.timings.map((t) => t.totalMs)), questionsPerSecond: round(c.timings.length / c.seconds) };
    }
    const loadEnd = loadNow();

    const results: Record<string, unknown> = {};
    const p95Of = (s: Side, pick: (t: AskTiming) => number | null) => summarise(s.passes.flat().flatMap((t) => (pick(t) === null ? [] : [pick(t)!]))).p95Ms;
    for (const s of sides) {
      const all = s.passes.flat();
      const pngs = all.filter((t) => t.pngMs !== null);
      results[s.name] = {
        what: s.what,
        startSeconds: s.server.startSeconds,
        /** Request to the PNG's last byte, every round pooled. */
        total: summarise(all.map((t) => t.totalMs)),
        /** Each round's p95 (the spread says how much the machine's load moved them). */
        roundP95Ms: s.passes.map((p) => summarise(p.map((t) => t.totalMs)).p95Ms),
        /** The server's own time for the question (read, figures, wording), no HTTP and no chart. */
        server: summarise(all.map((t) => t.serverMs)),
        /** The PNG's round trip. */
        png: { ...summarise(pngs.map((t) => t.pngMs!)), charts: pngs.length, meanKB: round(pngs.reduce((a, t) => a + t.pngBytes, 0) / Math.max(1, pngs.length) / 1024) },
        replyKinds: s.passes[0]!.reduce<Record<string, number>>((k, t) => ({ ...k, [t.kind]: (k[t.kind] ?? 0) + 1 }), {}),
        slowest: all
          .map((t, i) => ({ q: queriesOf(Math.floor(i / s.passes[0]!.length))[i % s.passes[0]!.length]?.text, ms: round(t.totalMs) }))
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 5),
        memoryMb: s.server.memory(),
        atEightConcurrent: atEight[s.name],
      };
    }
    const by = Object.fromEntries(sides.map((s) => [s.name, s]));
    const ratio = (a: number, b: number) => round(a / b);
    const compare = (a: Side | undefined, b: Side | undefined) =>
      a && b
        ? {
            totalP95: ratio(
              p95Of(a, (t) => t.totalMs),
              p95Of(b, (t) => t.totalMs),
            ),
            totalP50: ratio(summarise(a.passes.flat().map((t) => t.totalMs)).p50Ms, summarise(b.passes.flat().map((t) => t.totalMs)).p50Ms),
            serverP95: ratio(
              p95Of(a, (t) => t.serverMs),
              p95Of(b, (t) => t.serverMs),
            ),
            medianRoundP95: ratio(median(a.passes.map((p) => summarise(p.map((t) => t.totalMs)).p95Ms)), median(b.passes.map((p) => summarise(p.map((t) => t.totalMs)).p95Ms))),
          }
        : null;
    const identical = by.sqlite && by.postgres ? by.sqlite.replies.flat().filter((r, i) => r === by.postgres!.replies.flat()[i]).length : null;
    const asked = Array.from({ length: rounds }, (_, r) => queriesOf(r)).flat();
    const differing =
      by.sqlite && by.postgres
        ? by.sqlite.replies
            .flat()
            .map((r, i) => ({ q: asked[i], sqlite: r, postgres: by.postgres!.replies.flat()[i]! }))
            .filter((d) => d.sqlite !== d.postgres)
            .slice(0, 3)
            .map((d) => ({ ...d, sqlite: d.sqlite.slice(0, 600), postgres: d.postgres.slice(0, 600) }))
        : [];
    const result = {
      questionsPerRound: queriesOf(0).length,
      rounds,
      targets: { p95Ms: 100, p95AtEightMs: 300, sqliteOverSyncP95: 1.1 },
      ...results,
      /** Today's SQLite against the synchronous store (the async port's cost; budget 1.10). */
      sqliteOverSync: compare(by.sqlite, by.sync),
      ...Object.fromEntries(sides.filter((s) => !['sync', 'sqlite', 'postgres'].includes(s.name)).map((s) => [`sqliteOver_${s.name}`, compare(by.sqlite, s)])),
      postgresOverSqlite: compare(by.postgres, by.sqlite),
      /** Replies the same on SQLite and PostgreSQL (JSON), of every question asked in the rounds. */
      identicalReplies: identical,
      /** The first few that differ (should be none). */
      differing,
      loadAverage: { start: loadStart, end: loadEnd },
    };
    const line = (s: Side) => {
      const r = results[s.name] as { total: { p50Ms: number; p95Ms: number }; server: { p95Ms: number } };
      return `${s.name} ${r.total.p50Ms} / ${r.total.p95Ms} ms (server ${r.server.p95Ms})`;
    };
    log(`ask with its PNG, p50 / p95: ${sides.map(line).join('; ')}; SQLite/sync p95 x${result.sqliteOverSync?.totalP95 ?? '?'}; ${identical} replies identical on both stores`);
    return result;
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => log(`cleanup: ${e instanceof Error ? e.message : String(e)}`));
  }
};

export default bench;
