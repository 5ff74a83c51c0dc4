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
  /** values at stake (not determined by public data) for which no second consistent set of counts was found */
  uncertified: string[];
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
        // What the code lets anyone prove from a shown value: the true value is within D of it (empty
        // cells are perturbed too, so a figure never says "not empty"; a shown 0 is a value pushed down).
        if (x.shown === 'small') s.add({ terms, lo: 0, hi: threshold - 1 + D, why: `${x.from}: fewer than ${threshold}` });
        else s.add({ terms, lo: Math.max(0, x.shown - D), hi: x.shown + D, why: x.from });
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
  // A certificate, beyond what this solver proves: for each value at stake, a second set of true counts
  // that every reply and every public count is as consistent with as the real one, and that differs in
  // that value. One crime moved between two subgroups of the same police.uk count in one ward-month, or
  // one more or fewer where that count is only an upper bound (and, where the district is the sum of its
  // wards, the same in the district) changes each cell it touches by 1; no attacker of any power can tell
  // the two sets apart, so a certified value cannot be recovered.
  const uncertified: string[] = [];
  if (!options.lenient) {
    const truthOf = await Promise.all(
      full.names.map((n) => {
        const [m, a, mo] = n.split('|') as [string, string, Month];
        return truth(m, a, [mo]);
      }),
    );
    const touching: number[][] = full.names.map(() => []);
    full.constraints.forEach((c, i) => c.terms.forEach(({ v }) => touching[v]!.push(i)));
    const consistent = (delta: Map<number, number>): boolean => {
      const touched = new Set<number>();
      for (const [v, d] of delta) {
        if (truthOf[v]! + d < 0) return false;
        for (const i of touching[v]!) touched.add(i);
      }
      for (const i of touched) {
        const c = full.constraints[i]!;
        let sum = 0;
        for (const { v, a } of c.terms) sum += a * (truthOf[v]! + (delta.get(v) ?? 0));
        if (sum < c.lo || sum > c.hi) return false;
      }
      return true;
    };
    const siblingsOf = new Map(Object.values(PARENTS).flatMap((kids) => kids.map((k) => [k, kids.filter((x) => x !== k)] as const)));
    const alternative = new Map<number, Map<number, number>>();
    const id = (m: string, a: string, mo: string) => full.id(name(m, a, mo));
    for (let v = 0; v < full.names.length; v++) {
      const [m, a, mo] = full.names[v]!.split('|') as [string, string, Month];
      const wards = a === o.district.code ? run.wardCodes : [a];
      // '' = no sibling: one crime more or fewer, where the police.uk count is only an upper bound
      search: for (const sib of [...(siblingsOf.get(m) ?? []), ''])
        for (const ward of wards)
          for (const d of [1, -1]) {
            const pairs: Array<[string, number]> = [
              [ward, d],
              [o.district.code, d],
            ];
            for (const withDistrict of a === o.district.code ? [true] : [false, true]) {
              const delta = new Map<number, number>();
              for (const [area, dd] of withDistrict ? pairs : pairs.slice(0, 1)) {
                const x = id(m, area, mo);
                const y = sib ? id(sib, area, mo) : undefined;
                if (x === undefined || (sib && y === undefined)) continue;
                delta.set(x, (delta.get(x) ?? 0) + dd);
                if (y !== undefined) delta.set(y, (delta.get(y) ?? 0) - dd);
              }
              if (delta.get(v) && consistent(delta)) {
                alternative.set(v, delta);
                break search;
              }
            }
          }
    }
    for (const [n, c] of cells) {
      if (determined(baseline, c) !== null) continue;
      const vs = c.months.map((mo) => id(c.measure, c.area, mo)).filter((v): v is number => v !== undefined);
      const moved = vs.some((v) => {
        const delta = alternative.get(v);
        return delta !== undefined && vs.reduce((sum, u) => sum + (delta.get(u) ?? 0), 0) !== 0;
      });
      if (!moved) uncertified.push(n);
    }
  }
  let width = 0;
  let boundedSmall = 0;
  for (let v = 0; v < full.names.length; v++) {
    width += Math.min(full.hi[v]!, 1e6) - full.lo[v]!;
    if (full.hi[v]! < threshold && full.lo[v] !== full.hi[v]) boundedSmall++;
  }
  return { protectedValues: cells.size, publicOnly, recovered, uncertified, meanWidth: width / Math.max(1, full.names.length), boundedSmall, pinnedRight, pinnedWrong };
}
