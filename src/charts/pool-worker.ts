// One chart worker (pool.ts): draws and encodes each request it is sent with the same code the main
// thread uses, and posts the PNG back (its memory handed over, not copied).
import './native-memory.ts'; // first: allocator settings before @napi-rs/canvas loads
import { parentPort } from 'node:worker_threads';
import { renderMap } from '../maps/index.ts';
import { renderChart } from './index.ts';
import type { WorkerReply, WorkerRequest } from './pool.ts';

const port = parentPort;
if (!port) throw new Error('pool-worker.ts runs as a worker thread (see pool.ts)');

async function draw(message: WorkerRequest): Promise<Buffer> {
  if (message.request.kind === 'map') {
    const boundaries = new Map(message.boundaries ?? []);
    return renderMap({ drawingBoundaries: async () => boundaries }, message.request, { size: message.size });
  }
  return renderChart(message.request, { size: message.size });
}

port.on('message', (message: WorkerRequest) => {
  draw(message).then(
    (png) => {
      // Transferred in an ArrayBuffer of its own: a Buffer may sit in Node's shared pool, which Node 24
      // refuses to transfer (DataCloneError), and Buffer.from copies small ones back into that pool.
      const own = new Uint8Array(new ArrayBuffer(png.byteLength));
      own.set(png);
      const reply: WorkerReply = { id: message.id, ok: true, png: own };
      port.postMessage(reply, [own.buffer]);
    },
    (err: unknown) => {
      const reply: WorkerReply = { id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) };
      port.postMessage(reply);
    },
  );
});
