// Local fakes for the Teams tests, all on 127.0.0.1 (nothing leaves loopback):
//  - a Bot Connector (the serviceUrl of every activity the tests post): records what the bot sends and
//    answers as the real one does: POST /v3/conversations/{id}/activities[/{replyTo}] -> {id},
//    POST /v3/conversations (a new thread or a 1:1 chat) -> 201 {id, activityId};
//  - the Bot Framework's token signing keys (/v1/.well-known/keys) for a test cloud, so a token signed
//    by the right key is accepted and a forged one refused without asking login.botframework.com;
//  - a Workflows webhook endpoint answering 202, with scripted 429s and 5xx.
// No maintained open-source fake of the Bot Connector exists (research notes, platform.md 2.6).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, createSign, type KeyObject } from 'node:crypto';

export interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  body: any;
  status: number;
  at: number;
}

export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeServer {
  url: string;
  calls: Recorded[];
  /** The next requests get these answers, first in, first out. */
  script(...answers: Scripted[]): void;
  /** Resolves when `count` calls matching `pred` have been recorded (rejects after `ms`). */
  waitFor(pred: (c: Recorded) => boolean, count?: number, ms?: number): Promise<Recorded[]>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function fakeServer(handle: (req: IncomingMessage, body: any, res: ServerResponse) => { status: number; body?: unknown; headers?: Record<string, string> }): Promise<FakeServer> {
  const calls: Recorded[] = [];
  const scripted: Scripted[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const isKeys = req.url?.includes('/.well-known/');
    const answer = !isKeys && scripted.length ? scripted.shift()! : handle(req, body, res);
    calls.push({ method: req.method ?? '', path: decodeURIComponent(req.url ?? ''), auth: req.headers.authorization, body, status: answer.status, at: Date.now() });
    res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    for (const w of waiters.splice(0)) w();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        calls,
        script: (...answers) => void scripted.push(...answers),
        async waitFor(pred, count = 1, ms = 10_000) {
          const deadline = Date.now() + ms;
          for (;;) {
            const found = calls.filter(pred);
            if (found.length >= count) return found;
            if (Date.now() > deadline) throw new Error(`fake: ${count} matching call(s) not seen in ${ms} ms; saw ${JSON.stringify(calls.map((c) => `${c.method} ${c.path}`))}`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 100);
            });
          }
        },
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

export interface FakeConnector extends FakeServer {
  /** The signing key the fake cloud publishes (for tokens that must be accepted). */
  key: KeyObject;
  kid: string;
  /** A CloudEnvironment for the SDK whose OpenID keys are this fake's (issuer https://api.botframework.com). */
  cloud: Record<string, string>;
  /** Activities the bot posted (replies and proactive), with the conversation they went to. */
  sent(): Array<{ conversation: string; replyTo?: string; activity: any }>;
}

export async function fakeConnector(): Promise<FakeConnector> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'wardwatch-test-key';
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, string>), kid, use: 'sig', alg: 'RS256', kty: 'RSA' };
  let next = 1000;
  const fake = await fakeServer((req, body) => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0]!);
    if (req.method === 'GET' && path.endsWith('/.well-known/keys')) return { status: 200, body: { keys: [jwk] } };
    if (req.method === 'GET' && path.endsWith('/.well-known/openidconfiguration'))
      return { status: 200, body: { issuer: 'https://api.botframework.com', jwks_uri: `${base}/v1/.well-known/keys` } };
    if (req.method === 'POST' && /^\/v3\/conversations\/?$/.test(path)) {
      const id = ++next;
      const channel = body?.channelData?.channel?.id as string | undefined;
      // A new thread in a channel: the conversation id carries the root message id.
      if (channel) return { status: 201, body: { id: `${channel};messageid=${id}`, activityId: String(id) } };
      return { status: 201, body: { id: `a:private-${id}` } };
    }
    if (req.method === 'POST' && /^\/v3\/conversations\/[^/]+\/activities(\/[^/]+)?$/.test(path)) return { status: 201, body: { id: String(++next) } };
    return { status: 404, body: { error: { code: 'NotFound', message: `fake connector: no route for ${req.method} ${path}` } } };
  });
  const base = fake.url;
  return Object.assign(fake, {
    key: privateKey,
    kid,
    cloud: {
      loginEndpoint: `${base}/login`,
      loginTenant: 'botframework.com',
      botScope: 'https://api.botframework.com/.default',
      tokenServiceUrl: `${base}/token`,
      openIdMetadataUrl: `${base}/v1/.well-known/openidconfiguration`,
      tokenIssuer: 'https://api.botframework.com',
      graphScope: 'https://graph.microsoft.com/.default',
    },
    sent() {
      return fake.calls
        .filter((c) => c.method === 'POST' && c.path.startsWith('/v3/conversations'))
        .map((c) => {
          const m = /^\/v3\/conversations(?:\/([^/]+)\/activities(?:\/([^/?]+))?)?/.exec(c.path)!;
          return { conversation: m[1] ?? '(new)', ...(m[2] ? { replyTo: m[2] } : {}), activity: m[1] ? c.body : c.body?.activity };
        });
    },
  });
}

/** A JWT as the Bot Framework signs it (RS256), with the given key and claims. */
export function signJwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = part({ alg: 'RS256', typ: 'JWT', kid });
  const body = part(claims);
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url');
  return `${head}.${body}.${signature}`;
}

/** A Workflows webhook: 202 for every post unless scripted. */
export function fakeWorkflows(): Promise<FakeServer> {
  return fakeServer(() => ({ status: 202 }));
}

// ---- activities, as Teams sends them (platform.md 2.6 fixture) ----

export const BOT = { id: '28:wardwatch-app', name: 'Wardwatch' };
export const TENANT = 'tenant-0000-test';

export interface ActivityOptions {
  serviceUrl: string;
  text?: string;
  value?: unknown;
  kind: 'channel' | 'groupChat' | 'personal';
  /** channel: the channel id (19:...@thread.tacv2); chats: the conversation id */
  conversation: string;
  /** channel: the thread root (default a new root post: this activity's own id) */
  thread?: string;
  user?: { id: string; name: string; aadObjectId: string };
  mention?: boolean;
  type?: string;
  name?: string;
}

let activityCounter = 5000;

export function activity(o: ActivityOptions): Record<string, unknown> {
  const id = String(++activityCounter);
  const user = o.user ?? { id: '29:jo', name: 'Jo Bloggs', aadObjectId: 'aad-jo' };
  const conversationId = o.kind === 'channel' ? `${o.conversation};messageid=${o.thread ?? id}` : o.conversation;
  const mention = o.mention ?? o.kind !== 'personal';
  const text = o.text === undefined ? undefined : mention ? `<at>Wardwatch</at> ${o.text}` : o.text;
  return {
    type: o.type ?? 'message',
    ...(o.name ? { name: o.name } : {}),
    id,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: o.serviceUrl,
    from: user,
    recipient: BOT,
    conversation: { id: conversationId, conversationType: o.kind, tenantId: TENANT, ...(o.kind === 'groupChat' ? { isGroup: true } : {}) },
    ...(text !== undefined ? { text, textFormat: 'plain' } : {}),
    ...(o.value !== undefined ? { value: o.value } : {}),
    ...(mention && text !== undefined ? { entities: [{ type: 'mention', mentioned: BOT, text: '<at>Wardwatch</at>' }] } : {}),
    channelData:
      o.kind === 'channel'
        ? { tenant: { id: TENANT }, team: { id: '19:general@thread.tacv2', name: 'Community Safety' }, channel: { id: o.conversation, name: 'Cambridge CSP' } }
        : { tenant: { id: TENANT } },
    locale: 'en-GB',
  };
}

/** Posts an activity to /api/messages; resolves with the status and JSON body. */
export async function postActivity(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${baseUrl}api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: r.status, body: parsed };
}

/** The card in an activity the bot sent. */
export function cardOf(a: any): any {
  return a?.attachments?.find((x: any) => x.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

/** Every TextBlock text in a card, in order (nested containers and columns included). */
export function cardTexts(card: any): string[] {
  const out: string[] = [];
  const walk = (el: any) => {
    if (!el || typeof el !== 'object') return;
    if (el.type === 'TextBlock') out.push(el.text);
    for (const k of ['body', 'items', 'columns']) if (Array.isArray(el[k])) el[k].forEach(walk);
  };
  walk(card);
  return out;
}
