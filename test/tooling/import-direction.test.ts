// The import direction (.dependency-cruiser.cjs) holds on the real tree, and the check does catch a
// planted cycle, a reach past the store port and one surface importing another.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What `npm run lint` cruises. */
const CRUISED = ['src', 'commands', 'alerts', 'bin', 'test', 'bench', 'vitest.config.ts'];

async function check(baseDir: string, paths: string[]): Promise<IViolation[]> {
  const options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(join(ROOT, 'tsconfig.json'));
  const result = await cruise(paths, { ...options, baseDir, validate: true }, {}, { tsConfig });
  return (result.output as ICruiseResult).summary.violations.filter((v) => v.rule.severity === 'error');
}

function describeViolation(v: IViolation): string {
  const cycle = v.cycle?.length ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' -> ')})` : '';
  return `${v.rule.name}: ${v.from} -> ${v.to}${cycle}`;
}

describe('import direction', () => {
  it('holds on the tree', async () => {
    const violations = await check(ROOT, CRUISED);
    expect(violations.map(describeViolation)).toEqual([]);
  }, 60_000);

  describe('catches planted violations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wardwatch-depcruise-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const plant = (file: string, text: string) => {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    };
    // the store: its port and its implementation
    plant('src/store/types.ts', "export interface Store { kind: 'sqlite' }\n");
    plant('src/store/open.ts', "import type { Store } from './types.ts';\nexport const openStore = async (): Promise<Store> => ({ kind: 'sqlite' });\n");
    // a cycle between two figures modules
    plant('src/figures/a.ts', "import { b } from './b.ts';\nexport const a = () => b() + 1;\n");
    plant('src/figures/b.ts', "import { a } from './a.ts';\nexport const b = (): number => (Math.random() > 2 ? a() : 0);\n");
    // a command that opens the store itself instead of taking the port
    plant(
      'commands/top.ts',
      "import { openStore } from '../src/store/open.ts';\nimport { a } from '../src/figures/a.ts';\nexport const top = async () => [await openStore(), a()];\n",
    );
    // one surface importing another
    plant('src/surfaces/local/guard.ts', 'export const guard = () => true;\n');
    plant(
      'src/surfaces/slack/index.ts',
      "import { guard } from '../local/guard.ts';\nimport type { Store } from '../../store/types.ts';\nexport const slack = (s: Store) => guard() && s;\n",
    );
    // allowed: the cli starts the service, the service opens the store and starts the local surface
    plant(
      'src/service/service.ts',
      "import { openStore } from '../store/open.ts';\nimport { guard } from '../surfaces/local/guard.ts';\nexport const serve = async () => [await openStore(), guard()];\n",
    );
    plant(
      'src/surfaces/cli/main.ts',
      "import { serve } from '../../service/service.ts';\nimport { top } from '../../../commands/top.ts';\nimport { slack } from '../slack/index.ts';\nexport const main = () => [serve(), top(), slack];\n",
    );

    it('reports each, and nothing else', async () => {
      // a cycle is reported once, from whichever of its modules comes first: name it by its members
      const key = (v: IViolation) =>
        v.cycle?.length ? `${v.rule.name}: ${[...new Set([v.from, ...v.cycle.map((c) => c.name)])].sort().join(' + ')}` : `${v.rule.name}: ${v.from} -> ${v.to}`;
      const found = [...new Set((await check(dir, ['src', 'commands'])).map(key))].sort();
      expect(found).toEqual(
        [
          'no-circular: src/figures/a.ts + src/figures/b.ts',
          'only-the-store-port: commands/top.ts -> src/store/open.ts',
          'surfaces-not-to-each-other: src/surfaces/cli/main.ts -> src/surfaces/slack/index.ts',
          'surfaces-not-to-each-other: src/surfaces/slack/index.ts -> src/surfaces/local/guard.ts',
        ].sort(),
      );
    }, 60_000);
  });
});
