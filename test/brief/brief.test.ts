// The monthly summary and the chair's brief, built from the fixtures (real police.uk months with the
// synthetic history): every number against the figures engine and the store's own counts, the seeds'
// wording of changes, one meaning of "2024/25", suppression in an uncleared channel (in the model and in
// the PDF's text as pdftotext reads it), the PDF's headings, figures, licence lines and page count.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrief, type BriefModel } from '../../src/brief/brief.ts';
import { sawSentence } from '../../src/brief/figures.ts';
import { buildMonthlySummary } from '../../src/brief/summary.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer, type CommandContext } from '../../src/core/dispatch.ts';
import { yearEnding, previousYear, reportingYearFromLabel } from '../../src/core/periods.ts';
import type { Reply } from '../../src/core/reply.ts';
import { computeAreaFigures } from '../../src/figures/area.ts';
import { measureFor } from '../../src/figures/data.ts';
import { describeChange, formatCount } from '../../src/figures/wording.ts';
import { resolvePeriod } from '../../src/resolve/period.ts';
import { drawBriefPdf } from '../../src/service/briefs.ts';
import type { Store } from '../../src/store/types.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const { config } = loadConfig('wardwatch.config.yaml');
const NOW = new Date('2024-06-10T09:00:00Z');
const CAMBRIDGE = 'E07000008';
const MARKET = 'E05013057';

let t: TempStore;
let store: Store;
let dir: string;
const ctxFor = (channel: string): CommandContext => makeContext({ store, config, channel, now: NOW });

/** The store's own sum of a measure's police.uk categories over a year, for one area. */
async function storeSum(area: string, measures: string[], from: string, to: string): Promise<number> {
  const rows = await store.counts({ areaCodes: [area], measures, source: 'police.uk', from, to });
  return rows.reduce((s, r) => s + r.count, 0);
}

function pdfText(pdf: Buffer, name: string): { text: string; pages: number } {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return { text, pages: Number(/Pages:\s+(\d+)/.exec(info)![1]) };
}

beforeAll(async () => {
  t = await fixtureStore({ history: true });
  store = t.store;
  dir = mkdtempSync(join(tmpdir(), 'wardwatch-brief-'));
}, 300_000);
afterAll(async () => {
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the brief from the fixtures', () => {
  let csp: BriefModel;
  let analysts: BriefModel;
  beforeAll(async () => {
    csp = await buildBrief(ctxFor('cambridge-csp'), { meetingDate: '2024-06-25' });
    analysts = await buildBrief(ctxFor('cambridge-analysts'), { meetingDate: '2024-06-25' });
  }, 120_000);

  it('covers the year ending the latest month, the year before and the base year, named in the partnership terms', () => {
    expect(csp.month).toBe('2024-04');
    expect(csp.periods.current).toMatchObject({ from: '2023-05', to: '2024-04', label: 'year ending April 2024', short: 'YE Apr 2024' });
    expect(csp.periods.previous).toMatchObject({ from: '2022-05', to: '2023-04' });
    expect(csp.periods.base).toMatchObject({ from: '2020-05', to: '2021-04' }); // baseYearsBack 3
    // One meaning of "2024/25": Cambridge's reporting year ending September, as the query parser reads it too.
    expect(csp.periods.reportingYear).toMatchObject({ from: '2022-10', to: '2023-09', short: '2022/23' });
    expect(reportingYearFromLabel('2022/23', 9)).toMatchObject({ from: '2022-10', to: '2023-09' });
    expect(csp.periods.reportingYearToDate).toMatchObject({ from: '2023-10', to: '2024-04', label: '2023/24 to April' });
    expect(csp.coverage.notPublished).toEqual([{ month: '2024-05', words: 'police.uk publishes May around the end of June' }]);
    expect(csp.coverage.words.join(' ')).toContain('"2023/24" is October 2023 to September 2024');
  });

  it('gives every scanning-table number as the figures engine and the store compute it', async () => {
    const tax = ctxFor('cambridge-analysts').taxonomy;
    const area = (await store.area(CAMBRIDGE))!;
    const ye = yearEnding('2024-04');
    const latest = resolvePeriod({ kind: 'latest' }, '2024-04', 9);
    if (!latest.ok) throw new Error('period');
    const force = (await store.areas('force'))[0]!;
    for (const row of analysts.scanning) {
      const eff = await measureFor(store, tax, area, tax.get(row.key)!);
      if ('unavailable' in eff) throw new Error(row.key);
      const f = await computeAreaFigures({
        store,
        taxonomy: tax,
        area,
        measure: eff,
        period: latest.period,
        latest: '2024-04',
        rules: { noCalcBase: 10, reportingYearEnd: 9, smallNumberThreshold: 5, clearedForSmallNumbers: true, seriesMonths: 35 },
      });
      const yeFigure = f.figures.find((x) => x.id === 'year-ending')!;
      expect(row.current, row.key).toBe(yeFigure.value);
      expect(yeFigure.display, row.key).toBe(`${row.currentText} ${row.changeText}`);
      const rate = f.figures.find((x) => x.id === 'rate');
      if (rate?.value != null) expect(Number(row.rateText), row.key).toBeCloseTo(rate.value, 5);
    }
    // And against the raw counts: police.uk measures summed by the store, base year included.
    const policeKeys = (key: string) => (key === 'all-crime' ? tax.get('all-crime')!.policeUkMembers! : [key]);
    for (const key of ['all-crime', 'anti-social-behaviour', 'shoplifting', 'drugs']) {
      const row = analysts.scanning.find((r) => r.key === key)!;
      const cur = await storeSum(CAMBRIDGE, policeKeys(key), ye.from, ye.to);
      const prev = await storeSum(CAMBRIDGE, policeKeys(key), previousYear(ye).from, previousYear(ye).to);
      const base = await storeSum(CAMBRIDGE, policeKeys(key), '2020-05', '2021-04');
      expect([row.current, row.previous, row.base]).toEqual([cur, prev, base]);
      expect(row.change).toEqual(describeChange(prev, cur, 10));
      expect(row.changeText).toBe(`(${describeChange(prev, cur, 10).short})`);
      expect(row.longTermText).toBe(`(${describeChange(base, cur, 10).short})`);
      // The county rate is the force area's year over its population.
      const county = await storeSum(force.code, policeKeys(key), ye.from, ye.to);
      const pops = await store.populations(config.forceArea.districts ?? []);
      const countyPop = (await store.population(force.code))?.population ?? [...pops.values()].reduce((s, p) => s + p.population, 0);
      expect(Number(row.countyRateText)).toBeCloseTo((county / countyPop) * 1000, 1);
    }
  });

  it('flags by the stated rule: rising and falling at 10% on a base of 50, unusual from the spike test', () => {
    for (const r of analysts.scanning) {
      if (r.unusual) expect(r.flag).toBe('unusual');
      else if (r.change?.percent == null || (r.previous ?? 0) < 50) expect(r.flag).toBeNull();
      else expect(r.flag).toBe(r.change.percent >= 10 ? 'rising' : r.change.percent <= -10 ? 'falling' : 'stable');
    }
    expect(analysts.flagRules.join(' ')).toMatch(/Rising: the year ending is up 10% or more.*Falling.*Stable: within 10%.*Unusual: April 2024 was higher than expected/);
  });

  it('words changes as the seeds do, and lists ward changes as "Market (+15%, +123)" on a minimum base', () => {
    const shoplifting = analysts.scanning.find((r) => r.key === 'shoplifting')!;
    const c = shoplifting.change!;
    expect(sawSentence(shoplifting)).toBe(`Shoplifting saw ${c.direction === 'up' ? 'an increase' : 'a decrease'} of ${Math.abs(c.percent!)}% (${c.absoluteText} offences)`);
    const all = analysts.wardChanges.find((w) => w.key === 'all-crime')!;
    for (const w of [...all.rises, ...all.falls]) {
      expect(w.previous).toBeGreaterThanOrEqual(20);
      expect(w.text).toBe(`${w.name} (${describeChange(w.previous, w.current, 10).short})`);
      expect(w.text).toMatch(/^[A-Z][A-Za-z' ]+ \([+-]?\d+%, [+-]?[\d,]+\)$/);
    }
    const market = all.rises.concat(all.falls).find((w) => w.code === MARKET);
    if (market) expect(market.current).toBeGreaterThan(1000);
    // The largest rises: by percentage, never on a base under 50.
    for (const s of [...analysts.largest.rises, ...analysts.largest.falls]) expect(s).toMatch(/^.+ saw an? (increase|decrease) of \d+% \([+-][\d,]+ (offences|incidents)\)\.$/);
  });

  it('hides what an uncleared channel may not see, in the model', () => {
    expect(csp.notShown).toContain('Domestic abuse crimes');
    expect(csp.scanning.some((r) => r.key === 'domestic-abuse-crimes')).toBe(false);
    expect(csp.priorities.find((p) => p.key === 'domestic-abuse-crimes')!.sentence).toMatch(/not shown in this channel/);
    // Counts from 1 to 4 never appear: not in the table, not in ward lists, not in chart series.
    for (const r of csp.scanning) for (const v of [r.current, r.previous, r.base]) if (v !== null) expect(v === 0 || v >= 5, r.key).toBe(true);
    for (const w of csp.wardChanges) for (const x of [...w.rises, ...w.falls]) expect(x.current === 0 || x.current >= 5).toBe(true);
    for (const c of csp.charts) if (c.request.kind === 'trend') for (const p of c.request.series) if (p.count !== null) expect(p.count === 0 || p.count >= 5).toBe(true);
    expect(csp.caveats.join(' ')).toMatch(/Not shown in this channel: Domestic abuse crimes/);
    expect(JSON.stringify(csp)).not.toMatch(/significant/i);
  });

  it('draws a PDF whose text has the headings, the figures and the licence lines; nothing the channel may not see', async () => {
    const started = performance.now();
    const { text, pages } = pdfText(await drawBriefPdf(store, csp), 'csp');
    const ms = performance.now() - started;
    console.log(`Cambridge brief PDF: ${pages} pages in ${Math.round(ms)} ms`);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(pages).toBeLessThanOrEqual(10);
    for (const heading of [
      "Chair's brief",
      'Cambridge City Community Safety Partnership',
      'Tuesday 25 June 2024',
      'Data published to',
      'Headline',
      'Scanning table: year ending April 2024',
      'How the flags are set',
      'Priorities',
      'Notable ward changes',
      'Ward map and hotspots',
      'Alerts since',
      'Charts',
      'Caveats',
      'Sources and licences',
    ])
      expect(text, heading).toContain(heading);
    expect(text).toContain(`Page 1 of ${pages}`);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text.match(/Contains public sector information licensed under the Open Government Licence v3\.0/g)!.length).toBeGreaterThanOrEqual(pages);
    expect(text).toContain('Contains OS data © Crown copyright and database right');
    expect(text).toContain('police.uk publishes May around the end of June');
    const flat = text.replace(/\s+/g, ' ');
    const all = csp.scanning.find((r) => r.key === 'all-crime')!;
    expect(flat).toContain(`All crime (excluding ASB) ${all.currentText} ${all.changeText.slice(1, -1)} ${all.longTermText.slice(1, -1)}`);
    const rising = csp.wardChanges[0]!.rises[0]!;
    expect(flat).toContain(rising.text);
    // The repeated header: the hotspot table runs onto a second page with its header again, or fits on one.
    expect(text.match(/Measure\s+Ward\s+Count/g)!.length).toBeGreaterThanOrEqual(1);
    // Nothing of what the channel may not see.
    expect(text).not.toMatch(/Domestic abuse crimes\s+[\d,]+/);
    expect(text).not.toMatch(/significant/i);
    expect(text).not.toMatch(/Rape|Other sexual offences\s+\d/);
  }, 120_000);

  it('shows the sensitive measure only to the channel cleared for it', async () => {
    const row = analysts.scanning.find((r) => r.key === 'domestic-abuse-crimes');
    const priority = analysts.priorities.find((p) => p.key === 'domestic-abuse-crimes')!;
    expect(priority.sentence).not.toMatch(/not shown in this channel/);
    const { text } = pdfText(await drawBriefPdf(store, analysts), 'analysts');
    expect(text).toContain('Domestic abuse crimes');
    if (row) expect(text.replace(/\s+/g, ' ')).toContain(`Domestic abuse crimes * ${row.currentText}`);
  }, 120_000);
});

describe('the monthly summary', () => {
  let reply: Reply;
  beforeAll(async () => {
    reply = await buildMonthlySummary(ctxFor('cambridge-csp'), { month: '2024-04' });
  }, 120_000);

  it('gives the month, its changes on last month and the same month last year, as the store counts them', async () => {
    const members = ctxFor('cambridge-csp').taxonomy.get('all-crime')!.policeUkMembers!;
    const apr = await storeSum(CAMBRIDGE, members, '2024-04', '2024-04');
    const mar = await storeSum(CAMBRIDGE, members, '2024-03', '2024-03');
    const apr23 = await storeSum(CAMBRIDGE, members, '2023-04', '2023-04');
    const f = reply.figures.find((x) => x.id === 'month:all-crime')!;
    expect(f.value).toBe(apr);
    const dm = describeChange(mar, apr, 10);
    const dy = describeChange(apr23, apr, 10);
    const words = (c: typeof dm) => `${c.direction === 'up' ? 'up' : 'down'} ${Math.abs(c.percent!)}% (${c.absoluteText})`;
    expect(f.wording).toBe(`All crime (excluding ASB): ${formatCount(apr)} offences in April 2024, ${words(dm)} on March 2024 and ${words(dy)} on April 2023.`);
    expect(reply.title).toBe('Monthly summary: April 2024, Cambridge City Community Safety Partnership');
    expect(reply.chart?.kind).toBe('trend');
  });

  it('lists the three largest rises and falls on a minimum base, the priorities with their trend, and never says significant', () => {
    const data = reply.data as {
      rises: Array<{ sentence: string }>;
      falls: Array<{ sentence: string }>;
      rows: Array<{ key: string; previous: number | null; change: { percent: number | null } | null }>;
    };
    expect(data.rises.length).toBeLessThanOrEqual(3);
    expect(data.falls.length).toBeLessThanOrEqual(3);
    for (const r of [...data.rises, ...data.falls]) expect(r.sentence).toMatch(/ saw an? (increase|decrease) of \d+% \([+-][\d,]+ (offences|incidents)\)$/);
    const keys = [...data.rises, ...data.falls].map((r) => r.sentence.split(' saw ')[0]);
    for (const k of keys) {
      const row = data.rows.find((x) => k === (x as unknown as { label: string }).label)!;
      expect(row.previous!).toBeGreaterThanOrEqual(50);
    }
    expect(reply.table!.columns[0]).toBe('Priority');
    expect(reply.table!.rows.map((r) => r[0])).toEqual(['Violence and sexual offences', 'Acquisitive crime', 'Shoplifting', 'Anti-social behaviour']);
    expect(JSON.stringify(reply)).not.toMatch(/significant/i);
    expect(reply.notes.join(' ')).toMatch(/Active alerts: /);
  });
});

describe('/crime brief in chat', () => {
  it('answers with a short card and the PDF attached, for the channel that asked', async () => {
    const reply = await answer('brief', ctxFor('cambridge-csp'));
    expect(reply.kind).toBe('brief');
    expect(reply.attachment).toEqual({
      kind: 'brief-pdf',
      partnership: 'cambridge',
      channel: 'cambridge-csp',
      month: '2024-04',
      meetingDate: '2026-02-24',
      filename: 'cambridge-brief-2026-02-24.pdf',
      title: "Chair's brief: Cambridge City Community Safety Partnership, Tuesday 24 February 2026",
    });
    expect(reply.figures.find((f) => f.id === 'year-ending:all-crime')!.display).toMatch(/^[\d,]+ \([+-]?\d+%, [+-]?[\d,]+\)$/);
  }, 120_000);

  it('refuses a partnership outside the channel, and gives the summary on `brief summary`', async () => {
    const refused = await answer('brief fenland', ctxFor('cambridge-csp'));
    expect(refused.kind).toBe('error');
    expect(refused.title).toBe('Outside this partnership');
    const county = await answer('brief cambridge', ctxFor('countywide-board'));
    expect(county.attachment?.partnership).toBe('cambridge');
    const summary = await answer('brief summary', ctxFor('fenland-csp'));
    expect(summary.title).toMatch(/^Monthly summary: April 2024, Fenland/);
  }, 120_000);
});
