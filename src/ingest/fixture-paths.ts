// Where the bundled fixtures are, by role: read by the first-start load and by the synthetic history
// (which takes the real point files as its pattern), so neither has to import the other.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Month } from '../core/periods.ts';

/** The repository's fixtures folder. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Fixture folders and files, by role. */
export const FIXTURE_PATHS = {
  geography: join(FIXTURES_DIR, 'geography'),
  populations: join(FIXTURES_DIR, 'populations'),
  policeUk: join(FIXTURES_DIR, 'police-uk'),
  partnership: join(FIXTURES_DIR, 'partnership'),
  templates: join(FIXTURES_DIR, 'templates'),
};

/** Month files in a fixture folder (names start with or contain YYYY-MM), optionally up to a month. */
export function fixtureMonthFiles(folder: string, upTo?: Month): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.csv') && !f.endsWith('.template.csv'))
    .filter((f) => {
      const m = /(\d{4}-\d{2})/.exec(f)?.[1];
      return !upTo || !m || m <= upTo;
    })
    .sort()
    .map((f) => join(folder, f));
}
