// `npm run bench` -> alerts: how noisy and how sensitive the shipped alert rules (alerts/*.yaml) are,
// through the real pipeline, store and ingest, on months from the synthetic generator (src/synth).
//  - False alerts: 24 quiet simulated months (no outbreak planted) after the fixtures, one at a time:
//    each is generated, ingested and run through the pipeline, and the new alerts each partnership's
//    channel is told about are counted. The first month the pipeline sees (April 2024, the last real
//    month) is a warm-up: what is already open then is announced once, and is reported separately.
//  - Recall: in later months, spikes of 3 (and 5) baseline standard deviations are planted in
//    ward-level residential burglary and violence with injury (the partnership extract), where the
//    baseline is the ward's mean for that calendar month over the five years before and its SD the
//    generator's negative binomial (variance mean + mean^2/8); found = the ward's spike rule fires.
// Targets (issue 11): at most 2 new alerts a month per partnership; at least 80% of 3-SD spikes found.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAlertPipeline } from '../src/alerting/pipeline.ts';
import { loadRules } from '../src/alerting/rules.ts';
import { loadConfig } from '../src/config/load.ts';
import type { ChannelConfig, Config } from '../src/config/schema.ts';
import { addMonths, calendarMonth, type Month } from '../src/core/periods.ts';
import { loadFixtures } from '../src/ingest/fixtures.ts';
import { ingestPaths } from '../src/ingest/index.ts';
import { openSqliteStore } from '../src/store/kysely.ts';
import type { Store } from '../src/store/types.ts';
import { Random } from '../src/synth/random.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';
import { plantPartnership, synthMonth, type Plant } from '../test/alerting/plant.ts';

const SPIKE_MEASURES = [
  { measure: 'residential-burglary', rule: 'residential-burglary-spike' },
  { measure: 'violence-with-injury', rule: 'violence-with-injury-spike' },
];

async function landMonth(store: Store, config: Config, month: Month, seed: number, plants: Plant[] = []): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-alerts-'));
  try {
    const files = await synthMonth(store, config, month, dir, seed);
    if (plants.length) plantPartnership(files.partnership!, plants);
    await ingestPaths(store, [dir], { config });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = async ({ log, quick }) => {
  const loaded = loadConfig(join(import.meta.dirname, '../wardwatch.config.yaml'));
  const rules = loadRules(loaded.alertRulesDir, loaded.config);
  // One local channel per partnership, cleared for everything: every alert a partnership could be told about is counted.
  const channels: ChannelConfig[] = loaded.config.partnerships.map((p) => ({
    name: `bench-${p.id}`,
    platform: 'local',
    partnership: p.id,
    clearance: { smallNumbers: true, sensitive: true },
    measures: [],
  }));
  const config: Config = { ...loaded.config, channels, mutes: [] };
  const quietMonths = quick ? 6 : 24;
  const trials = quick ? 1 : 3;
  const work = mkdtempSync(join(tmpdir(), 'wardwatch-bench-alerts-'));
  const basePath = join(work, 'base.sqlite');
  try {
    log('loading the fixtures and the synthetic history…');
    let store = await openSqliteStore(basePath);
    await loadFixtures(store, { history: true });
    const warm = await runAlertPipeline({ store, config, rules, month: '2024-04', trigger: 'landed' });
    const warmUp = Object.fromEntries(warm.digests.map((d) => [d.partnership, d.alerts.length]));
    const perMonth: Array<{ month: Month; byPartnership: Record<string, number>; byRule: Record<string, number>; ms: number }> = [];
    let month: Month = '2024-04';
    for (let i = 0; i < quietMonths; i++) {
      month = addMonths(month, 1);
      await landMonth(store, config, month, 1000 + i);
      const started = performance.now();
      const r = await runAlertPipeline({ store, config, rules, month, trigger: 'landed' });
      const byPartnership: Record<string, number> = Object.fromEntries(config.partnerships.map((p) => [p.id, 0]));
      const byRule: Record<string, number> = {};
      for (const d of r.digests) {
        byPartnership[d.partnership] = (byPartnership[d.partnership] ?? 0) + d.alerts.length;
        for (const a of d.alerts) byRule[String(a.rule)] = (byRule[String(a.rule)] ?? 0) + 1;
      }
      perMonth.push({ month, byPartnership, byRule, ms: Math.round(performance.now() - started) });
      log(
        `${month}: ${Object.entries(byPartnership)
          .map(([p, n]) => `${p} ${n}`)
          .join(', ')} (${perMonth.at(-1)!.ms} ms)`,
      );
    }
    const per = config.partnerships.map((p) => {
      const counts = perMonth.map((m) => m.byPartnership[p.id] ?? 0);
      return { partnership: p.id, mean: counts.reduce((a, b) => a + b, 0) / counts.length, max: Math.max(...counts), monthsOverTwo: counts.filter((c) => c > 2).length };
    });
    const rulesTotal: Record<string, number> = {};
    for (const m of perMonth) for (const [r, n] of Object.entries(m.byRule)) rulesTotal[r] = (rulesTotal[r] ?? 0) + n;

    // ---- recall: planted spikes, each trial on a copy of the store after the quiet months ----
    await store.checkpoint();
    await store.close();
    const wards = (
      await (async () => {
        const s = await openSqliteStore(basePath);
        try {
          const ds = new Set(config.forceArea.districts);
          return (await s.areas('ward')).filter((w) => ds.has(w.parentCode ?? ''));
        } finally {
          await s.close();
        }
      })()
    ).map((w) => w.code);
    const rng = new Random(2013);
    const recall: Record<string, { planted: number; found: number }> = {};
    for (let t = 0; t < trials; t++) {
      const trialMonth = addMonths(month, 1); // the month after the quiet run (a later one would leave a gap the detector cannot test across)
      for (const k of [3, 5]) {
        const path = join(work, `trial-${t}-${k}.sqlite`);
        copyFileSync(basePath, path);
        store = await openSqliteStore(path);
        try {
          const chosen = Array.from({ length: 12 }, () => wards[rng.int(wards.length)]!);
          const plants: Array<Plant & { rule: string; mean: number }> = [];
          for (const ward of [...new Set(chosen)]) {
            for (const sm of SPIKE_MEASURES) {
              const past = await store.counts({
                areaCodes: [ward],
                measures: [sm.measure],
                source: 'partnership',
                from: addMonths(trialMonth, -60),
                to: addMonths(trialMonth, -1),
              });
              const same = past.filter((c) => calendarMonth(c.month) === calendarMonth(trialMonth));
              const mean = same.reduce((s, c) => s + c.count, 0) / 5;
              if (mean < 1) continue; // a ward averaging under one a month: a 3-SD spike is two or three crimes
              const sd = Math.sqrt(mean + (mean * mean) / 8);
              plants.push({ ward, what: sm.measure, extra: Math.max(1, Math.round(k * sd)), rule: sm.rule, mean });
            }
          }
          await landMonth(store, config, trialMonth, 5000 + t, plants);
          const r = await runAlertPipeline({ store, config, rules: rules.filter((x) => x.kind === 'spike'), month: trialMonth, trigger: 'landed', dryRun: true });
          const firing = new Set(r.findings.filter((f) => f.state === 'firing').map((f) => `${f.rule}|${f.areaCode}`));
          for (const p of plants) {
            const band = `${k} SD, baseline ${p.mean < 2 ? 'under 2' : p.mean <= 10 ? '2 to 10' : 'over 10'} a month`;
            for (const key of [`${k} SD`, band]) {
              recall[key] ??= { planted: 0, found: 0 };
              recall[key].planted++;
              if (firing.has(`${p.rule}|${p.ward}`)) recall[key].found++;
            }
          }
          log(`recall trial ${trialMonth}, ${k} SD: ${plants.filter((p) => firing.has(`${p.rule}|${p.ward}`)).length}/${plants.length} found`);
        } finally {
          await store.close();
        }
      }
    }
    const recallRates = Object.fromEntries(Object.entries(recall).map(([k, v]) => [k, { ...v, rate: v.planted ? Math.round((1000 * v.found) / v.planted) / 1000 : null }]));
    const worstMean = Math.max(...per.map((p) => p.mean));
    return {
      rules: rules.map((r) => r.id),
      quietMonths,
      warmUpNewAlerts: warmUp,
      newAlertsPerPartnershipPerMonth: per,
      newAlertsByRule: rulesTotal,
      perMonth,
      recall: recallRates,
      targets: {
        atMostTwoAlertsAMonthPerPartnership: { met: per.every((p) => p.mean <= 2), worstMean: Math.round(worstMean * 100) / 100 },
        recallOf3SdAtLeast80Percent: { met: (recallRates['3 SD']?.rate ?? 0) >= 0.8, rate: recallRates['3 SD']?.rate ?? null },
      },
      pipelineMsMedian: perMonth.map((m) => m.ms).sort((a, b) => a - b)[Math.floor(perMonth.length / 2)] ?? null,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

export default bench;
