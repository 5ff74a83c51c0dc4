// Builds one SQLite fixture store, then writes its status file (a FixtureBuildStatus, atomically):
//   node --import tsx test/setup/build-fixture-store.ts <file> <status file> '<FixtureOptions JSON>'
// Run by test/setup/fixtures.ts, once per option set and test run: the loadFixtures call tests used to make.
import { renameSync, writeFileSync } from 'node:fs';
import { loadFixtures } from '../../src/ingest/fixtures.ts';
import { openSqliteStore } from '../../src/store/kysely.ts';
import type { FixtureBuildStatus, FixtureOptions } from './context.ts';
import { seedRecordKeySecret } from './record-keys.ts';

const [file, statusFile, json] = process.argv.slice(2);
if (!file || !statusFile || !json) {
  console.error('usage: build-fixture-store.ts <file> <status file> <options JSON>');
  process.exit(2);
}
const started = performance.now();
const writeStatus = (status: FixtureBuildStatus) => {
  writeFileSync(`${statusFile}.tmp`, JSON.stringify(status));
  renameSync(`${statusFile}.tmp`, statusFile);
};
try {
  const options = JSON.parse(json) as FixtureOptions;
  const store = await openSqliteStore(file);
  try {
    await loadFixtures(store, { history: options.history ?? false, ...(options.lastRealMonth ? { lastRealMonth: options.lastRealMonth } : {}), seed: options.seed ?? 1 });
    await seedRecordKeySecret(store); // the same perturbation in every test (record-keys.ts)
    await store.checkpoint(); // everything in the main file: tests copy only that
  } finally {
    await store.close();
  }
  writeStatus({ ok: true, ms: Math.round(performance.now() - started) });
} catch (e) {
  writeStatus({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  console.error(e);
  process.exitCode = 1;
}
