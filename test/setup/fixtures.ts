// vitest globalSetup: the SQLite fixture stores tests ask for (test/helpers/store.ts fixtureStore), built
// once per test run instead of once per test file. Each option set in PREBUILT_FIXTURES is built by its own
// child process (test/setup/build-fixture-store.ts: loadFixtures into a fresh file), side by side, while the
// first tests already run: setup returns at once, and fixtureStore() waits for the build's status file.
// A build that fails does not stop the run: the tests that want that store fail with the build's output.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { fixtureKey, PREBUILT_FIXTURES, type FixtureBuildStatus, type FixtureOptions, type FixtureTemplates } from './context.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let stopping = false;

/** Folders left by runs that died before their teardown (their owner process is gone). */
function removeStale(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('wardwatch-fixtures-')) continue;
    const owner = join(tmpdir(), name, 'owner.pid');
    const pid = existsSync(owner) ? Number(readFileSync(owner, 'utf8')) : NaN;
    if (!Number.isInteger(pid)) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** Builds one store into `file`; the builder writes `status` when done (tests poll for it), or this does if it died. */
function build(file: string, status: string, options: FixtureOptions): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/setup/build-fixture-store.ts'), file, status, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const died = (error: string) => {
    if (!existsSync(status)) {
      const result: FixtureBuildStatus = { ok: false, error };
      writeFileSync(`${status}.tmp`, JSON.stringify(result));
      renameSync(`${status}.tmp`, status);
    }
    console.error(`\n  fixture store ${fixtureKey(options)} could not be built; the tests using it fail:\n${error}\n`);
  };
  child.once('error', (e) => died(e.message));
  child.once('close', (code, signal) => {
    if (code !== 0 && !stopping) died(`build-fixture-store exited with ${code ?? signal}:\n${out.trim().split('\n').slice(-30).join('\n')}`);
  });
  return child;
}

export default function setup(project: TestProject): () => void {
  removeStale();
  const dir = mkdtempSync(join(tmpdir(), 'wardwatch-fixtures-'));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const templates: FixtureTemplates = {};
  const builders: ChildProcess[] = [];
  PREBUILT_FIXTURES.forEach((options, i) => {
    const path = join(dir, `fixtures-${i}.sqlite`);
    const status = `${path}.status.json`;
    templates[fixtureKey(options)] = { path, status };
    builders.push(build(path, status, options));
  });
  project.provide('wardwatchFixtures', { dir, templates });
  return () => {
    stopping = true;
    for (const b of builders) if (b.exitCode === null && b.signalCode === null) b.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
}
