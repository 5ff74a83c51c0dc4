// A fake of the parts of Slack's Web API the outbox uses, on 127.0.0.1: chat.postMessage (kept as
// channel history, with thread replies), conversations.history / conversations.replies (newest first,
// paged by cursor, with each message's blocks, as Slack returns them), auth.test. It can be told to
// answer the next posts with a 429 + Retry-After, an HTTP status, ok:false, no answer (the client's
// timeout fires) or a dropped connection; to refuse history reads (missing_scope); and it lets a test
// act when a post arrives, before it is answered (the crash test kills the poster there).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks: Array<{ block_id?: string; type: string }>;
  /** When the fake accepted it (ms). */
  at: number;
}

export type Scripted = { status: 429; retryAfter: number } | { status: number } | { error: string } | { hang: true } | { destroy: true };

export interface FakeSlackApi {
  apiUrl: string;
  /** Every accepted message, in order of arrival (what the users of the channel see). */
  messages: FakeMessage[];
  /** Every call, in order: method and HTTP status answered (0: not answered). */
  calls: Array<{ method: string; status: number; body: Record<string, unknown> }>;
  /** The next posts get these answers (first in, first out); the post is not accepted then. */
  scriptPosts(...answers: Scripted[]): void;
  /** Forgets the scripted answers not used yet. */
  resetScripts(): void;
  /** Every post to this channel gets this answer until called with null (a channel Slack refuses). */
  failChannel(channelId: string, answer: Scripted | null): void;
  /** History reads answer ok:false missing_scope until called with false. */
  refuseHistory(refuse: boolean): void;
  /** Called for every Web API call before it is handled (method name); the call waits for it. */
  onCall: ((method: string) => Promise<void> | void) | null;
  /** Called when a post has been accepted, before the answer is written; the answer waits for it. */
  onAccepted: ((m: FakeMessage) => Promise<void> | void) | null;
  /** Called just after the answer to an accepted post has been written. */
  onAnswered: ((m: FakeMessage) => void) | null;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const ct = req.headers['content-type'] ?? '';
  if (ct.startsWith('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  return Object.fromEntries(new URLSearchParams(raw));
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const messages: FakeMessage[] = [];
  const calls: FakeSlackApi['calls'] = [];
  const scripts: Scripted[] = [];
  const hanging = new Set<ServerResponse>();
  let refuseHistory = false;
  const channelFailures = new Map<string, Scripted>();
  let seq = 0;

  const answer = (res: ServerResponse, call: { status: number }, status: number, body: unknown, headers: Record<string, string> = {}) => {
    call.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const history = (body: Record<string, unknown>, thread: string | null) => {
    const oldest = Number(body.oldest ?? 0);
    const limit = Number(body.limit ?? 100);
    const offset = Number(body.cursor ?? 0);
    const all = messages
      .filter((m) => m.channel === body.channel && Number(m.ts) > oldest && (thread ? m.ts === thread || m.thread_ts === thread : !m.thread_ts))
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const page = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    return {
      ok: true,
      messages: page.map((m) => ({ type: 'message', ts: m.ts, thread_ts: m.thread_ts, text: m.text, blocks: m.blocks })),
      has_more: more,
      response_metadata: { next_cursor: more ? String(offset + limit) : '' },
    };
  };

  const fake: FakeSlackApi = {
    apiUrl: '',
    messages,
    calls,
    scriptPosts: (...answers) => void scripts.push(...answers),
    resetScripts: () => void scripts.splice(0),
    refuseHistory: (r) => void (refuseHistory = r),
    failChannel: (id, a) => void (a ? channelFailures.set(id, a) : channelFailures.delete(id)),
    onCall: null,
    onAccepted: null,
    onAnswered: null,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer(async (req, res) => {
    const method = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/^\/api\//, '').replace(/^\//, '');
    const body = await readBody(req);
    const call = { method, status: 0, body };
    calls.push(call);
    await fake.onCall?.(method);
    if (res.destroyed || req.socket.destroyed) return;
    if (method === 'auth.test') return answer(res, call, 200, { ok: true, team_id: 'T0FAKE0001', user_id: 'U0BOT0001', bot_id: 'B0BOT0001' });
    if (method === 'conversations.history' || method === 'conversations.replies') {
      if (refuseHistory) return answer(res, call, 200, { ok: false, error: 'missing_scope', needed: 'channels:history', provided: 'chat:write' });
      return answer(res, call, 200, history(body, method === 'conversations.replies' ? String(body.ts) : null));
    }
    if (method === 'chat.postMessage') {
      const scripted = channelFailures.get(String(body.channel)) ?? scripts.shift();
      if (scripted) {
        if ('hang' in scripted) {
          hanging.add(res);
          return;
        }
        if ('destroy' in scripted) return void req.socket.destroy();
        if ('error' in scripted) return answer(res, call, 200, { ok: false, error: scripted.error });
        if ('retryAfter' in scripted) return answer(res, call, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(scripted.retryAfter) });
        return answer(res, call, scripted.status, { ok: false, error: 'service_unavailable' });
      }
      seq += 1;
      const blocks = typeof body.blocks === 'string' ? (JSON.parse(body.blocks) as FakeMessage['blocks']) : ((body.blocks as FakeMessage['blocks'] | undefined) ?? []);
      const m: FakeMessage = {
        channel: String(body.channel),
        // Like Slack's: the time it was accepted (seconds) and a unique tail.
        ts: `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, '0')}`,
        ...(body.thread_ts ? { thread_ts: String(body.thread_ts) } : {}),
        text: String(body.text ?? ''),
        blocks,
        at: Date.now(),
      };
      messages.push(m);
      await fake.onAccepted?.(m);
      if (res.destroyed || req.socket.destroyed) return;
      answer(res, call, 200, { ok: true, channel: m.channel, ts: m.ts, message: { text: m.text } });
      fake.onAnswered?.(m);
      return;
    }
    // The files upload v2 flow: the message (with its blocks) appears when the upload is completed.
    if (method === 'files.getUploadURLExternal') {
      seq += 1;
      const id = `F${String(seq).padStart(9, '0')}`;
      return answer(res, call, 200, { ok: true, file_id: id, upload_url: `${fake.apiUrl.replace(/\/api\/$/, '')}/upload/${id}` });
    }
    if (method.startsWith('upload/')) return answer(res, call, 200, { ok: true });
    if (method === 'files.completeUploadExternal') {
      seq += 1;
      const files = JSON.parse(String(body.files ?? '[]')) as Array<{ id: string; title?: string }>;
      const blocks = typeof body.blocks === 'string' ? (JSON.parse(body.blocks) as FakeMessage['blocks']) : [];
      const m: FakeMessage = {
        channel: String(body.channel_id),
        ts: `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, '0')}`,
        ...(body.thread_ts ? { thread_ts: String(body.thread_ts) } : {}),
        text: String(body.initial_comment ?? ''),
        blocks,
        at: Date.now(),
      };
      messages.push(m);
      return answer(res, call, 200, { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) });
    }
    answer(res, call, 200, { ok: true });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return fake;
}
