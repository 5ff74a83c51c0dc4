// The attack: ordinary questions through the real command path in a channel, every figure the replies
// give turned into a constraint on the hidden counts, and all of them solved together (solver.ts) with
// what anyone knows without Wardwatch: police.uk's open street-level counts, and how the partnership's
// subgroups add up (to police.uk's categories, and wards to their district, wherever that is true of
// the data: the harness checks each equation against the truth before the attacker may use it).
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import { monthRange, type Month } from '../../src/core/periods.ts';
import type { Reply } from '../../src/core/reply.ts';
import { MAX_ADJUSTMENT } from '../../src/figures/disclosure.ts';
import type { Store } from '../../src/store/types.ts';
import { Solver } from './solver.ts';
import { SENSITIVE_MONTHS } from './extract.ts';

export const PARENTS: Record<string, string[]> = {
  burglary: ['residential-burglary', 'business-community-burglary'],
  'violent-crime': ['violence-with-injury', 'violence-without-injury', 'stalking-harassment', 'rape', 'other-sexual-offences'],
  'anti-social-behaviour': ['asb-personal', 'asb-nuisance', 'asb-environmental'],
};
export const SENSITIVE = new Set(['rape', 'other-sexual-offences']);
export const PROTECTED = new Set(Object.values(PARENTS).flat());
const TYPED: Record<string, string> = {
  'residential-burglary': 'residential burglary',
  'business-community-burglary': 'business and community burglary',
  'violence-with-injury': 'violence with injury',
  'violence-without-injury': 'violence without injury',
  'stalking-harassment': 'stalking and harassment',
  'asb-personal': 'asb personal',
  'asb-nuisance': 'asb nuisance',
  'asb-environmental': 'asb environmental',
  rape: 'rape',
  'other-sexual-offences': 'other sexual offences',
  burglary: 'burglary',
  'violent-crime': 'violence',
  'anti-social-behaviour': 'asb',
};
const MONTH_WORDS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const monthWords = (m: Month) => `${MONTH_WORDS[Number(m.slice(5)) - 1]} ${m.slice(0, 4)}`;

export interface AttackOptions {
  store: Store;
  channel: string;
  /** Wards asked about one by one (names as typed), in the district below. */
  wards: string[];
  district: { name: string; code: string };
  /** Months asked about (oldest first); the year ending each one is in its reply. */
  months: Month[];
  measures: string[];
  now?: Date;
}

export interface Observation {
  measure: string;
  area: string;
  months: Month[];
  /** the shown value, or 'small' ("fewer than 5") */
  shown: number | 'small';
  from: string;
}

export interface AttackRun {
  questions: number;
  replies: Reply[];
  observations: Observation[];
  refused: number;
  wardCodes: string[];
  byName: Map<string, string>;
}

/** Asks the questions and reads every protected figure the replies give. */
export async function runQuestions(o: AttackOptions): Promise<AttackRun> {
  const { config } = loadConfig();
  const ctx = () => makeContext({ store: o.store, config, channel: o.channel, now: o.now ?? new Date('2024-05-20T09:00:00Z') });
  const wardAreas = (await o.store.children(o.district.code)).filter((a) => a.type === 'ward');
  const byName = new Map(wardAreas.map((a) => [a.name, a.code]));
  const observations: Observation[] = [];
  const replies: Reply[] = [];
  let questions = 0;
  let refused = 0;
  const ask = async (text: string): Promise<Reply> => {
    questions++;
    const r = await answer(text, ctx());
    replies.push(r);
    if (r.kind === 'error') refused++;
    else read(r, text);
    return r;
  };
  const small = (text: unknown) => typeof text === 'string' && /^fewer than \d/.test(text);

  function read(r: Reply, text: string): void {
    const d = r.data as any;
    if (!d) return;
    const measure: string | undefined = d.measure?.key;
    if (!measure) return;
    const push = (area: string, months: Month[], shown: number | 'small' | null | undefined) => {
      if (shown === null || shown === undefined || !PROTECTED.has(measure)) return;
      observations.push({ measure, area, months, shown, from: text });
    };
    // ask and compare: the series and every count figure with its months
    const perArea: Array<{ code: string; series: any[]; figures: any[]; periods: any; suppressed: any[] }> = [];
    if (d.referenceMonth && d.area?.code)
      perArea.push({ code: d.area.code, series: d.series ?? [], figures: d.figures ?? [], periods: d.periods ?? {}, suppressed: d.suppressed ?? [] });
    if (d.areas && d.series && !Array.isArray(d.series))
      for (const a of d.areas)
        perArea.push({
          code: a.code,
          series: d.series[a.code] ?? [],
          figures: d.figures?.[a.code] ?? [],
          periods: d.periods?.[a.code] ?? {},
          suppressed: d.suppressed?.[a.code] ?? [],
        });
    for (const a of perArea) {
      const smallMonths = new Set(a.suppressed.filter((s: any) => s.reason === 'small number' && s.id.startsWith('m:')).map((s: any) => s.id.slice(2)));
      for (const p of a.series) push(a.code, [p.month], p.count ?? (smallMonths.has(p.month) ? 'small' : null));
      for (const f of a.figures) {
        const per = a.periods[f.id];
        if (!per) continue;
        const months = monthRange(per.from, per.to);
        if (f.value !== null && f.value !== undefined) {
          push(a.code, months, f.value);
          // "57 (-3%, -2)": the change gives the previous period's value
          const change = /\(([^()]*), ([+-]?[\d,]+)\)$/.exec(f.display ?? '') ?? /\(([+-][\d,]+)\)$/.exec(f.display ?? '');
          if (per.previous && change) {
            const delta = Number(change[change.length - 1]!.replace(/,/g, ''));
            if (Number.isFinite(delta)) push(a.code, monthRange(per.previous.from, per.previous.to), f.value - delta);
          }
        } else if (small(f.display)) push(a.code, months, 'small');
      }
    }
    // top: the table's counts, the district's count
    if (Array.isArray(d.ranking) && d.period && r.table) {
      const col = r.table.columns.indexOf('Count');
      const months = monthRange(d.period.from, d.period.to);
      d.ranking.forEach((row: any, i: number) => {
        const cell = r.table!.rows[i]?.[col];
        push(row.code, months, row.count ?? (small(cell) ? 'small' : null));
      });
      if (d.reference?.count !== undefined && d.area?.code) push(d.area.code, months, d.reference.count);
    }
    // map: the wards' counts
    if (Array.isArray(d.wards) && d.period) {
      const months = monthRange(d.period.from, d.period.to);
      for (const w of d.wards) push(w.code, months, w.count ?? (w.hidden === 'small-number' ? 'small' : null));
    }
    // breakdowns: each row for the period and the year before
    if (d.breakdown && r.table) {
      const per = d.breakdown.months as { from: Month; to: Month };
      const prev = d.breakdown.previousMonths as { from: Month; to: Month };
      d.breakdown.rows.forEach((row: any, i: number) => {
        const obs = (months: Month[], v: number | null, text: unknown) => {
          const shown = v ?? (small(text) ? 'small' : null);
          if (shown !== null && PROTECTED.has(row.key)) observations.push({ measure: row.key, area: d.area.code, months, shown, from: `${r.title} (by type)` });
        };
        obs(monthRange(per.from, per.to), row.count, r.table!.rows[i]?.[1]);
        obs(monthRange(prev.from, prev.to), row.previous, null);
      });
    }
  }

  const places = [...o.wards, o.district.name];
  for (const measure of o.measures) {
    for (const place of places) for (const m of o.months) await ask(`${place} ${TYPED[measure]} ${monthWords(m)}`);
    for (const m of o.months) await ask(`top ${TYPED[measure]} ${o.district.name} ${monthWords(m)}`);
    await ask(`top ${TYPED[measure]} ${o.district.name} fytd`);
    await ask(`map ${TYPED[measure]} ${o.district.name}`);
    await ask(`compare ${o.wards[0]} ${o.wards[1]} ${TYPED[measure]}`);
  }
  for (const parent of Object.keys(PARENTS))
    for (const place of places) for (const period of ['fytd', 'ye mar', '2023/24', 'ye jan']) await ask(`${place} ${TYPED[parent]} by type ${period}`);
  return { questions, replies, observations, refused, wardCodes: wardAreas.map((a) => a.code), byName };
}

export interface SolveReport {
  /** protected values the attacker is trying to learn: base cells and every protected cell a reply showed */
  protectedValues: number;
  /** of them, determined by public data and structure alone (e.g. the subgroups of a police.uk zero) */
  publicOnly: number;
  /** determined exactly with the replies, beyond what public data determines */
  recovered: Array<{ name: string; value: number }>;
  /** mean width of the interval the attacker can prove for a base cell (upper - lower) */
  meanWidth: number;
  /** base cells with a proven upper bound below the threshold */
  boundedSmall: number;
}

/**
 * Solves everything the run observed, with public data and structure, at an assumed largest
 * adjustment (the ptable's true one: what can be proven; a smaller one: what a guessing attacker
 * would conclude, possibly wrongly). `truth` gives the exact count of a cell.
 */
export async function solveAttack(
  run: AttackRun,
  o: AttackOptions,
  truth: (measure: string, area: string, months: Month[]) => Promise<number>,
  options: { adjustment?: number; lenient?: boolean; threshold?: number } = {},
): Promise<SolveReport & { pinnedRight: number; pinnedWrong: number }> {
  const D = options.adjustment ?? MAX_ADJUSTMENT;
  const threshold = options.threshold ?? 5;
  const protectedMeasures = new Set(run.observations.map((x) => x.measure));
  const areas = [...run.wardCodes, o.district.code];
  const allMonths = [...new Set(run.observations.flatMap((x) => x.months))].sort();
  const name = (m: string, a: string, mo: Month) => `${m}|${a}|${mo}`;

  const build = async (withReplies: boolean) => {
    const s = new Solver();
    const vars = (m: string, a: string, months: Month[]) => months.map((mo) => ({ v: s.variable(name(m, a, mo)), a: 1 as const }));
    // structure and public data: police.uk category = sum of its subgroups (where true), district = sum of wards (where true)
    for (const [parent, kids] of Object.entries(PARENTS)) {
      const kidsHere = kids.filter((k) => protectedMeasures.has(k) || SENSITIVE.has(k));
      for (const area of areas)
        for (const mo of allMonths) {
          const police = await truth(parent, area, [mo]);
          const sum = (await Promise.all(kids.map((k) => truth(k, area, [mo])))).reduce((x, y) => x + y, 0);
          const terms = kidsHere.flatMap((k) => vars(k, area, [mo]));
          const all = kidsHere.length === kids.length && (parent !== 'violent-crime' || (SENSITIVE_MONTHS as readonly string[]).includes(mo));
          if (all && sum === police) s.add({ terms, lo: police, hi: police, why: `police.uk ${parent} ${area} ${mo}` });
          else s.add({ terms, lo: 0, hi: police, why: `police.uk ${parent} ${area} ${mo} (at most)` });
        }
    }
    for (const m of [...protectedMeasures, ...SENSITIVE])
      for (const mo of allMonths) {
        const parts = await Promise.all(run.wardCodes.map((w) => truth(m, w, [mo])));
        if (parts.reduce((x, y) => x + y, 0) === (await truth(m, o.district.code, [mo])))
          s.add({
            terms: [...run.wardCodes.flatMap((w) => vars(m, w, [mo])), { v: s.variable(name(m, o.district.code, mo)), a: -1 }],
            lo: 0,
            hi: 0,
            why: `${m} ${mo}: district = its wards`,
          });
      }
    if (withReplies)
      for (const x of run.observations) {
        const terms = vars(x.measure, x.area, x.months);
        if (x.shown === 'small') s.add({ terms, lo: 0, hi: threshold - 1 + D, why: `${x.from}: fewer than ${threshold}` });
        // zero cells are never perturbed, so a shown value of 1 or more says the cell is not empty
        else s.add({ terms, lo: Math.max(x.shown > 0 ? 1 : 0, x.shown - D), hi: x.shown + D, why: x.from });
      }
    s.lenient = options.lenient ?? false;
    s.solve();
    return s;
  };
  const baseline = await build(false);
  const full = await build(true);

  // The values at stake: every base cell, and every protected cell a reply showed.
  const cells = new Map<string, { measure: string; area: string; months: Month[] }>();
  for (const n of full.names) {
    const [measure, area, mo] = n.split('|') as [string, string, Month];
    cells.set(n, { measure, area, months: [mo] });
  }
  for (const x of run.observations) cells.set(`${x.measure}|${x.area}|${x.months[0]}..${x.months[x.months.length - 1]}`, x);
  const determined = (s: Solver, c: { measure: string; area: string; months: Month[] }) => {
    const terms = c.months.map((mo) => ({ v: s.variable(name(c.measure, c.area, mo)), a: 1 as const }));
    const [lo, hi] = s.sumBounds(terms);
    return lo === hi ? lo : null;
  };
  const recovered: SolveReport['recovered'] = [];
  let publicOnly = 0;
  let pinnedRight = 0;
  let pinnedWrong = 0;
  for (const [n, c] of cells) {
    if (determined(baseline, c) !== null) {
      publicOnly++;
      continue;
    }
    const v = determined(full, c);
    if (v === null) continue;
    const t = await truth(c.measure, c.area, c.months);
    if (v === t) pinnedRight++;
    else pinnedWrong++;
    recovered.push({ name: n, value: v });
  }
  let width = 0;
  let boundedSmall = 0;
  for (let v = 0; v < full.names.length; v++) {
    width += Math.min(full.hi[v]!, 1e6) - full.lo[v]!;
    if (full.hi[v]! < threshold && full.lo[v] !== full.hi[v]) boundedSmall++;
  }
  return { protectedValues: cells.size, publicOnly, recovered, meanWidth: width / Math.max(1, full.names.length), boundedSmall, pinnedRight, pinnedWrong };
}
