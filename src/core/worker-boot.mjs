// The first module of every worker thread (chart pool, detection batches, ingest readers), in plain
// JavaScript: worker threads do not inherit the TypeScript loader the main thread registered
// (bin/wardwatch.js, vitest), so each registers tsx before importing its entry (workerData.entry).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
