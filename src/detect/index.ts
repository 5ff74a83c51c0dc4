// Public API of detection: spikes (Farrington-flexible), hotspots, records, and their explanations.
export {
  farringtonFlexible,
  farringtonMonth,
  resolveFarringtonParams,
  monthsOfHistoryNeeded,
  checkMonthlySeries,
  DEFAULT_FARRINGTON_PARAMS,
  R_FARRINGTON_DEFAULTS,
  FARRINGTON_PARAM_NAMES,
  ParameterError,
} from './farrington.ts';
export type { FarringtonParams, FarringtonResult, FarringtonOptions, FarringtonStatus, HistoryUsed, PowerTransform, ThresholdMethod } from './farrington.ts';
export type { Explanation } from './explain.ts';
export { findHotspots, emergingHotspots, shrunkRates, benjaminiHochberg, poissonInterval } from './hotspots.ts';
export type { AreaCount, HotspotOptions, HotspotFinding, PeriodAreas, EmergingHotspotFinding, ShrunkRate } from './hotspots.ts';
export { records } from './records.ts';
export type { MonthCount, RecordOptions, RecordFinding } from './records.ts';
export { explainSpike, explainHotspot, explainRecord, chanceWording, durationWords } from './explain.ts';
