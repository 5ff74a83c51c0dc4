// Alerts under the disclosure policy (found sweeping issue 16): alert rules were judged on exact series,
// so #cambridge-csp's digest said "East Chesterton: residential burglary 12 in March 2024" while the
// same channel's `/crime` answer for that ward and month gave the perturbed value, and an alert's firing
// said "at least 5" of a protected count. Now alerts on protected measures are judged on the perturbed
// figures (src/figures/disclosure.ts alertDisclosure): every number an alert gives is the one the
// channel's own reply gives, and police.uk measures stay exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAlertPipeline, type PipelineResult } from '../../src/alerting/pipeline.ts';
import { loadRules } from '../../src/alerting/rules.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import { monthName, type Month } from '../../src/core/periods.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const { config, alertRulesDir } = loadConfig();
const rules = loadRules(alertRulesDir, config);
const MONTHS: Month[] = ['2024-01', '2024-02', '2024-03', '2024-04'];
let t: TempStore;
const runs = new Map<Month, PipelineResult>();
beforeAll(async () => {
  t = await fixtureStore({ history: true });
  for (const month of MONTHS) runs.set(month, await runAlertPipeline({ store: t.store, config, rules, month, trigger: 'manual', dryRun: true }));
}, 600_000);
afterAll(() => t?.cleanup());

const now = new Date('2024-05-20T09:00:00Z');
const monthFigure = async (area: string, measure: string, month: Month, channel: string) => {
  const r = await answer(`${area} ${measure} ${monthName(month).toLowerCase()}`, makeContext({ store: t.store, config, channel, now }));
  const f = (r.data as any)?.figures?.find((x: any) => x.id === 'month');
  return { value: f?.value ?? null, display: f?.display as string | undefined, mode: (r.data as any)?.disclosure?.mode };
};

describe('alerts under the disclosure policy', () => {
  it('a partnership measure alert gives the perturbed count the channel is shown, never the exact one', async () => {
    let compared = 0;
    let differs = 0;
    for (const [month, run] of runs) {
      for (const f of run.findings.filter((x) => x.measure === 'residential-burglary' || x.measure === 'violence-with-injury')) {
        if (f.observed === null || !f.areaCode.startsWith('E05')) continue;
        const label = f.measure === 'residential-burglary' ? 'residential burglary' : 'violence with injury';
        const shown = await monthFigure(f.areaName, label, month, 'cambridge-csp');
        if (shown.mode !== 'perturbed') continue; // a ward outside Cambridge's partnership: not this channel's to ask
        if (shown.display === 'not shown') continue; // hidden beside another hidden figure in that reply
        const exact = await monthFigure(f.areaName, label, month, 'cambridge-analysts');
        expect(exact.mode).toBe('exact');
        // the alert's count is the channel's shown cell (below 5 it reads "fewer than 5" there)
        if (shown.value !== null) expect(f.observed, `${f.rule} ${f.areaName} ${month}`).toBe(shown.value);
        else expect(f.observed, `${f.rule} ${f.areaName} ${month}: ${JSON.stringify(shown)}`).toBeLessThan(5);
        compared++;
        if (f.observed !== exact.value) differs++;
      }
    }
    expect(compared).toBeGreaterThan(5);
    expect(differs).toBeGreaterThan(0); // perturbed, not exact
    // and the digest lines of #cambridge-csp carry those counts, not the exact ones
    let lines = 0;
    for (const run of runs.values())
      for (const l of run.digests.filter((d) => d.channel === 'cambridge-csp').flatMap((d) => d.alerts) as any[]) {
        const f = run.findings.find((x) => x.rule === l.rule && x.areaCode === l.areaCode && x.month === run.month);
        if (!f || (l.measure !== 'residential-burglary' && l.measure !== 'violence-with-injury')) continue;
        expect(l.observed).toBe(f.observed);
        lines++;
      }
    expect(lines).toBeGreaterThan(0);
  });

  it('a police.uk measure alert stays exact', async () => {
    const police = [...runs.entries()].flatMap(([month, r]) => r.findings.filter((f) => f.rule === 'all-crime-district-spike' && f.observed !== null).map((f) => ({ month, f })));
    expect(police.length).toBeGreaterThan(0);
    for (const { month, f } of police.slice(0, 8)) {
      const shown = await monthFigure(f.areaName, 'all crime', month, 'countywide-board');
      expect(shown.mode).toBe('exact');
      expect(f.observed, `${f.areaName} ${month}`).toBe(shown.value);
    }
  });
});
