// Numbers and changes on charts, written the way the analysts write them. The wording itself lives
// in the figures module (src/figures/wording.ts); this adds the chart's defaults.
import { describeChange, formatCount, formatRate, type Change } from '../figures/wording.ts';

export { formatCount, formatRate, type Change };

/** Bases below this get no percentage ("no calc") unless a request says otherwise, as in the seeds' tables. */
export const MIN_PERCENT_BASE = 10;

/** A number for a chart label: counts as integers, rates to one decimal. */
export function formatValue(v: number, unit: 'count' | 'rate'): string {
  return unit === 'count' ? formatCount(v) : formatRate(v);
}

export function change(prev: number | null | undefined, cur: number | null | undefined, noCalcBase = MIN_PERCENT_BASE): Change {
  return describeChange(prev, cur, noCalcBase);
}

/** The chart/list form: "+15%, +123", "-10%, -270", "no calc, +4", "n/a". */
export function changeLabel(prev: number | null | undefined, cur: number | null | undefined, noCalcBase = MIN_PERCENT_BASE): string {
  return change(prev, cur, noCalcBase).short;
}

/** The sentence form: "+15% (+123)", "-10% (-270)", "+4 (no calc)". */
export function changeSentence(prev: number | null | undefined, cur: number | null | undefined, noCalcBase = MIN_PERCENT_BASE): string {
  const c = change(prev, cur, noCalcBase);
  return c.direction === 'unknown' ? 'no comparison (a figure is missing)' : c.paren;
}
