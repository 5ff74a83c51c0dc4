// A national deployment is configuration only: `forceArea: { policeUkForce: all, districts: all }` with
// partnerships as usual. Built twice from the synthetic England and Wales at the `test` scale (12
// districts, 3 forces, 14 months; `wardwatch synth --scale test`, the national generator and config
// writer at a size that runs in seconds): once with `districts: all`, once with the explicit list of
// every district. Through the real CLI (synth, config check, ingest, ask, alerts, brief), the served
// local page's HTTP API and the police.uk watcher against the local fake API, both give the same
// answers. Before `all` went through src/config/force-area.ts, alerts found nothing (every partnership
// read as the countywide board), the watcher asked for no ward and the brief's county population was lost.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { startService } from '../../src/service/service.ts';
import { openSqliteStore } from '../../src/store/kysely.ts';
import type { Store } from '../../src/store/types.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import { checkNewMonths } from '../../src/watcher/police-uk.ts';
import { crimesFromCsv, FakePoliceUk } from '../watcher/fake-police-uk.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Seed 11 gives three forces of 73-101 wards (seed 1 gives one force a single small district). */
const SEED = '11';
/** Months generated; the last is left out of the stores and served by the fake police.uk API instead. */
const MONTHS = 15;
const NOW = '2026-06-01T12:00:00Z';

let dir: string;
let synthDir: string;
let synthOut: { status: number | null; stdout: string; stderr: string };
let districts: string[];
let network: string[];
/** The force (its street files' slug) most of each district's rows come from. */
let forceOf: Map<string, string>;
let wardDistrict: Map<string, string>;
let wardName: Map<string, string>;
let districtName: Map<string, string>;
let lastMonth: string;
const deployments = { all: { config: '', db: '' }, list: { config: '', db: '' } };
type Deployment = keyof typeof deployments;

const csv = (path: string) => {
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])) as Record<string, string>);
};

function cli(deployment: Deployment, ...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/wardwatch.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WARDWATCH_CONFIG: deployments[deployment].config, WARDWATCH_DB: deployments[deployment].db, NODE_ENV: 'test' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The deployment's config: the same partnerships and channels, the districts given as `all` or listed. */
function configText(districtsLine: string): string {
  return [
    'forceArea:',
    '  name: England and Wales',
    '  policeUkForce: all',
    `  districts: ${districtsLine}`,
    'syntheticGeography: true',
    `alertRules: ${join(synthDir, 'alerts')}`,
    'partnerships:',
    '  - id: national',
    '    name: National board (synthetic)',
    `    areas: [${districts.join(', ')}]`,
    '    priorityMeasures: [all-crime, violent-crime, anti-social-behaviour]',
    '  - id: network',
    '    name: One district of each force (synthetic)',
    `    areas: [${network.join(', ')}]`,
    '    priorityMeasures: [anti-social-behaviour]',
    'channels:',
    '  - name: national-board',
    '    platform: local',
    '    partnership: national',
    '    clearance: { smallNumbers: true, sensitive: true }',
    '  - name: network-csp',
    '    platform: local',
    '    partnership: network',
    '    clearance: { smallNumbers: true, sensitive: true }',
    '',
  ].join('\n');
}

const monthFiles = (sub: string, keep: (name: string) => boolean) =>
  readdirSync(join(synthDir, sub))
    .filter(keep)
    .map((f) => join(synthDir, sub, f));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-national-deployment-'));
  synthDir = join(dir, 'synth');
  synthOut = (() => {
    const r = spawnSync(process.execPath, ['bin/wardwatch.js', 'synth', '--scale', 'test', '--seed', SEED, '--months', String(MONTHS), '--out', synthDir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  })();
  if (synthOut.status !== 0) throw new Error(`synth failed: ${synthOut.stderr}`);

  const geo = join(synthDir, 'geography');
  const wards = csv(join(geo, 'wards24_synthetic_ew.csv'));
  wardDistrict = new Map(wards.map((w) => [w.WD24CD!, w.LAD24CD!]));
  wardName = new Map(wards.map((w) => [w.WD24CD!, w.WD24NM!]));
  districtName = new Map(wards.map((w) => [w.LAD24CD!, w.LAD24NM!]));
  districts = [...districtName.keys()].sort();
  const lsoaDistrict = new Map(csv(join(geo, 'lsoa21_ward24_lad24_synthetic_ew.csv')).map((r) => [r.LSOA21CD!, r.LAD24CD!]));
  const streetFiles = readdirSync(join(synthDir, 'police-uk')).sort();
  lastMonth = /(\d{4}-\d{2})/.exec(streetFiles.at(-1)!)![1]!;
  const rowsBy = new Map<string, Map<string, number>>();
  for (const f of streetFiles.filter((n) => n.includes(lastMonth))) {
    const force = /\d{4}-\d{2}-(.+)-street\.csv$/.exec(f)![1]!;
    for (const r of csv(join(synthDir, 'police-uk', f))) {
      const d = lsoaDistrict.get(r['LSOA code']!);
      if (!d) continue;
      const m = rowsBy.get(d) ?? new Map<string, number>();
      m.set(force, (m.get(force) ?? 0) + 1);
      rowsBy.set(d, m);
    }
  }
  forceOf = new Map([...rowsBy].map(([d, m]) => [d, [...m].sort((a, b) => b[1] - a[1])[0]![0]]));
  // The network partnership: each force's busiest district.
  const busiest = new Map<string, { d: string; n: number }>();
  for (const [d, m] of rowsBy) {
    const f = forceOf.get(d)!;
    const n = m.get(f)!;
    if ((busiest.get(f)?.n ?? -1) < n) busiest.set(f, { d, n });
  }
  network = [...busiest.values()].map((b) => b.d).sort();

  for (const [name, line] of [
    ['all', 'all'],
    ['list', `[${districts.join(', ')}]`],
  ] as const) {
    deployments[name].config = join(dir, `${name}.config.yaml`);
    deployments[name].db = join(dir, `${name}.sqlite`);
    writeFileSync(deployments[name].config, configText(line));
    // Every month but the last (the watcher fetches that one from the fake API).
    const files = [geo, ...monthFiles('police-uk', (f) => !f.includes(lastMonth)), ...monthFiles('partnership', (f) => !f.includes(lastMonth))];
    const r = cli(name, 'ingest', ...files, '--quiet');
    if (r.status !== 0) throw new Error(`ingest (${name}) failed: ${r.stderr}`);
  }
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withStore<T>(deployment: Deployment, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(deployments[deployment].db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const loaded = (deployment: Deployment): Config => parseConfig(readFileSync(deployments[deployment].config, 'utf8'), deployments[deployment].config).config;

describe('a national deployment: districts: all gives what the list of every district gives', () => {
  it('synth --scale writes a deployment the product accepts: config check passes on its own config', () => {
    expect(synthOut.stdout + synthOut.stderr).toContain(`config: ${join(synthDir, 'wardwatch.config.yaml')}`);
    const own = spawnSync(process.execPath, ['bin/wardwatch.js', 'config', 'check'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WARDWATCH_CONFIG: join(synthDir, 'wardwatch.config.yaml') },
    });
    expect(own.status, own.stderr).toBe(0);
    expect(own.stdout).toContain('Force area: England and Wales · police.uk: every force · districts: all (every district in the loaded geography)');
    expect(own.stdout).toContain(`Alert rules: ${join(synthDir, 'alerts')}`);
    expect(own.stdout).toMatch(/config check: OK\s*$/);
  });

  it('config check passes for both spellings and says how the districts are given', () => {
    const all = cli('all', 'config', 'check');
    const list = cli('list', 'config', 'check');
    expect(all.status, all.stderr).toBe(0);
    expect(list.status, list.stderr).toBe(0);
    expect(all.stdout).toContain('districts: all (every district in the loaded geography)');
    expect(list.stdout).toContain(`police.uk: every force · ${districts.length} districts`);
    const rest = (s: string, file: string) =>
      s
        .split('\n')
        .filter((l) => !l.startsWith('Force area:'))
        .join('\n')
        .replace(file, 'FILE');
    expect(rest(all.stdout, deployments.all.config)).toBe(rest(list.stdout, deployments.list.config));
  });

  it('ingest stores the same areas and counts, every district under the force area', async () => {
    const read = (d: Deployment) =>
      withStore(d, async (s) => ({
        areas: (await s.areas()).sort((a, b) => a.code.localeCompare(b.code)),
        counts: (
          await s.counts({ areaCodes: (await s.areas()).map((a) => a.code), measures: taxonomy().measures.map((m) => m.key), source: 'police.uk', from: '2010-12', to: lastMonth })
        ).length,
        partnership: (
          await s.counts({
            areaCodes: (await s.areas()).map((a) => a.code),
            measures: taxonomy().measures.map((m) => m.key),
            source: 'partnership',
            from: '2010-12',
            to: lastMonth,
          })
        ).length,
        months: await s.months('police.uk'),
      }));
    const [all, list] = [await read('all'), await read('list')];
    expect(all).toEqual(list);
    expect(all.months).toHaveLength(MONTHS - 1);
    expect(all.counts).toBeGreaterThan(0);
    const force = all.areas.filter((a) => a.type === 'force');
    expect(force.map((f) => f.code)).toEqual(['england-and-wales']);
    expect(all.areas.filter((a) => a.type === 'district').map((d) => [d.code, d.parentCode])).toEqual(districts.map((d) => [d, 'england-and-wales']));
  });

  it('ask (a ward, a district, top, compare, the whole area) answers the same, in both channels', () => {
    const [d] = network;
    const wardsOfD = [...wardDistrict].filter(([, dd]) => dd === d).map(([w]) => wardName.get(w)!);
    const questions: Record<string, string[]> = {
      'network-csp': [wardsOfD[0]!, districtName.get(d!)!, `top asb ${districtName.get(d!)!}`, `compare ${wardsOfD[0]} ${wardsOfD[1]} burglary`, 'top violence county'],
      'national-board': [wardsOfD[0]!, 'top violence county'],
    };
    for (const [channel, asked] of Object.entries(questions)) {
      for (const q of asked) {
        const all = cli('all', 'ask', q, '--channel', channel, '--json');
        const list = cli('list', 'ask', q, '--channel', channel, '--json');
        expect(all.stdout, `${q} (${channel})`).toBe(list.stdout);
        expect(list.status).toBe(all.status);
        // The whole area is outside the network's partnership: refused, the same way in both.
        const outside = channel === 'network-csp' && q.endsWith('county');
        expect(all.status, `${q} (${channel}): ${all.stderr}`).toBe(outside ? 1 : 0);
        const reply = JSON.parse(all.stdout) as { title: string; figures?: unknown[]; table?: { rows: unknown[] } };
        if (outside) expect(reply.title).toBe('Outside this partnership');
        else expect((reply.figures?.length ?? 0) + (reply.table?.rows.length ?? 0), q).toBeGreaterThan(0);
      }
    }
  });

  it('alerts --dry-run --json: the same findings, in every force', () => {
    const all = cli('all', 'alerts', '--dry-run', '--json');
    const list = cli('list', 'alerts', '--dry-run', '--json');
    expect(all.status, all.stderr).toBe(0);
    expect(all.stdout).toBe(list.stdout);
    const out = JSON.parse(all.stdout) as { findings: Array<{ areaCode: string; state: string }>; digests: Array<{ channel: string; alerts: unknown[] }> };
    const areaDistrict = (code: string) => wardDistrict.get(code) ?? code;
    const forces = new Set(out.findings.map((f) => forceOf.get(areaDistrict(f.areaCode))));
    expect([...forces].sort()).toEqual([...new Set(forceOf.values())].sort());
    expect(out.digests.find((g) => g.channel === 'network-csp')!.alerts.length).toBeGreaterThan(0);
  });

  it("a brief for each partnership has the same figures, the board's headed by the whole area", () => {
    for (const p of ['network', 'national']) {
      const all = cli('all', 'brief', p, '--json');
      const list = cli('list', 'brief', p, '--json');
      expect(all.status, all.stderr).toBe(0);
      const strip = (s: string) => s.replace(/"generatedAt": "[^"]+"/, '');
      expect(strip(all.stdout)).toBe(strip(list.stdout));
      const brief = JSON.parse(all.stdout) as { areaName: string; scanning: unknown[] };
      expect(brief.scanning.length).toBeGreaterThan(0);
      if (p === 'national') expect(brief.areaName).toBe('England and Wales');
    }
  });

  it('the served local page answers the same', async () => {
    const answers: Record<Deployment, string[]> = { all: [], list: [] };
    for (const d of ['all', 'list'] as const) {
      const service = await startService({
        config: loaded(d),
        store: { path: deployments[d].db },
        binding: { host: '127.0.0.1', port: 0, token: null, loopback: true, pageEnabled: true },
        env: { NODE_ENV: 'test' },
        log: () => {},
        devControls: false,
        fixturesOnFirstStart: false,
        eventPollMs: 60_000,
        messagePollMs: 60_000,
      });
      try {
        await service.ready;
        for (const text of [districtName.get(network[0]!)!, 'top asb county']) {
          const res = await fetch(`${service.url}api/ask`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ channel: 'national-board', text }),
          });
          expect(res.status).toBe(200);
          const body = (await res.json()) as { reply: unknown };
          answers[d].push(JSON.stringify(body.reply).replace(/[A-Za-z0-9_-]{22}\.png/g, 'ID.png'));
        }
      } finally {
        await service.close();
      }
    }
    expect(answers.all).toEqual(answers.list);
    expect(answers.all.join('')).toContain('England and Wales');
  }, 120_000);

  it('the police.uk watcher asks for every ward of every force, and crimes with no location of every force', async () => {
    const crimes = readdirSync(join(synthDir, 'police-uk'))
      .filter((f) => f.includes(lastMonth))
      .flatMap((f, i) => {
        const force = /\d{4}-\d{2}-(.+)-street\.csv$/.exec(f)![1]!;
        return crimesFromCsv(join(synthDir, 'police-uk', f), (i + 1) * 1_000_000).map((c) => ({ ...c, force }));
      });
    const forces = [...new Set(crimes.map((c) => c.force))].sort();
    const stored: Record<Deployment, unknown> = { all: null, list: null };
    for (const d of ['all', 'list'] as const) {
      const fake = new FakePoliceUk({ months: { [lastMonth]: crimes }, force: forces[0]!, forces, maxCrimes: 10_000, limit: { rate: 100_000, burst: 100_000 } });
      await fake.start();
      try {
        const result = await withStore(d, async (store) => {
          const r = await checkNewMonths({
            store,
            config: loaded(d),
            settings: { baseUrl: fake.url, ratePerSecond: 1_000, burst: 1_000, timeoutMs: 10_000, maxRetries: 0, concurrency: 4, revisionMonths: 1 },
            log: () => {},
            now: () => new Date(NOW),
          });
          const wards = (await store.areas('ward')).map((w) => w.code);
          const counts = await store.counts({
            areaCodes: [...wards, 'england-and-wales'],
            measures: taxonomy()
              .policeUkMeasures()
              .map((m) => m.key),
            source: 'police.uk',
            from: lastMonth,
            to: lastMonth,
          });
          stored[d] = counts.map((c) => [c.areaCode, c.measure, c.count]).sort();
          return { r, wards: wards.length, total: counts.filter((c) => c.areaCode === 'england-and-wales').reduce((s, c) => s + c.count, 0) };
        });
        expect(result.r.landed).toEqual([lastMonth]);
        const polygons = fake.requests.filter((q) => q.endpoint === 'crimes-street/all-crime' && q.status === 200);
        expect(polygons.length).toBe(result.wards);
        const noLocation = fake.requests.filter((q) => q.endpoint === 'crimes-no-location').map((q) => q.status);
        expect(noLocation).toEqual(forces.map(() => 200));
        // Every crime served, once: the located ones by their ward polygons, the rest from each force's no-location list.
        expect(result.total).toBe(crimes.length);
      } finally {
        await fake.stop();
      }
    }
    expect(stored.all).toEqual(stored.list);
  }, 120_000);
});

describe('plausibility bounds scale with the force area', () => {
  // England and Wales at Census 2021: 59,597,542 residents (ONS), four times the single-force bound.
  const NATIONAL = 'area_code,population,year,source\nengland-and-wales,59597542,2021,ONS Census 2021\n';

  it('a national population is accepted for districts: all, refused for 12 listed districts with the key that changes it', async () => {
    const pops = join(dir, 'national-population.csv');
    writeFileSync(pops, NATIONAL);
    const geo = join(synthDir, 'geography');
    const store = await openSqliteStore(':memory:');
    try {
      const now = () => new Date(NOW);
      await expect(ingestPaths(store, [geo, pops], { config: loaded('list'), now })).rejects.toThrow(
        /national-population\.csv:2: field "population": expected at most 15,000,000 residents for a force \(a plausible bound for the force area, 12 districts; set ingest\.maxPopulation\.force in the config/,
      );
      const raised = parseConfig(readFileSync(deployments.list.config, 'utf8') + 'ingest:\n  maxPopulation:\n    force: 70000000\n', 'raised.yaml').config;
      await ingestPaths(store, [geo, pops], { config: raised, now });
      expect((await store.population('england-and-wales'))?.population).toBe(59_597_542);
    } finally {
      await store.close();
    }
    const national = await openSqliteStore(':memory:');
    try {
      await ingestPaths(national, [geo, pops], { config: loaded('all'), now: () => new Date(NOW) });
      expect((await national.population('england-and-wales'))?.population).toBe(59_597_542);
    } finally {
      await national.close();
    }
  });
});
