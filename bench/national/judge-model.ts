// `node --import tsx bench/national/judge-model.ts`: Farrington-flexible (b = 4, Wardwatch defaults otherwise) on
// every ward x measure series of the national synthetic model, drawn in memory (no store): the judging time alone.
import { farringtonMonth, resolveFarringtonParams } from '../../src/detect/index.ts';
import { buildNationalGeography, MEASURE_SHARE, NATIONAL_LAST_MONTH, NATIONAL_SCALES, NO_LOCATION_SHARE } from '../../src/synth/national/index.ts';
import { SEASONALITY, SYNTH_DISPERSION, TREND } from '../../src/synth/history.ts';
import { splitPartnership } from '../../src/synth/partnership.ts';
import { Random } from '../../src/synth/random.ts';
import { taxonomy } from '../../src/taxonomy/index.ts';
import { addMonths, monthRange } from '../../src/core/periods.ts';
const scale = NATIONAL_SCALES.national;
const { geo } = buildNationalGeography(scale, 1);
const measures = taxonomy().policeUkMeasures();
const months = monthRange(addMonths(NATIONAL_LAST_MONTH, -59), NATIONAL_LAST_MONTH);
const W = geo.ward;
const wsum = W.weight.reduce((a, b) => a + b, 0);
const series = new Map<string, Float64Array>();
const rng = new Random(99);
for (let mi = 0; mi < 60; mi++) {
  const cal = Number(months[mi]!.slice(5)) - 1;
  const wc = new Map<string, Record<string, number>>();
  for (let w = 0; w < W.code.length; w++) {
    const c: Record<string, number> = {};
    for (const m of measures) {
      const n = rng.negativeBinomial(
        ((480000 * (1 - NO_LOCATION_SHARE) * W.weight[w]! * MEASURE_SHARE[m.key]!) / wsum) * (SEASONALITY[m.key]?.[cal] ?? 1) * Math.pow(1 + (TREND[m.key] ?? 0), (mi - 30) / 12),
        SYNTH_DISPERSION,
      );
      c[m.key] = n;
      const k = `${w}\t${m.key}`;
      (series.get(k) ?? series.set(k, new Float64Array(60)).get(k)!)[mi] = n;
    }
    wc.set(W.code[w]!, c);
  }
  for (const r of splitPartnership(rng, months[mi]!, wc)) {
    const k = `${r.ward}\tp:${r.measure}`;
    (series.get(k) ?? series.set(k, new Float64Array(60)).get(k)!)[mi] = r.count;
  }
}
// every ward x partnership measure, zero series included (as the bench reads them)
const partnership = [
  'residential-burglary',
  'business-community-burglary',
  'violence-with-injury',
  'violence-without-injury',
  'stalking-harassment',
  'asb-personal',
  'asb-nuisance',
  'asb-environmental',
  'domestic-abuse-crimes',
  'domestic-abuse-incidents',
  'deliberate-fires',
];
for (const code of W.code)
  for (const m of partnership) {
    const k = `${code}\tp:${m}`;
    if (!series.has(k)) series.set(k, new Float64Array(60));
  }
const params = resolveFarringtonParams({ b: 4 });
const all = [...series.values()];
for (let i = 0; i < 300; i++) farringtonMonth(all[i]!, months, 59, params);
const statuses: Record<string, number> = {};
let alarms = 0;
const t = performance.now();
for (const s of all) {
  const r = farringtonMonth(s, months, 59, params);
  statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (r.alarm) alarms++;
}
const secs = (performance.now() - t) / 1000;
console.log(JSON.stringify({ series: all.length, judgeSeconds: Math.round(secs * 100) / 100, alarms, statuses }));
