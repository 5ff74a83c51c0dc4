// The example maps in docs/charts/ (Cambridge, Fenland, the county), drawn from the fixture store
// exactly as the bot answers. `UPDATE_DOCS_MAPS=1 npx vitest run test/maps/examples.test.ts`
// redraws them; otherwise the test checks they still draw and that the committed files are there.
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeContext } from '../../src/core/context.ts';
import { answer } from '../../src/core/dispatch.ts';
import type { MapRequest } from '../../src/core/reply.ts';
import { renderMap } from '../../src/maps/index.ts';
import { pngSize } from '../charts/pixels.ts';
import { fixtureStore, type TempStore } from '../helpers/store.ts';

const DOCS = fileURLToPath(new URL('../../docs/charts/', import.meta.url));
export const MAP_EXAMPLES = [
  { file: 'map-cambridge.png', question: 'map asb market', channel: 'cambridge-csp', size: 'full' as const },
  { file: 'map-cambridge-compact.png', question: 'map asb market', channel: 'cambridge-csp', size: 'compact' as const },
  { file: 'map-fenland.png', question: 'map burglary fenland', channel: 'fenland-csp', size: 'full' as const },
  { file: 'map-county.png', question: 'map violence county', channel: 'countywide-board', size: 'full' as const },
];

let t: TempStore;
const { config } = loadConfig();
beforeAll(async () => {
  t = await fixtureStore({ history: true });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('example maps (docs/charts/map-*.png)', () => {
  for (const ex of MAP_EXAMPLES) {
    it(`${ex.file}: "${ex.question}" in #${ex.channel}`, async () => {
      const r = await answer(ex.question, makeContext({ store: t.store, config, channel: ex.channel, now: new Date('2024-05-20T09:00:00Z') }));
      expect(r.chart?.kind, r.summary).toBe('map');
      const png = await renderMap(t.store, r.chart as MapRequest, { size: ex.size });
      expect(pngSize(png).width).toBe(ex.size === 'full' ? 1000 : 640);
      if (process.env.UPDATE_DOCS_MAPS === '1') writeFileSync(DOCS + ex.file, png);
      expect(existsSync(DOCS + ex.file)).toBe(true);
    });
  }
});
