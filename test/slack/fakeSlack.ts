// A fake of the Slack side, all on 127.0.0.1 and one port: the Web API (/api/<method>), the upload_url
// it hands out (/upload/<file id>), response_url endpoints (/response/<id>) and a Socket Mode WebSocket
// (/socket). It records every call so tests can assert what the real Bolt / web-api code sent, and it
// can be told to answer the next call to a method with a 429, an HTTP error, a dropped connection, no
// answer at all, or an `ok:false`; to refuse every token (`rejectTokens`), to fail uploads, and to drop
// the Socket Mode connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedCall {
  kind: 'api' | 'upload' | 'response' | 'other';
  /** API method ("chat.postMessage"), file id for uploads, response id for response_url. */
  name: string;
  path: string;
  auth: string | undefined;
  contentType: string | undefined;
  /** Parsed body: form fields / JSON; uploads: { bytes, filename, png }. */
  body: Record<string, unknown>;
  status: number;
  at: number;
}

export type Scripted =
  | { status: 429; retryAfter: number }
  | { status: number }
  | { body: Record<string, unknown> }
  /** Close the connection without answering (the client sees a transport error). */
  | { destroy: true }
  /** Never answer (the client's timeout fires). */
  | { hang: true };

export interface FakeSlack {
  url: string;
  apiUrl: string;
  port: number;
  calls: RecordedCall[];
  /** Calls of one kind or API method, in order. */
  callsTo(name: string): RecordedCall[];
  /** The next call to `method` gets this answer instead of the default (first in, first out). */
  script(method: string, ...answers: Scripted[]): void;
  responseUrl(id: string): string;
  /** Every API call (but api.test) answers `{ok: false, error}` until called again with null. */
  rejectTokens(error: string | null): void;
  /** Uploads to upload_url answer this HTTP status until called again with null. */
  failUploads(status: number | null): void;
  /** Resolves when a call matching `pred` has been recorded (or rejects after `ms`). */
  waitFor(pred: (c: RecordedCall) => boolean, ms?: number): Promise<RecordedCall>;
  socket: {
    /** Resolves once a Socket Mode client has connected and been sent `hello`. */
    connected(ms?: number): Promise<void>;
    /** Sends an envelope; resolves with the client's ack ({envelope_id, payload}). */
    send(envelope: Record<string, unknown> & { envelope_id: string }, ms?: number): Promise<Record<string, unknown>>;
    /** Drops the connected client (as a network failure would); the next `connected()` waits for a new one. */
    drop(): void;
    /** How many Socket Mode connections were made. */
    connections(): number;
  };
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function parseBody(raw: Buffer, contentType: string | undefined): Promise<Record<string, unknown>> {
  const ct = contentType ?? '';
  if (ct.startsWith('application/json')) return raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
  if (ct.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  if (ct.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': ct } }).formData();
    const out: Record<string, unknown> = {};
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') out[k] = v;
      else {
        const bytes = Buffer.from(await v.arrayBuffer());
        out[k] = { bytes: bytes.length, filename: v.name, png: bytes.subarray(0, 8).equals(PNG_MAGIC) };
      }
    }
    return out;
  }
  return { raw: raw.toString('utf8'), bytes: raw.length, png: raw.subarray(0, 8).equals(PNG_MAGIC) };
}

export async function startFakeSlack(options: { teamId?: string; port?: number } = {}): Promise<FakeSlack> {
  const teamId = options.teamId ?? 'T0FAKE0001';
  const calls: RecordedCall[] = [];
  let tokenError: string | null = null;
  let uploadStatus: number | null = null;
  const hanging = new Set<ServerResponse>();
  const scripts = new Map<string, Scripted[]>();
  const waiters: Array<{ pred: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }> = [];
  let seq = 0;
  let base = '';

  const record = (c: RecordedCall) => {
    calls.push(c);
    for (const w of [...waiters]) {
      if (w.pred(c)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(c);
      }
    }
  };

  const api = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    seq += 1;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.test/', team: 'Fake', user: 'wardwatch', team_id: teamId, user_id: 'U0BOT0001', bot_id: 'B0BOT0001' };
      case 'chat.postMessage':
        return { ok: true, channel: body.channel, ts: `1700000000.${String(seq).padStart(6, '0')}`, message: { text: body.text } };
      case 'files.getUploadURLExternal': {
        const id = `F${String(seq).padStart(9, '0')}`;
        return { ok: true, file_id: id, upload_url: `${base}/upload/${id}` };
      }
      case 'files.completeUploadExternal': {
        const files = JSON.parse(String(body.files ?? '[]')) as Array<{ id: string; title?: string }>;
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) };
      }
      case 'apps.connections.open':
        return { ok: true, url: `${base.replace('http', 'ws')}/socket` };
      case 'oauth.v2.access':
        return {
          ok: true,
          access_token: `xoxb-fake-${String(body.code)}`,
          token_type: 'bot',
          scope: 'commands,chat:write,files:write',
          bot_user_id: 'U0BOT0002',
          app_id: 'A0FAKE0001',
          team: { id: `T0${String(body.code)}`, name: 'Installed workspace' },
          enterprise: null,
          is_enterprise_install: false,
          authed_user: { id: 'U0INSTALL1' },
        };
      default:
        return { ok: true };
    }
  };

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const contentType = req.headers['content-type'];
    const auth = req.headers.authorization;
    const body = await parseBody(raw, contentType).catch(() => ({ unparsed: raw.toString('utf8') }));
    const at = Date.now();
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    if (path.startsWith('/api/')) {
      const method = path.slice('/api/'.length);
      const scripted = scripts.get(method)?.shift();
      if (scripted && 'destroy' in scripted) {
        record({ kind: 'api', name: method, path, auth, contentType, body, status: 0, at });
        return void req.socket.destroy();
      }
      if (scripted && 'hang' in scripted) {
        record({ kind: 'api', name: method, path, auth, contentType, body, status: 0, at });
        return void hanging.add(res);
      }
      if (scripted && 'status' in scripted) {
        record({ kind: 'api', name: method, path, auth, contentType, body, status: scripted.status, at });
        if ('retryAfter' in scripted) return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(scripted.retryAfter) });
        return send(scripted.status, { ok: false, error: 'fake_http_error' });
      }
      if (!scripted && tokenError && method !== 'api.test') {
        record({ kind: 'api', name: method, path, auth, contentType, body, status: 200, at });
        return send(200, { ok: false, error: tokenError });
      }
      const answer = scripted ? scripted.body : api(method, body);
      record({ kind: 'api', name: method, path, auth, contentType, body, status: 200, at });
      return send(200, answer);
    }
    if (path.startsWith('/upload/')) {
      if (uploadStatus !== null) {
        record({ kind: 'upload', name: path.slice('/upload/'.length), path, auth, contentType, body, status: uploadStatus, at });
        res.writeHead(uploadStatus, { 'content-type': 'text/plain' });
        return res.end('upload refused by the fake');
      }
      record({ kind: 'upload', name: path.slice('/upload/'.length), path, auth, contentType, body, status: 200, at });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(`OK - ${raw.length}`);
    }
    if (path.startsWith('/response/')) {
      record({ kind: 'response', name: path.slice('/response/'.length), path, auth, contentType, body, status: 200, at });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    record({ kind: 'other', name: path, path, auth, contentType, body, status: 404, at });
    send(404, { ok: false, error: 'unknown_path' });
  });

  const wss = new WebSocketServer({ server, path: '/socket' });
  let client: WebSocket | undefined;
  let connections = 0;
  let onConnected: Array<() => void> = [];
  const pendingAcks = new Map<string, (ack: Record<string, unknown>) => void>();
  wss.on('connection', (ws) => {
    client = ws;
    connections += 1;
    ws.on('close', () => {
      if (client === ws) client = undefined;
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      const id = String(msg.envelope_id ?? '');
      pendingAcks.get(id)?.(msg);
      pendingAcks.delete(id);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 3600 }, connection_info: { app_id: 'A0FAKE0001' } }));
    onConnected.forEach((f) => f());
    onConnected = [];
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  const timeout = <T>(p: Promise<T>, ms: number, what: string) =>
    Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`fake slack: timed out after ${ms} ms waiting for ${what}`)), ms).unref())]);

  return {
    url: base,
    apiUrl: `${base}/api/`,
    port,
    calls,
    callsTo: (name) => calls.filter((c) => c.name === name || c.kind === name),
    script(method, ...answers) {
      scripts.set(method, [...(scripts.get(method) ?? []), ...answers]);
    },
    responseUrl: (id) => `${base}/response/${id}`,
    rejectTokens(error) {
      tokenError = error;
    },
    failUploads(status) {
      uploadStatus = status;
    },
    waitFor(pred, ms = 5000) {
      const found = calls.find(pred);
      if (found) return Promise.resolve(found);
      return timeout(new Promise<RecordedCall>((resolve) => waiters.push({ pred, resolve })), ms, 'a matching call');
    },
    socket: {
      connected(ms = 5000) {
        if (client) return Promise.resolve();
        return timeout(new Promise<void>((resolve) => onConnected.push(resolve)), ms, 'a Socket Mode connection');
      },
      send(envelope, ms = 5000) {
        if (!client) return Promise.reject(new Error('fake slack: no Socket Mode client connected'));
        const acked = new Promise<Record<string, unknown>>((resolve) => pendingAcks.set(envelope.envelope_id, resolve));
        client.send(JSON.stringify(envelope));
        return timeout(acked, ms, `the ack of envelope ${envelope.envelope_id}`);
      },
      drop() {
        client?.terminate();
        client = undefined;
      },
      connections: () => connections,
    },
    async close() {
      for (const r of hanging) r.socket?.destroy();
      hanging.clear();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
