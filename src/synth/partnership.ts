// A synthetic partnership extract derived from police.uk ward counts, consistent where they overlap:
//   residential + business and community burglary = police.uk burglary (same ward, same month);
//   ASB personal + nuisance + environmental        = police.uk ASB;
//   violence with injury + without injury + stalking and harassment <= police.uk violence and sexual offences;
// plus domestic abuse crimes (a share of violence), domestic abuse incidents and deliberate fires.
import { writeFileSync } from 'node:fs';
import type { Month } from '../core/periods.ts';
import { calendarMonth } from '../core/periods.ts';
import { Random } from './random.ts';

/** Shares used for the splits (roughly the Home Office subgroup mix for a county force). */
export const PARTNERSHIP_SHARES = {
  residentialBurglary: 0.62,
  violence: { withInjury: 0.27, withoutInjury: 0.35, stalkingHarassment: 0.28 }, // rest: sexual offences etc.
  asb: { personal: 0.22, nuisance: 0.63, environmental: 0.15 },
  domesticAbuseCrimeShareOfViolence: 0.33,
  domesticAbuseIncidentsPerCrime: 0.85,
  deliberateFiresPerCriminalDamage: 0.06,
};

/** Police.uk counts for one ward and month, by measure key. */
/** The measures splitPartnership writes: what a synthetic partnership extract holds. */
export const SYNTHETIC_PARTNERSHIP_MEASURES = [
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
] as const;

export type WardMeasureCounts = Map<string, Record<string, number>>;

export interface PartnershipRow {
  ward: string;
  measure: string;
  count: number;
}

/** Splits one month's police.uk ward counts into partnership measures. Deterministic for `rng`'s state. */
export function splitPartnership(rng: Random, month: Month, wards: WardMeasureCounts): PartnershipRow[] {
  const s = PARTNERSHIP_SHARES;
  const summerFires = [0.7, 0.7, 0.9, 1.2, 1.3, 1.3, 1.4, 1.3, 1.0, 0.9, 0.8, 0.7][calendarMonth(month) - 1]!;
  const rows: PartnershipRow[] = [];
  for (const ward of [...wards.keys()].sort()) {
    const c = wards.get(ward)!;
    const out: Record<string, number> = {};
    const burglary = c['burglary'] ?? 0;
    out['residential-burglary'] = rng.binomial(burglary, s.residentialBurglary);
    out['business-community-burglary'] = burglary - out['residential-burglary'];
    const violence = c['violent-crime'] ?? 0;
    const [vwi, vwoi, sh] = rng.multinomial(violence, [s.violence.withInjury, s.violence.withoutInjury, s.violence.stalkingHarassment]);
    out['violence-with-injury'] = vwi!;
    out['violence-without-injury'] = vwoi!;
    out['stalking-harassment'] = sh!;
    const asb = c['anti-social-behaviour'] ?? 0;
    const [personal, nuisance] = rng.multinomial(asb, [s.asb.personal, s.asb.nuisance]);
    out['asb-personal'] = personal!;
    out['asb-nuisance'] = nuisance!;
    out['asb-environmental'] = asb - personal! - nuisance!;
    const daCrimes = rng.binomial(violence, s.domesticAbuseCrimeShareOfViolence);
    out['domestic-abuse-crimes'] = daCrimes;
    out['domestic-abuse-incidents'] = rng.negativeBinomial(daCrimes * s.domesticAbuseIncidentsPerCrime + 0.2, 10);
    out['deliberate-fires'] = rng.negativeBinomial(((c['criminal-damage-arson'] ?? 0) * s.deliberateFiresPerCriminalDamage + 0.05) * summerFires, 5);
    for (const [measure, count] of Object.entries(out)) if (count > 0) rows.push({ ward, measure, count });
  }
  return rows;
}

/** Writes an aggregated partnership extract (ward level). */
export function writePartnershipCsv(path: string, month: Month, rows: PartnershipRow[]): void {
  const lines = ['month,area_type,area_code,measure,count', ...rows.map((r) => `${month},ward,${r.ward},${r.measure},${r.count}`)];
  writeFileSync(path, lines.join('\n') + '\n');
}
