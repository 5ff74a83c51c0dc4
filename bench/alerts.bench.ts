// `npm run bench` -> alerts: how noisy and how sensitive the shipped alert rules (alerts/*.yaml) are,
// through the real pipeline, store and ingest, on months from the synthetic generator (src/synth).
//  - False alerts: 24 quiet simulated months (no outbreak planted) after the fixtures, one at a time:
//    each is generated, ingested and run through the pipeline, and the new alerts each partnership's
//    channel is told about are counted. The first month the pipeline sees (April 2024, the last real
//    month) is a warm-up: what is already open then is announced once, and is reported separately.
//  - Recall: in the month after, spikes of 3, 4 and 5 baseline standard deviations are planted in every
//    ward series of residential burglary and violence with injury (the partnership extract) averaging at
//    least 1 a month, where the baseline is the ward's mean for that calendar month over the five years
//    before and its SD the generator's negative binomial (variance mean + mean^2/8, as Noufaily et al.
//    2013 size outbreaks in baseline SDs); found = the ward's spike rule is firing. Three trials (seeds).
//  - The oracle bound: what the most powerful one-month test, knowing each ward's true mean, would find
//    at a given false-alarm rate, and what it would cost in false alarms; no detector can do better.
//    `oracleAtBudget`: the same at a fixed budget of false alarms a month per partnership, spent with one
//    alpha or shared out across series by their means in the best way there is (Neyman-Pearson).
//  - Where the false-alert budget goes: `newAlertsAMonthByPartnershipAndRule`.
// Targets (issue 11): at most 2 new alerts a month per partnership; at least 80% of 3-SD spikes found.
// The JSON's `targets` says whether each is met.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAlertPipeline } from '../src/alerting/pipeline.ts';
import { loadRules } from '../src/alerting/rules.ts';
import { forceAreaDistricts } from '../src/config/force-area.ts';
import { loadConfig } from '../src/config/load.ts';
import type { ChannelConfig, Config } from '../src/config/schema.ts';
import { addMonths, calendarMonth, type Month } from '../src/core/periods.ts';
import { loadFixtures } from '../src/ingest/fixtures.ts';
import { ingestPaths } from '../src/ingest/index.ts';
import { openSqliteStore } from '../src/store/kysely.ts';
import type { Store } from '../src/store/types.ts';
import { SYNTH_DISPERSION } from '../src/synth/history.ts';
import { pnbinom, qnbinom } from '../src/detect/distributions.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';
import { plantPartnership, synthMonth, type Plant } from '../test/alerting/plant.ts';
import { seedBenchRecordKey } from './support/record-key.ts';

const SD_MULTIPLES = [3, 4, 5];

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The generator's SD for a count of mean m (src/synth: negative binomial, variance m + m^2/size). */
function negativeBinomialSd(m: number): number {
  return Math.sqrt(m + (m * m) / SYNTH_DISPERSION);
}

/** Wilson score interval for found/planted (95%). */
function wilson(found: number, n: number): [number, number] {
  const z = 1.96;
  const p = found / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * The oracle: for each ward series, the upper-tail test on the month's count under the true negative
 * binomial (mean m, size SYNTH_DISPERSION), alarming above its (1 - alpha) quantile and at 5 or more
 * (the rules' limit54). Recall over the bench's 3-SD plants; false alarms summed over each partnership's wards.
 */
function oracleBound(baselines: Array<{ district: string; mean: number }>, config: Config) {
  const size = SYNTH_DISPERSION;
  const wardPartnerships = config.partnerships.filter((p) => !(config.forceArea.districts ?? []).every((d) => p.areas.includes(d)));
  return [0.01, 0.025, 0.05, 0.075].map((alpha) => {
    let planted = 0;
    let found = 0;
    const falseAlarms: Record<string, number> = {};
    for (const b of baselines) {
      const prob = size / (size + b.mean);
      const line = Math.max(qnbinom(1 - alpha, size, prob), 4); // alarm when the count is above this
      for (const p of wardPartnerships.filter((x) => x.areas.includes(b.district))) falseAlarms[p.id] = (falseAlarms[p.id] ?? 0) + pnbinom(line, size, prob, false);
      if (b.mean < 1) continue;
      const extra = Math.max(1, Math.round(3 * negativeBinomialSd(b.mean)));
      planted++;
      found += line - extra < 0 ? 1 : pnbinom(line - extra, size, prob, false);
    }
    return { alpha, recall3Sd: round3(found / planted), falseAlarmsAMonth: Object.fromEntries(Object.entries(falseAlarms).map(([p, n]) => [p, round2(n)])) };
  });
}

/**
 * The oracle again, with a budget of false alarms a month for the two ward spike rules in each district
 * partnership, spent in the best way there is: each series gets its own line, chosen (by a Lagrange
 * multiplier, the Neyman-Pearson lemma across series) so that the expected planted spikes found is the
 * most the budget can buy. A series with a larger mean buys more recall per false alarm; this is the
 * bound for any way of sharing alpha across series by their expected count. `uniform` is the same budget
 * spent with one alpha for every series (the partnership's own alpha that exactly spends it).
 */
function oracleAllocated(baselines: Array<{ district: string; mean: number }>, config: Config, budgets: number[]) {
  const size = SYNTH_DISPERSION;
  const wardPartnerships = config.partnerships.filter((p) => !(config.forceArea.districts ?? []).every((d) => p.areas.includes(d)));
  // Per series: for each line c (alarm when the count is above c, c >= 4), its false-alarm chance and, if eligible, its 3-SD recall.
  const series = baselines.map((b) => {
    const prob = size / (size + b.mean);
    const extra = b.mean >= 1 ? Math.max(1, Math.round(3 * negativeBinomialSd(b.mean))) : null;
    const lines: Array<{ fa: number; hit: number }> = [];
    for (let c = 4; c < 200; c++) {
      const fa = pnbinom(c, size, prob, false);
      lines.push({ fa, hit: extra === null ? 0 : c - extra < 0 ? 1 : pnbinom(c - extra, size, prob, false) });
      if (fa < 1e-9) break;
    }
    return { ...b, prob, eligible: extra !== null, lines };
  });
  const pick = (lines: Array<{ fa: number; hit: number }>, lambda: number) => lines.reduce((best, l) => (l.hit - lambda * l.fa > best.hit - lambda * best.fa ? l : best));
  return budgets.map((budget) => {
    let planted = 0;
    let foundBest = 0;
    let foundUniform = 0;
    const alphaUniform: Record<string, number> = {};
    for (const p of wardPartnerships) {
      const mine = series.filter((s) => p.areas.includes(s.district));
      planted += mine.filter((s) => s.eligible).length;
      // The largest recall with sum(fa) <= budget: bisect the multiplier (fa falls as lambda rises).
      let lo = 0;
      let hi = 1e6;
      for (let i = 0; i < 100; i++) {
        const mid = (lo + hi) / 2;
        const fa = mine.reduce((a, s) => a + pick(s.lines, mid).fa, 0);
        if (fa > budget) lo = mid;
        else hi = mid;
      }
      foundBest += mine.reduce((a, s) => a + (s.eligible ? pick(s.lines, hi).hit : 0), 0);
      // One alpha for all: bisect alpha so the partnership's false alarms equal the budget.
      let alo = 1e-6;
      let ahi = 0.5;
      const at = (alpha: number) => mine.map((s) => s.lines.find((l) => l.fa <= alpha) ?? s.lines.at(-1)!);
      for (let i = 0; i < 60; i++) {
        const mid = (alo + ahi) / 2;
        if (at(mid).reduce((a, l) => a + l.fa, 0) > budget) ahi = mid;
        else alo = mid;
      }
      foundUniform += at(alo).reduce((a, l, i) => a + (mine[i]!.eligible ? l.hit : 0), 0);
      alphaUniform[p.id] = round3(alo);
    }
    return { budgetPerPartnership: budget, recall3SdAllocated: round3(foundBest / planted), recall3SdUniformAlpha: round3(foundUniform / planted), uniformAlpha: alphaUniform };
  });
}

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

const bench: Benchmark = async ({ log, size }) => {
  const loaded = loadConfig(join(import.meta.dirname, '../wardwatch.config.yaml'));
  // WARDWATCH_BENCH_ALERT_RULES: measure another folder of rules (yours, or an earlier version) the same way.
  const rules = loadRules(process.env.WARDWATCH_BENCH_ALERT_RULES ?? loaded.alertRulesDir, loaded.config);
  // One local channel per partnership, cleared for everything: every alert a partnership could be told about is counted.
  const channels: ChannelConfig[] = loaded.config.partnerships.map((p) => ({
    name: `bench-${p.id}`,
    platform: 'local',
    partnership: p.id,
    clearance: { smallNumbers: true, sensitive: true },
    measures: [],
  }));
  const config: Config = { ...loaded.config, channels, mutes: [] };
  const quietMonths = { quick: 6, standard: 12, full: 24 }[size];
  const trials = { quick: 1, standard: 2, full: 3 }[size];
  const work = mkdtempSync(join(tmpdir(), 'wardwatch-bench-alerts-'));
  const basePath = join(work, 'base.sqlite');
  try {
    log('loading the fixtures and the synthetic history…');
    let store = await openSqliteStore(basePath);
    // Alerts on protected (partnership extract) measures are judged on perturbed figures: the same noise every run.
    await seedBenchRecordKey(store);
    await loadFixtures(store, { history: true });
    const warm = await runAlertPipeline({ store, config, rules, month: '2024-04', trigger: 'landed' });
    const warmUp = Object.fromEntries(warm.digests.map((d) => [d.partnership, d.alerts.length]));
    const perMonth: Array<{ month: Month; byPartnership: Record<string, number>; byRule: Record<string, number>; byPartnershipRule: Record<string, number>; ms: number }> = [];
    let month: Month = '2024-04';
    for (let i = 0; i < quietMonths; i++) {
      month = addMonths(month, 1);
      await landMonth(store, config, month, 1000 + i);
      const started = performance.now();
      const r = await runAlertPipeline({ store, config, rules, month, trigger: 'landed' });
      const byPartnership: Record<string, number> = Object.fromEntries(config.partnerships.map((p) => [p.id, 0]));
      const byRule: Record<string, number> = {};
      const byPartnershipRule: Record<string, number> = {};
      for (const d of r.digests) {
        byPartnership[d.partnership] = (byPartnership[d.partnership] ?? 0) + d.alerts.length;
        for (const a of d.alerts) {
          byRule[String(a.rule)] = (byRule[String(a.rule)] ?? 0) + 1;
          const key = `${d.partnership}|${String(a.rule)}`;
          byPartnershipRule[key] = (byPartnershipRule[key] ?? 0) + 1;
        }
      }
      perMonth.push({ month, byPartnership, byRule, byPartnershipRule, ms: Math.round(performance.now() - started) });
      log(
        `${month}: ${Object.entries(byPartnership)
          .map(([p, n]) => `${p} ${n}`)
          .join(', ')} (${perMonth.at(-1)!.ms} ms)`,
      );
    }
    const per = config.partnerships.map((p) => {
      const counts = perMonth.map((m) => m.byPartnership[p.id] ?? 0);
      return { partnership: p.id, mean: round2(counts.reduce((a, b) => a + b, 0) / counts.length), max: Math.max(...counts), monthsOverTwo: counts.filter((c) => c > 2).length };
    });
    const rulesTotal: Record<string, number> = {};
    for (const m of perMonth) for (const [r, n] of Object.entries(m.byRule)) rulesTotal[r] = (rulesTotal[r] ?? 0) + n;
    // Where each partnership's false-alert budget goes: new alerts a month from each rule (mean over the quiet months).
    const byPartnershipAndRule: Record<string, Record<string, number>> = {};
    for (const m of perMonth)
      for (const [key, n] of Object.entries(m.byPartnershipRule)) {
        const [p, r] = key.split('|') as [string, string];
        byPartnershipAndRule[p] ??= {};
        byPartnershipAndRule[p][r] = (byPartnershipAndRule[p][r] ?? 0) + n / perMonth.length;
      }
    for (const rs of Object.values(byPartnershipAndRule)) for (const r of Object.keys(rs)) rs[r] = round2(rs[r]!);

    // ---- recall: planted spikes, each trial on a copy of the store after the quiet months ----
    await store.checkpoint();
    await store.close();
    // WARDWATCH_BENCH_KEEP_STORE=<file>: keep a copy of the store after the quiet months (to study the series offline).
    if (process.env.WARDWATCH_BENCH_KEEP_STORE) copyFileSync(basePath, process.env.WARDWATCH_BENCH_KEEP_STORE);
    const trialMonth = addMonths(month, 1); // the month after the quiet run (a later one would leave a gap the detector cannot test across)
    // Every ward series the two ward spike rules watch, with its baseline for the trial month: the mean of
    // the same calendar month over the five years before, and the generator's negative binomial SD.
    const baselines = await (async () => {
      const s = await openSqliteStore(basePath);
      try {
        const inForce = await forceAreaDistricts(config, s);
        const wardAreas = (await s.areas('ward')).filter((w) => inForce.has(w.parentCode ?? ''));
        const wards = wardAreas.map((w) => w.code);
        const out: Array<{ ward: string; district: string; measure: string; rule: string; mean: number }> = [];
        for (const sm of SPIKE_MEASURES) {
          const rows = await s.counts({ areaCodes: wards, measures: [sm.measure], source: 'partnership', from: addMonths(trialMonth, -60), to: addMonths(trialMonth, -1) });
          const sum = new Map<string, number>();
          for (const c of rows) if (calendarMonth(c.month) === calendarMonth(trialMonth)) sum.set(c.areaCode, (sum.get(c.areaCode) ?? 0) + c.count);
          for (const w of wardAreas) out.push({ ward: w.code, district: w.parentCode!, measure: sm.measure, rule: sm.rule, mean: (sum.get(w.code) ?? 0) / 5 });
        }
        return out;
      } finally {
        await s.close();
      }
    })();
    // A ward averaging under one a month is left out: a 3-SD spike there is two or three crimes, below the
    // rules' minimum of 5 in the month (limit54, also the small-number threshold), so no rule may alert on it.
    const eligible = baselines.filter((b) => b.mean >= 1);
    const recall: Record<string, { planted: number; found: number }> = {};
    for (let t = 0; t < trials; t++) {
      for (const k of SD_MULTIPLES) {
        const path = join(work, `trial-${t}-${k}.sqlite`);
        copyFileSync(basePath, path);
        store = await openSqliteStore(path);
        try {
          // Every eligible series at once: each is judged on its own history only, so this measures what
          // planting in one at a time would, with a sample large enough to read a rate from.
          const plants = eligible.map((b) => ({ ward: b.ward, what: b.measure, extra: Math.max(1, Math.round(k * negativeBinomialSd(b.mean))), rule: b.rule, mean: b.mean }));
          await landMonth(store, config, trialMonth, 5000 + t, plants);
          const r = await runAlertPipeline({ store, config, rules: rules.filter((x) => x.kind === 'spike'), month: trialMonth, trigger: 'landed', dryRun: true });
          const firing = new Set(r.findings.filter((f) => f.state === 'firing').map((f) => `${f.rule}|${f.areaCode}`));
          for (const p of plants) {
            const band = `${k} SD, baseline ${p.mean < 2 ? 'under 2' : p.mean <= 10 ? '2 to 10' : 'over 10'} a month`;
            for (const key of [`${k} SD`, band, `${k} SD, ${p.what}`]) {
              recall[key] ??= { planted: 0, found: 0 };
              recall[key].planted++;
              if (firing.has(`${p.rule}|${p.ward}`)) recall[key].found++;
            }
          }
          log(`recall trial ${t + 1} (${trialMonth}), ${k} SD: ${plants.filter((p) => firing.has(`${p.rule}|${p.ward}`)).length}/${plants.length} found`);
        } finally {
          await store.close();
          rmSync(path, { force: true });
        }
      }
    }
    const recallRates = Object.fromEntries(
      Object.entries(recall)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, { ...v, rate: v.planted ? round3(v.found / v.planted) : null, ci95: v.planted ? wilson(v.found, v.planted).map(round3) : null }]),
    );
    const worst = per.reduce((a, b) => (b.mean > a.mean ? b : a));
    const r3 = recallRates['3 SD'];
    const falseOk = per.every((p) => p.mean <= 2);
    const recallOk = (r3?.rate ?? 0) >= 0.8;
    return {
      method: {
        quietMonths: `${quietMonths} synthetic months after the fixtures (seeds 1000 on), each ingested and run through the pipeline in turn; a false alert is a new alert a partnership's channel is told about (the warm-up month excluded)`,
        disclosure:
          "residential burglary and violence with injury (partnership extract, protected) are judged on the perturbed figures an uncleared channel sees (src/figures/disclosure.ts), with the bench's fixed record-key secret",
        recall: `${trials} trials of ${trialMonth} (seeds 5000 on); in each, every ward series of residential burglary and violence with injury (partnership extract) averaging at least 1 a month gets k x its SD added, SD = sqrt(m + m^2/${SYNTH_DISPERSION}) (the generator's negative binomial) for m = the mean of that calendar month over the 5 years before; found = the ward's spike rule is firing`,
      },
      rules: rules.map((r) => ({
        id: r.id,
        kind: r.kind,
        ...(r.params ? { thresholdMethod: r.params.thresholdMethod, alpha: r.params.alpha, trend: r.params.trend, noPeriods: r.params.noPeriods, limit54: r.params.limit54 } : {}),
        pending: r.pending,
      })),
      quietMonths,
      warmUpNewAlerts: warmUp,
      newAlertsPerPartnershipPerMonth: per,
      newAlertsByRule: rulesTotal,
      newAlertsAMonthByPartnershipAndRule: byPartnershipAndRule,
      perMonth,
      recall: recallRates,
      seriesLeftOut: { underOneAMonth: baselines.length - eligible.length, of: baselines.length },
      // The most powerful one-month test there is (it knows each ward's true mean and the generator's
      // dispersion; for a shift of a log-concave count distribution the upper-tail test is uniformly most
      // powerful): what it would find at a given false-alarm rate, and the false alarms a month it would
      // raise from the two ward spike rules alone in each partnership. No detector that estimates the mean does better.
      oracleBound: oracleBound(baselines, config),
      // The same oracle with a fixed budget of false alarms a month from the two ward spike rules in every
      // district partnership, spent uniformly (one alpha) or in the best way across series.
      oracleAtBudget: oracleAllocated(baselines, config, [0.5, 1, 1.25, 1.5, 1.75, 2]),
      targets: {
        falseAlerts: {
          target: 'at most 2 new alerts a month per partnership (mean over the quiet months)',
          worstPartnership: worst.partnership,
          worstMean: round2(worst.mean),
          pass: falseOk,
        },
        recall3Sd: { target: 'at least 80% of 3-SD planted spikes found', rate: r3?.rate ?? null, ci95: r3?.ci95 ?? null, pass: recallOk },
        both: falseOk && recallOk,
      },
      pipelineMsMedian: perMonth.map((m) => m.ms).sort((a, b) => a - b)[Math.floor(perMonth.length / 2)] ?? null,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

export default bench;
