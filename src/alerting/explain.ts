// Each alert in plain English, in the voice of the partnership analysts' documents: the first line
// carries the fact ("Market: residential burglary 12 in May 2024, about 4 expected"), since a phone's
// notification shows little more; then how unusual it is, from the detector's own probability (never a
// fixed phrase), the history used, and what the figures cannot say (police.uk points are snapped: never
// an address). A channel not cleared for small numbers never sees a hidden count or a range that gives
// one away.
import { monthName } from '../core/periods.ts';
import { chanceWording } from '../detect/index.ts';
import { inSentence } from '../figures/area.ts';
import { formatCount, formatRate, noun } from '../figures/wording.ts';
import type { AlertRecord } from '../store/types.ts';
import type { Finding } from './evaluate.ts';

export interface AlertWords {
  /** The fact, for the first line and the notification. */
  headline: string;
  /** Why it is an alert: how unusual, against what, from what history. */
  sentence: string;
}

/** 3.6 -> "3.6", 7.4 -> "7": one decimal only below 5, where it matters. */
export function formatExpected(x: number): string {
  return x < 5 ? String(Math.round(x * 10) / 10) : formatCount(x);
}

/** Whether a number may be shown in a channel not cleared for small numbers. */
export function isSmallNumber(n: number | null, threshold: number): boolean {
  return n !== null && n > 0 && n < threshold;
}

export interface WordingRules {
  /** The channel may see counts below the threshold. */
  smallNumbers: boolean;
  threshold: number;
}

const OPEN_RULES: WordingRules = { smallNumbers: true, threshold: 0 };

/**
 * A stored alert's words for a channel, when there is no finding to word afresh (held back by a mute,
 * acknowledged, closed): as stored unless they give a small number the channel may not see; then the
 * words kept for that threshold, or (alerts stored before those were kept) the fact without the figure.
 */
export function storedAlertWords(a: Pick<AlertRecord, 'areaName' | 'measureLabel' | 'lastMonth' | 'observed' | 'explanation'>, rules: WordingRules): AlertWords {
  if (rules.smallNumbers || !isSmallNumber(a.observed, rules.threshold)) return { headline: a.explanation.headline, sentence: a.explanation.sentence };
  const kept = a.explanation.hidden?.[String(rules.threshold)];
  if (kept) return { headline: kept.headline, sentence: kept.sentence };
  return {
    headline: `${a.areaName}: ${inSentence(a.measureLabel)} fewer than ${rules.threshold} in ${monthName(a.lastMonth)}`,
    sentence: 'The figures behind this alert are small numbers, which this channel is not cleared to see.',
  };
}

/** The words for a finding for every small-number threshold it would be hidden under (for storedAlertWords). */
export function hiddenWords(f: Finding, thresholds: readonly number[]): Record<string, AlertWords> | undefined {
  const out: Record<string, AlertWords> = {};
  for (const threshold of new Set(thresholds)) if (isSmallNumber(f.observed, threshold)) out[String(threshold)] = explainFinding(f, { smallNumbers: false, threshold });
  return Object.keys(out).length ? out : undefined;
}

/** The words for a finding as of its month (open, pending, or resolved this month). */
export function explainFinding(f: Finding, rules: WordingRules = OPEN_RULES): AlertWords {
  const what = inSentence(f.measure.label);
  const when = monthName(f.month);
  const hidden = !rules.smallNumbers && isSmallNumber(f.observed, rules.threshold);
  const count = (n: number) => (hidden ? `fewer than ${rules.threshold}` : formatCount(n));
  const fallback = f.measure.key !== f.requested.key ? ` (${f.effective.notes[0] ?? `showing ${what}`})` : '';
  if (f.observed === null) {
    return {
      headline: `${f.area.name}: ${what}, no figure for ${when}`,
      sentence: `No figure for ${when}: ${f.noData ?? 'the data has not arrived'}. The alert stays open until the figures arrive; a missing month is never taken as back to normal.`,
    };
  }
  switch (f.facts.kind) {
    case 'spike': {
      const r = f.facts.result;
      const expected = r?.expected ?? null;
      const headline = `${f.area.name}: ${what} ${count(f.observed)} in ${when}${expected !== null && !hidden ? `, about ${formatExpected(expected)} expected` : ''}`;
      if (!r) return { headline, sentence: `Not tested for a spike this month.${fallback}` };
      const range = !hidden && r.upperbound !== null ? ` (up to ${formatCount(r.upperbound)} is usual)` : '';
      const verdict = r.alarm
        ? `Higher than expected for the time of year${range}`
        : `Not higher than expected this month${range}; the alert closes once the count has been back to normal for ${f.rule.keepFiring + 1} months`;
      const chance = r.alarm && r.probability !== null && !hidden ? `: ${chanceWording(r.probability)}` : '';
      const history =
        r.history.from && r.history.to
          ? ` Against ${r.history.months} earlier months, ${monthName(r.history.from)} to ${monthName(r.history.to)}${r.trend ? ', allowing for the trend' : ''}${r.history.downweighted ? `, with ${r.history.downweighted} unusual past month${r.history.downweighted === 1 ? '' : 's'} given less weight` : ''}.`
          : '';
      return { headline, sentence: `${verdict}${chance}.${history}${fallback}` };
    }
    case 'hotspot':
    case 'emerging-hotspot': {
      const h = f.facts.finding;
      const headline = `${f.area.name}: ${what} ${count(f.observed)} in ${f.facts.period}${h && !hidden ? `, about ${formatExpected(h.expected)} expected for its population` : ''}`;
      if (!h) return { headline, sentence: `Not tested as a hotspot this month.${fallback}` };
      const ratio = `${h.locationQuotient.toFixed(1)} times its share of ${f.facts.parentName}`;
      const isEmerging = f.facts.kind === 'emerging-hotspot';
      const since = f.state.since && f.state.since !== f.month ? ` since ${monthName(f.state.since)}` : '';
      const still = `${since ? `A hotspot${since}, still` : 'Still'} above its share of ${f.facts.parentName}, though this month not by more than chance would explain`;
      const lead = h.hotspot
        ? isEmerging && !since
          ? `A new hotspot: ${ratio}, not a hotspot in any of the previous ${f.facts.previous} months, nor over the year before`
          : `A hotspot${since}: ${ratio}`
        : still;
      // How the test works (Poisson, the false discovery rate) is said once, in ALERT_METHODS.
      const chance = h.hotspot && !hidden ? `; ${chanceWording(h.pValue, 'ward')}` : '';
      return { headline, sentence: `${lead}${chance}.${fallback}` };
    }
    case 'threshold': {
      const t = f.facts;
      const rule = f.rule.threshold!;
      if (t.value === 'change') {
        const change =
          t.percent !== null && t.absolute !== null && !hidden
            ? `, ${t.percent >= 0 ? 'up' : 'down'} ${Math.abs(t.percent)}% (${t.absolute >= 0 ? '+' : ''}${formatCount(t.absolute)}) on ${t.comparedWith}`
            : '';
        return {
          headline: `${f.area.name}: ${what} ${count(f.observed)} in the ${t.period}${change}`,
          sentence: `The rule: a rise of more than ${rule.above}% and more than ${formatCount(rule.minimumChange)} ${noun(f.measure)} on ${t.comparedWith}, from a base of at least ${formatCount(rule.minimumBase)}${t.previous !== null && !hidden ? ` (${formatCount(t.previous)} then)` : ''}.${fallback}`,
        };
      }
      const shown = t.current === null ? 'n/a' : t.value === 'rate' ? `${formatRate(t.current)} per 1,000 residents` : count(t.current);
      return {
        headline: `${f.area.name}: ${what} ${shown} in the ${t.period}`,
        sentence: `The rule: above ${t.value === 'rate' ? `${formatRate(rule.above)} per 1,000 residents` : formatCount(rule.above)} in the ${t.period}.${fallback}`,
      };
    }
    case 'record': {
      const r = f.facts;
      const since = r.onRecord
        ? `the highest monthly count in the data (which starts in ${r.dataFrom ? monthName(r.dataFrom) : 'the first month loaded'})`
        : r.since
          ? `the highest monthly count since ${monthName(r.since)}`
          : 'not a record this month';
      return {
        headline: `${f.area.name}: ${what} ${count(f.observed)} in ${when}, ${since}`,
        sentence: `${r.since && r.sinceCount !== null && !hidden ? `${monthName(r.since)} had ${formatCount(r.sinceCount)}.` : 'A record for this series.'}${fallback}`,
      };
    }
  }
}

/**
 * How each kind of alert is worked out, said once under "About these figures" (the digest, `/crime
 * alerts`) rather than in every alert's sentence.
 */
export const ALERT_METHODS: Record<string, string> = {
  spike:
    'Spike: the month is compared with the same time of year in earlier years, allowing for the trend, with unusual past months given less weight (the Farrington flexible algorithm used in public health surveillance: Noufaily et al., Statistics in Medicine 2013). It stays open until the count has been back to normal for the months the rule says.',
  hotspot:
    "Hotspot: a ward whose count is higher than its share of the district's population would give, by more than chance would explain (an exact Poisson test, with the Benjamini-Hochberg false discovery rate across the wards compared at once), above the rule's minimum count. It says where counts are high for the population, not why.",
  'emerging-hotspot': 'Emerging hotspot: a ward that is a hotspot in the latest month alone and was not one in the months before (the same exact Poisson test).',
  threshold: 'Rule on a rise or a level: fires when the figure passes the limits set in the rule. It is not a test of chance: it says the count moved, not why.',
  record: 'Record: the highest monthly count in the data. It says how this month compares with the past, not that it is unusual for the time of year.',
};

/** The method paragraphs for the kinds of alert listed, each once, in the order above. */
export function alertMethods(kinds: Iterable<string>): string[] {
  const present = new Set(kinds);
  return Object.entries(ALERT_METHODS)
    .filter(([k]) => present.has(k))
    .map(([, words]) => words);
}

/** The line that says what a ward-level figure cannot tell you. */
export const SNAPPED_POINTS_NOTE =
  'police.uk places each crime at an anonymous map point near where it happened, so a ward figure says roughly where, never an address or a street.';
