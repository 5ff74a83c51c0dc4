// `npm run bench` -> detect-quality: how good the spike detector is, on simulated monthly series
// where the truth is known. Design after Noufaily et al. (2013) and Bédubourg & Le Strat (2017),
// adapted from weeks to months (src/detect/simulate.ts): negative binomial baselines over a grid of
// means (0.5 to 100 a month), dispersions (Poisson, 1.5, 3), trend (none, +5% a year) and
// seasonality (none, +/-40%), 8 years each, 0 to 3 past outbreaks in the baseline years, and one
// outbreak of 2, 3 or 5 baseline SDs lasting 1 or 2 months at a random month of the last 2 years.
// Every month of the last 2 years is judged, prospectively.
//
// Reports, for our defaults, R's weekly defaults applied to months, and naive "+50% on the same
// month last year" rules: false positive rate (alarms in months without an outbreak), probability
// of detection (outbreaks with an alarm in an outbreak month) and positive predictive value
// (alarms that were in an outbreak month). Then the false alerts a month expected across a county
// of 120 wards x 31 measures with no outbreaks at all (assumptions in COUNTY_MEASURES below).
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';
import { addMonths } from '../src/core/periods.ts';
import { R_FARRINGTON_DEFAULTS, farringtonMonth, resolveFarringtonParams, type FarringtonParams } from '../src/detect/index.ts';
import { Random, simulateSeries, type ScenarioSpec } from '../src/detect/simulate.ts';

type Detector = { name: string; label: string; alarm: (counts: number[], k: number) => boolean };

const LENGTH = 96;
const MONITOR_FROM = 72;
const MONTHS = Array.from({ length: LENGTH }, (_, i) => addMonths('2016-01', i));

function farringtonDetector(name: string, label: string, params: Partial<FarringtonParams>): Detector {
  const p = resolveFarringtonParams(params);
  return { name, label, alarm: (counts, k) => farringtonMonth(counts, MONTHS, k, p).alarm };
}

/** "Up 50% on the same month last year" (any rise from zero counts), optionally with a minimum count. */
function naiveDetector(minCount: number): Detector {
  return {
    name: minCount ? `naive50min${minCount}` : 'naive50',
    label: minCount ? `+50% on same month last year, at least ${minCount}` : '+50% on same month last year',
    alarm: (counts, k) => {
      const now = counts[k]!;
      const before = counts[k - 12]!;
      return now >= minCount && (before === 0 ? now > 0 : now > 1.5 * before);
    },
  };
}

export const DETECTORS: Detector[] = [
  farringtonDetector('wardwatch', 'Wardwatch defaults (Farrington-flexible, monthly)', {}),
  farringtonDetector('wardwatchPlugin', 'the same with the nbPlugin threshold', { thresholdMethod: 'nbPlugin' }),
  farringtonDetector('rWeeklyDefaults', "R farringtonFlexible's own defaults on months", R_FARRINGTON_DEFAULTS),
  naiveDetector(0),
  naiveDetector(5),
];

interface Tally {
  alarms: number;
  trueAlarms: number;
  nullMonths: number;
  falseAlarms: number;
  outbreaks: number;
  detected: number;
}
const emptyTally = (): Tally => ({ alarms: 0, trueAlarms: 0, nullMonths: 0, falseAlarms: 0, outbreaks: 0, detected: 0 });

function metrics(t: Tally) {
  return {
    fpr: t.nullMonths ? t.falseAlarms / t.nullMonths : null,
    pod: t.outbreaks ? t.detected / t.outbreaks : null,
    ppv: t.alarms ? t.trueAlarms / t.alarms : null,
    alarms: t.alarms,
    outbreaks: t.outbreaks,
    nullMonths: t.nullMonths,
  };
}

// Assumed monthly means for a ward of about 7,000 residents (England and Wales-like rates per 1,000
// a year x 7 / 12), 14 police.uk categories and 17 partnership-extract measures. Wards are scaled by
// a log-normal size factor (sd 0.35), dispersion 1.5, seasonality +/-20%, a mild random trend.
export const COUNTY_MEASURES: [string, number][] = [
  ['Anti-social behaviour', 11.5],
  ['Violence and sexual offences', 20],
  ['Shoplifting', 3.5],
  ['Other theft', 4],
  ['Criminal damage and arson', 4.7],
  ['Public order', 5.2],
  ['Vehicle crime', 3.5],
  ['Burglary', 2.3],
  ['Drugs', 1.5],
  ['Other crime', 0.9],
  ['Bicycle theft', 0.9],
  ['Theft from the person', 0.6],
  ['Robbery', 0.6],
  ['Possession of weapons', 0.5],
  ['Residential burglary', 1.6],
  ['Business and community burglary', 0.7],
  ['Violence with injury', 7],
  ['Violence without injury', 9],
  ['Stalking and harassment', 5],
  ['Rape', 0.5],
  ['Other sexual offences', 0.8],
  ['Robbery of personal property', 0.5],
  ['Trafficking of drugs', 0.4],
  ['Possession of drugs', 1.1],
  ['ASB personal', 2.5],
  ['ASB nuisance', 8],
  ['ASB environmental', 1],
  ['Domestic abuse incidents', 8],
  ['Domestic abuse crimes', 6],
  ['Hate crime', 0.8],
  ['Deliberate fires', 0.5],
];

const pct = (x: number | null, digits = 1) => (x === null ? '-' : `${(100 * x).toFixed(digits)}%`);

const bench: Benchmark = async ({ log, size }) => {
  const reps = { quick: 3, standard: 10, full: 30 }[size];
  const means = [0.5, 1, 2, 5, 10, 20, 50, 100];
  const scenarios: ScenarioSpec[] = [];
  for (const mean of means) for (const phi of [1, 1.5, 3]) for (const trend of [0, 0.004]) for (const seasonality of [0, 0.4]) scenarios.push({ mean, phi, trend, seasonality });
  const rng = new Random(1996);
  const overall = new Map(DETECTORS.map((d) => [d.name, emptyTally()]));
  const byBand = new Map<string, Tally>();
  const byK = new Map<string, Tally>();
  const band = (mean: number) => (mean < 2 ? 'under 2 a month' : mean <= 10 ? '2 to 10 a month' : 'over 10 a month');
  const t0 = performance.now();
  log(`${scenarios.length} scenarios x ${reps} series, ${LENGTH - MONITOR_FROM} months judged each`);
  for (const spec of scenarios) {
    for (let r = 0; r < reps; r++) {
      const k = [2, 3, 5][r % 3]!;
      const start = MONITOR_FROM + rng.int(LENGTH - MONITOR_FROM - 1);
      const sim = simulateSeries(rng, spec, LENGTH, {
        pastOutbreaks: rng.int(4),
        monitored: LENGTH - MONITOR_FROM,
        currentOutbreak: { month: start, k, duration: 1 + rng.int(2) },
      });
      for (const d of DETECTORS) {
        const tallies = [overall.get(d.name)!, getOr(byBand, `${d.name}|${band(spec.mean)}`), getOr(byK, `${d.name}|${k}`)];
        let detected = false;
        for (let t = MONITOR_FROM; t < LENGTH; t++) {
          const inOutbreak = sim.outbreak[t]! > 0;
          const alarm = d.alarm(sim.counts, t);
          for (const x of tallies) {
            if (alarm) x.alarms++;
            if (alarm && inOutbreak) x.trueAlarms++;
            if (!inOutbreak) {
              x.nullMonths++;
              if (alarm) x.falseAlarms++;
            }
          }
          if (alarm && inOutbreak) detected = true;
        }
        // an outbreak whose Poisson size came out as 0 added nothing to find
        if (sim.outbreak.some((v) => v > 0))
          for (const x of tallies) {
            x.outbreaks++;
            if (detected) x.detected++;
          }
      }
    }
  }
  log(`simulation study done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // County: 120 wards x 31 measures, no outbreaks, the last 12 months judged (6 by default, 3 in --quick)
  const wards = 120;
  const countyMonths = { quick: 3, standard: 6, full: 12 }[size];
  const crng = new Random(2025);
  const falseAlerts = new Map(DETECTORS.map((d) => [d.name, 0]));
  const t1 = performance.now();
  for (let w = 0; w < wards; w++) {
    const size = Math.exp(0.35 * crng.normal());
    for (const [, mean] of COUNTY_MEASURES) {
      const sim = simulateSeries(crng, { mean: mean * size, phi: 1.5, trend: crng.pick([0, 0.002, -0.002]), seasonality: 0.2 }, LENGTH);
      for (const d of DETECTORS) for (let t = LENGTH - countyMonths; t < LENGTH; t++) if (d.alarm(sim.counts, t)) falseAlerts.set(d.name, falseAlerts.get(d.name)! + 1);
    }
  }
  log(`county null run (${wards} wards x ${COUNTY_MEASURES.length} measures x ${countyMonths} months) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  const result: Record<string, unknown> = { reps, scenarios: scenarios.length, monthsJudgedPerSeries: LENGTH - MONITOR_FROM };
  const rows: string[] = [
    '| detector | false positive rate | probability of detection | positive predictive value | false alerts a month, 120 wards x 31 measures |',
    '|---|---|---|---|---|',
  ];
  for (const d of DETECTORS) {
    const m = metrics(overall.get(d.name)!);
    const perMonth = falseAlerts.get(d.name)! / countyMonths;
    result[d.name] = {
      label: d.label,
      ...m,
      byMean: Object.fromEntries(['under 2 a month', '2 to 10 a month', 'over 10 a month'].map((b) => [b, metrics(byBand.get(`${d.name}|${b}`) ?? emptyTally())])),
      byOutbreakSize: Object.fromEntries([2, 3, 5].map((k) => [`${k} SD`, metrics(byK.get(`${d.name}|${k}`) ?? emptyTally())])),
      countyFalseAlertsPerMonth: perMonth,
    };
    rows.push(`| ${d.label} | ${pct(m.fpr, 2)} | ${pct(m.pod)} | ${pct(m.ppv)} | ${perMonth.toFixed(1)} |`);
    log(`${d.name}: FPR ${pct(m.fpr, 2)}, POD ${pct(m.pod)}, PPV ${pct(m.ppv)}, county false alerts a month ${perMonth.toFixed(1)}`);
  }
  const podRows = ['| detector | POD, mean under 2 | POD, 2 to 10 | POD, over 10 | POD at 2 SD | 3 SD | 5 SD |', '|---|---|---|---|---|---|---|'];
  for (const d of DETECTORS) {
    const r = result[d.name] as { byMean: Record<string, { pod: number | null }>; byOutbreakSize: Record<string, { pod: number | null }> };
    podRows.push(
      `| ${d.label} | ${pct(r.byMean['under 2 a month']!.pod)} | ${pct(r.byMean['2 to 10 a month']!.pod)} | ${pct(r.byMean['over 10 a month']!.pod)} | ${pct(r.byOutbreakSize['2 SD']!.pod)} | ${pct(r.byOutbreakSize['3 SD']!.pod)} | ${pct(r.byOutbreakSize['5 SD']!.pod)} |`,
    );
  }
  result.table = rows.join('\n');
  result.podTable = podRows.join('\n');
  log('\n' + rows.join('\n') + '\n\n' + podRows.join('\n'));
  return result;
};

function getOr(m: Map<string, Tally>, key: string): Tally {
  let t = m.get(key);
  if (!t) m.set(key, (t = emptyTally()));
  return t;
}

export default bench;
