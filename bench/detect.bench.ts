// `npm run bench` -> detect: speed of the Farrington-flexible detector. Judges one month (the last)
// for 10,000 simulated monthly series of 8 years (target: under 10 s), and, when Rscript with the
// surveillance package is installed, times R's farringtonFlexible on the same series (a sample of
// them with --quick) and reports the ratio and whether the alarms agree.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';
import { addMonths } from '../src/core/periods.ts';
import { R_FARRINGTON_DEFAULTS, farringtonMonth, resolveFarringtonParams } from '../src/detect/index.ts';
import { Random, simulateSeries } from '../src/detect/simulate.ts';

const MEANS = [0.5, 1, 2, 3, 5, 8, 12, 20, 35, 50, 80, 120, 200];
const R_SCRIPT = fileURLToPath(new URL('../tools/r/time-farrington.R', import.meta.url));

function hasR(): boolean {
  // tools/r/time-farrington.R needs both (Debian: r-cran-surveillance r-cran-jsonlite)
  const r = spawnSync('Rscript', ['-e', 'suppressPackageStartupMessages({ library(surveillance); library(jsonlite) })'], { encoding: 'utf8' });
  return r.status === 0;
}

const bench: Benchmark = async ({ log, size }) => {
  const nSeries = size === 'quick' ? 1000 : 10_000;
  const length = 96; // 8 years
  const rng = new Random(2024);
  log(`simulating ${nSeries} series of ${length} months`);
  const series: number[][] = [];
  for (let i = 0; i < nSeries; i++) {
    const spec = { mean: MEANS[i % MEANS.length]!, phi: rng.pick([1, 1.5, 2, 3]), trend: rng.pick([0, 0, 0.003, -0.003]), seasonality: rng.pick([0, 0.2, 0.4]) };
    series.push(simulateSeries(rng, spec, length, { pastOutbreaks: rng.int(3), monitored: 1 }).counts);
  }
  const months = Array.from({ length }, (_, i) => addMonths('2016-01', i));
  const out: Record<string, unknown> = { series: nSeries, monthsPerSeries: length, monthsJudgedPerSeries: 1 };

  const runs: [string, ReturnType<typeof resolveFarringtonParams>][] = [
    ['wardwatchDefaults', resolveFarringtonParams({})],
    ['rDefaults', resolveFarringtonParams({}, R_FARRINGTON_DEFAULTS)],
  ];
  for (const [name, params] of runs) {
    // warm up the JIT on a few hundred series, then time all of them
    for (let i = 0; i < 200; i++) farringtonMonth(series[i]!, months, length - 1, params);
    const t0 = performance.now();
    let alarms = 0;
    for (const s of series) if (farringtonMonth(s, months, length - 1, params).alarm) alarms++;
    const seconds = (performance.now() - t0) / 1000;
    const full = (seconds * 10_000) / nSeries;
    log(`${name}: ${nSeries} series in ${seconds.toFixed(2)} s (${((seconds / nSeries) * 1e6).toFixed(0)} us a series), ${alarms} alarms`);
    out[name] = { seconds, microsecondsPerSeries: (seconds / nSeries) * 1e6, secondsFor10000: full, under10Seconds: full < 10, alarms };
  }

  if (!hasR()) {
    log('Rscript with the surveillance and jsonlite packages not found (apt-get install r-base r-cran-surveillance r-cran-jsonlite): R comparison skipped');
    out.r = { available: false };
    return out;
  }
  // R takes milliseconds a series: all of them in --full (about a minute), a sample otherwise
  const sample = { quick: 40, standard: 1000, full: nSeries }[size];
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-detect-'));
  try {
    const rParams = { ...runs[0]![1], pastWeeksNotIncluded: runs[0]![1].pastWeeksNotIncluded ?? runs[0]![1].w };
    const { fitFun: _f, glmWarnings: _g, ...control } = rParams;
    writeFileSync(join(dir, 'in.json'), JSON.stringify({ params: control, startYear: 2016, series: series.slice(0, sample) }));
    log(`timing R farringtonFlexible on ${sample} of the series (wardwatch defaults)${sample === nSeries ? ': about a minute' : ''}`);
    execFileSync('Rscript', [R_SCRIPT, join(dir, 'in.json'), join(dir, 'out.json')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const r = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as {
      seconds: number;
      upperbound: (number | null)[];
      alarm: (boolean | null)[];
      rVersion: string;
      surveillanceVersion: string;
    };
    const ours = series.slice(0, sample).map((s) => farringtonMonth(s, months, length - 1, runs[0]![1]));
    const sameAlarms = ours.filter((o, i) => o.alarm === (r.alarm[i] ?? false)).length;
    let maxRel = 0;
    ours.forEach((o, i) => {
      const u = r.upperbound[i];
      if (u !== null && u !== undefined && o.upperbound !== null) maxRel = Math.max(maxRel, Math.abs(o.upperbound - u) / Math.max(1e-12, Math.abs(u)));
    });
    const ourPerSeries = (out.wardwatchDefaults as { microsecondsPerSeries: number }).microsecondsPerSeries / 1e6;
    const rPerSeries = r.seconds / sample;
    log(
      `R: ${(rPerSeries * 1000).toFixed(1)} ms a series; ours ${(ourPerSeries * 1000).toFixed(3)} ms: ${(rPerSeries / ourPerSeries).toFixed(0)}x faster; alarms agree on ${sameAlarms}/${sample}`,
    );
    out.r = {
      available: true,
      rVersion: r.rVersion,
      surveillanceVersion: r.surveillanceVersion,
      seriesTimed: sample,
      seconds: r.seconds,
      millisecondsPerSeries: rPerSeries * 1000,
      estimatedSecondsFor10000: rPerSeries * 10_000,
      speedup: rPerSeries / ourPerSeries,
      alarmsAgree: `${sameAlarms}/${sample}`,
      maxRelativeUpperboundDifference: maxRel,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
};

export default bench;
