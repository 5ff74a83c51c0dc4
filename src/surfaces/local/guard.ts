// Who may use the local page. On loopback (the default) nobody else can reach it, so the guard only
// refuses requests whose Host is not a loopback name (DNS rebinding) and cross-site writes. Bound
// anywhere else, a token is required: WARDWATCH_LOCAL_TOKEN, sent as a Bearer header, a cookie set
// by visiting the page once with ?token=..., or that query parameter itself.
// A token names the channels it may ask as (WARDWATCH_LOCAL_CHANNELS for WARDWATCH_LOCAL_TOKEN, or
// WARDWATCH_LOCAL_TOKENS for several tokens): the client can no longer choose a channel, so a cleared
// channel's clearance holds on a shared deployment. WARDWATCH_LOCAL_TOKEN alone may ask only as the
// channels cleared for nothing. The event streams are capped per client and in total.
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UserError } from '../../core/errors.ts';

export const TOKEN_COOKIE = 'wardwatch_token';
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** A token and the channels it may ask as ('uncleared': every local channel cleared for nothing). */
export interface TokenGrant {
  token: string;
  channels: string[] | 'uncleared';
}

export interface StreamLimits {
  /** open event streams per client (a token, or an address on loopback): beyond it, 429 */
  perClient: number;
  /** open event streams in all: beyond it, 503 */
  total: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perClient: 8, total: 200 };

export interface Binding {
  host: string;
  port: number;
  /** Required on every local-page request when set. */
  token: string | null;
  /** Every accepted token with its channels (WARDWATCH_LOCAL_TOKEN's first); empty = no token needed (loopback). */
  grants?: TokenGrant[];
  streams?: StreamLimits;
  loopback: boolean;
  /** False with WARDWATCH_LOCAL_PAGE=off: only /healthz and the Slack/Teams endpoints answer. */
  pageEnabled: boolean;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(h)) return true;
  return isIP(h) === 4 ? h.startsWith('127.') : h === '::1';
}

/**
 * Where to listen, from the environment: WARDWATCH_HOST (default 127.0.0.1), PORT (default 3000),
 * WARDWATCH_LOCAL_TOKEN, WARDWATCH_LOCAL_PAGE (on | off). Binding anywhere but loopback with the page on
 * and no token of 16+ characters is refused; a Slack-only deployment switches the page off instead.
 */
export function resolveBinding(env: NodeJS.ProcessEnv): Binding {
  const host = env.WARDWATCH_HOST?.trim() || '127.0.0.1';
  const portText = env.PORT?.trim() || '3000';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UserError(`PORT must be a port number 0-65535, found "${portText}"`);
  const token = env.WARDWATCH_LOCAL_TOKEN?.trim() || null;
  const loopback = isLoopback(host);
  const pageSetting = (env.WARDWATCH_LOCAL_PAGE?.trim() || 'on').toLowerCase();
  if (pageSetting !== 'on' && pageSetting !== 'off') throw new UserError(`WARDWATCH_LOCAL_PAGE must be "on" or "off", found "${pageSetting}"`);
  const pageEnabled = pageSetting === 'on';
  if (!loopback && !token && pageEnabled && !env.WARDWATCH_LOCAL_TOKENS?.trim()) {
    throw new UserError(
      `WARDWATCH_HOST=${host} would let other machines reach the local channel page: set WARDWATCH_LOCAL_TOKEN (16 or more characters) as well, or WARDWATCH_LOCAL_PAGE=off to serve only /healthz and Slack, or leave WARDWATCH_HOST unset to bind 127.0.0.1`,
    );
  }
  if (token && token.length < 16) throw new UserError('WARDWATCH_LOCAL_TOKEN must be at least 16 characters long');
  const grants = tokenGrants(env, token);
  const streams = streamLimits(env);
  return { host, port: Number(portText), token: token ?? grants[0]?.token ?? null, loopback, pageEnabled, ...(grants.length ? { grants } : {}), ...(streams ? { streams } : {}) };
}

/**
 * The tokens and their channels: WARDWATCH_LOCAL_TOKEN with WARDWATCH_LOCAL_CHANNELS (comma-separated
 * channel names; without it, the channels cleared for nothing), and WARDWATCH_LOCAL_TOKENS, JSON
 * `{"<token>": ["channel", ...]}`. Channel names are checked against the config by the app.
 */
export function tokenGrants(env: NodeJS.ProcessEnv, token: string | null): TokenGrant[] {
  const grants: TokenGrant[] = [];
  if (token) {
    const list = env.WARDWATCH_LOCAL_CHANNELS?.split(',')
      .map((c) => c.trim().replace(/^#/, ''))
      .filter(Boolean);
    grants.push({ token, channels: list?.length ? list : 'uncleared' });
  }
  // `docker --env-file` passes quotes through as part of the value: the shell's and systemd's quoting of the
  // same line arrives here still wrapped in single quotes.
  const more = env.WARDWATCH_LOCAL_TOKENS?.trim().replace(/^'(\{.*\})'$/s, '$1');
  if (more) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(more);
    } catch {
      throw new UserError('WARDWATCH_LOCAL_TOKENS must be JSON: {"<token of 16+ characters>": ["channel-name", ...]} (in an env file, single quotes around it)');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UserError('WARDWATCH_LOCAL_TOKENS must be a JSON object: {"<token>": ["channel-name", ...]}');
    for (const [t, channels] of Object.entries(parsed as Record<string, unknown>)) {
      if (t.length < 16) throw new UserError('WARDWATCH_LOCAL_TOKENS: every token must be at least 16 characters long');
      if (!Array.isArray(channels) || !channels.length || !channels.every((c) => typeof c === 'string' && c.trim()))
        throw new UserError('WARDWATCH_LOCAL_TOKENS: each token needs a list of channel names, e.g. ["cambridge-csp"]');
      if (grants.some((g) => g.token === t)) throw new UserError('WARDWATCH_LOCAL_TOKENS: a token is given twice');
      grants.push({ token: t, channels: channels.map((c: string) => c.trim().replace(/^#/, '')) });
    }
  }
  return grants;
}

function streamLimits(env: NodeJS.ProcessEnv): StreamLimits | undefined {
  const read = (name: string, fallback: number): number => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new UserError(`${name} must be a whole number of 1 or more, found "${text}"`);
    return Number(text);
  };
  if (!env.WARDWATCH_EVENT_STREAMS_PER_CLIENT?.trim() && !env.WARDWATCH_EVENT_STREAMS_MAX?.trim()) return undefined;
  return { perClient: read('WARDWATCH_EVENT_STREAMS_PER_CLIENT', DEFAULT_STREAM_LIMITS.perClient), total: read('WARDWATCH_EVENT_STREAMS_MAX', DEFAULT_STREAM_LIMITS.total) };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function tokenMatches(given: string | undefined, token: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function hostName(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  return hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
}

function refuse(req: Request, res: Response, status: number, message: string): void {
  if (req.accepts(['html', 'json']) === 'html' && req.method === 'GET') {
    res
      .status(status)
      .type('html')
      .send(`<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>Wardwatch</title><p style="font:1rem system-ui;margin:2rem">${message}</p></html>`);
  } else {
    res.status(status).json({ error: message });
  }
}

/** What a request may do once past the guard: `res.locals.access`. */
export interface Access {
  /** the channel names it may ask as; null = every local channel (loopback without a token) */
  channels: ReadonlySet<string> | null;
  /** who it is, for the event-stream cap: the token's digest, or the remote address */
  client: string;
}

export function accessOf(res: Response): Access {
  return (res.locals.access as Access | undefined) ?? { channels: null, client: 'unknown' };
}

export function guard(
  binding: Pick<Binding, 'token' | 'loopback' | 'grants'> & { pageEnabled?: boolean },
  /** The channel names a grant stands for ('uncleared' resolved against the config). */
  channelsFor: (grant: TokenGrant) => ReadonlySet<string> = (g) => new Set(g.channels === 'uncleared' ? [] : g.channels),
): RequestHandler {
  const token = binding.token;
  const grants: TokenGrant[] = binding.grants?.length ? binding.grants : token ? [{ token, channels: 'uncleared' }] : [];
  // With a token and no channel list (tests and callers that pass only `token`), the token may ask as every channel only on loopback.
  const legacyAll = !binding.grants?.length && binding.loopback;
  const grantOf = (given: string | undefined) => grants.find((g) => tokenMatches(given, g.token));
  const allow = (res: Response, g: TokenGrant) => {
    res.locals.access = { channels: legacyAll ? null : channelsFor(g), client: `token:${digest(g.token).toString('hex').slice(0, 16)}` } satisfies Access;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    if (binding.pageEnabled === false) return refuse(req, res, 404, 'The local channel page is switched off here (WARDWATCH_LOCAL_PAGE=off).');
    if (binding.loopback && !isLoopback(hostName(req.headers.host))) {
      return refuse(req, res, 403, 'This page answers only on localhost.');
    }
    const origin = req.headers.origin;
    if (req.method !== 'GET' && req.method !== 'HEAD' && origin) {
      let originHost = '';
      try {
        originHost = new URL(origin).host;
      } catch {
        // an unparseable origin is refused below
      }
      if (originHost !== req.headers.host) return refuse(req, res, 403, 'Cross-site requests are refused.');
    }
    if (!grants.length) {
      res.locals.access = { channels: null, client: `address:${req.socket.remoteAddress ?? 'unknown'}` } satisfies Access;
      return next();
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    const held = grantOf(bearer) ?? grantOf(cookie(req, TOKEN_COOKIE));
    if (held) {
      allow(res, held);
      return next();
    }
    const fromQuery = grantOf(query);
    if (fromQuery) {
      allow(res, fromQuery);
      res.cookie(TOKEN_COOKIE, query, { httpOnly: true, sameSite: 'strict', path: '/' });
      if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
        // drop the token from the address bar (and from history) once the cookie holds it
        const url = new URL(req.originalUrl, 'http://x');
        url.searchParams.delete('token');
        return res.redirect(303, url.pathname + url.search);
      }
      return next();
    }
    return refuse(req, res, 401, 'This Wardwatch page needs its access token: open it once as <code>/?token=</code> followed by the value of WARDWATCH_LOCAL_TOKEN.');
  };
}
