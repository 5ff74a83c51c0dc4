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
