// An ingest reader thread: reads and checks police.uk files (readPoliceUkPlaces) for the main thread,
// which places them (the ward index stays on the main thread). Errors go back as their parts. It imports
// only the reading module (not the taxonomy, its YAML and schema): the thread is ready in tens of ms.
import { parentPort } from 'node:worker_threads';
import { InputError } from '../core/errors.ts';
import { readPoliceUkPlaces, type PoliceUkRead } from './policeUkRead.ts';
import type { IngestChecks } from './validate.ts';

export type ReadRequest = { id: number; path: string; checks: IngestChecks; crimeTypes: readonly string[] };
export type ReadReply =
  | { id: number; ok: true; read: PoliceUkRead }
  | { id: number; ok: false; input?: { file: string; line: number | null; field: string | null; expected: string; found?: string }; message: string };

parentPort!.on('message', (req: ReadRequest) => {
  readPoliceUkPlaces(req.path, req.crimeTypes, undefined, req.checks).then(
    (read) => {
      const transfer = [read.placeCounts.buffer, read.placeLon.buffer, read.placeLat.buffer, read.fingerprints.buffer] as ArrayBuffer[];
      parentPort!.postMessage({ id: req.id, ok: true, read } satisfies ReadReply, [...new Set(transfer)]);
    },
    (err: unknown) => {
      const input =
        err instanceof InputError
          ? { file: err.file, line: err.line, field: err.field, expected: err.expected, ...(err.found !== undefined ? { found: err.found } : {}) }
          : undefined;
      parentPort!.postMessage({ id: req.id, ok: false, ...(input ? { input } : {}), message: err instanceof Error ? err.message : String(err) } satisfies ReadReply);
    },
  );
});
