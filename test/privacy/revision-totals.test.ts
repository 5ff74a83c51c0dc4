// A re-published partnership month's force-wide total (found sweeping issue 16): the note "April 2024
// (partnership) was re-published ...: these figures use the new version (force-wide total X -> Y)" gave
// the exact total of the whole extract, every measure, sensitive ones too, in the board brief of a
// channel that sees partnership figures perturbed, and in replies of a channel cleared for small numbers
// but not for sensitive measures. The total is built from protected cells, so it is given only where
// every one of them is exact (cleared for small numbers and sensitive measures); police.uk's stays.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrief } from '../../src/brief/brief.ts';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { Reply } from '../../src/core/reply.ts';
import { FIXTURE_PATHS } from '../../src/ingest/fixture-paths.ts';
import { ingestPaths } from '../../src/ingest/index.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const { config } = loadConfig();
const now = new Date('2024-05-20T09:00:00Z');
let t: TempStore;
beforeAll(async () => {
  t = await fixtureStore({ history: true });
  // April 2024's extract again, one count changed: a re-publication (a revision with both totals)
  const original = readFileSync(join(FIXTURE_PATHS.partnership, 'synthetic-partnership-2024-04.csv'), 'utf8').trimEnd().split('\n');
  const [header, first, ...rest] = original;
  const cells = first!.split(',');
  cells[4] = String(Number(cells[4]) + 3);
  const file = join(t.dir, 'synthetic-partnership-2024-04.csv');
  writeFileSync(file, `${[header, cells.join(','), ...rest].join('\n')}\n`);
  await ingestPaths(t.store, [file], { config, now: () => now });
  expect((await t.store.releases()).some((r) => r.source === 'partnership' && r.month === '2024-04' && r.revision)).toBe(true);
}, 300_000);
afterAll(() => t?.cleanup());

const ctx = (channel: string, clearance?: { smallNumbers: boolean; sensitive: boolean }) => {
  const c = makeContext({ store: t.store, config, channel, now });
  return clearance ? { ...c, channel: { ...c.channel, clearance } } : c;
};
const notes = (r: Reply) => r.notes.join(' ');

describe("a re-published partnership month's force-wide total", () => {
  it('is given in a channel cleared for everything, and not beside perturbed figures', async () => {
    const cleared = await answer('market residential burglary', ctx('cambridge-analysts'));
    expect(notes(cleared)).toMatch(/April 2024 \(partnership\) was re-published.*\(force-wide total \d+ -> \d+\)/);
    const open = await answer('market residential burglary', ctx('cambridge-csp'));
    expect(notes(open)).toMatch(/April 2024 \(partnership\) was re-published/);
    expect(notes(open)).not.toMatch(/force-wide total/);
  });

  it('is not given where small numbers are cleared but sensitive measures are not (it holds them)', async () => {
    const r = await answer('market residential burglary', ctx('cambridge-analysts', { smallNumbers: true, sensitive: false }));
    expect((r.data as any).disclosure.mode).toBe('exact');
    expect(notes(r)).toMatch(/April 2024 \(partnership\) was re-published/);
    expect(notes(r)).not.toMatch(/force-wide total/);
  });

  it("is not in the brief's caveats for a channel that sees partnership figures perturbed", async () => {
    const board = await buildBrief(ctx('countywide-board'), { meetingDate: '2024-06-25' });
    const caveat = board.caveats.find((c) => /\(partnership\) was re-published/.test(c));
    expect(caveat).toBeDefined();
    expect(caveat).not.toMatch(/force-wide total/);
    const analysts = await buildBrief(ctx('cambridge-analysts'), { meetingDate: '2024-06-25' });
    expect(analysts.caveats.join(' ')).toMatch(/\(partnership\) was re-published.*force-wide total \d+ -> \d+/);
  }, 120_000);
});
