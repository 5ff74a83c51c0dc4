// Who may use the local page. On loopback (the default) nobody else can reach it, so the guard only
// refuses requests whose Host is not a loopback name (DNS rebinding) and cross-site writes. Bound
// anywhere else, a token is required: WARDWATCH_LOCAL_TOKEN, sent as a Bearer header, a cookie set
// by visiting the page once with ?token=..., or that query parameter itself.
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UserError } from '../../core/errors.ts';

export const TOKEN_COOKIE = 'wardwatch_token';
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export interface Binding {
  host: string;
  port: number;
  /** Required on every local-page request when set. */
  token: string | null;
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
  if (!loopback && !token && pageEnabled) {
    throw new UserError(
      `WARDWATCH_HOST=${host} would let other machines reach the local channel page: set WARDWATCH_LOCAL_TOKEN (16 or more characters) as well, or WARDWATCH_LOCAL_PAGE=off to serve only /healthz and Slack, or leave WARDWATCH_HOST unset to bind 127.0.0.1`,
    );
  }
  if (token && token.length < 16) throw new UserError('WARDWATCH_LOCAL_TOKEN must be at least 16 characters long');
  return { host, port: Number(portText), token, loopback, pageEnabled };
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

export function guard(binding: Pick<Binding, 'token' | 'loopback'> & { pageEnabled?: boolean }): RequestHandler {
  const token = binding.token;
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
    if (!token) return next();
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (tokenMatches(bearer, token) || tokenMatches(cookie(req, TOKEN_COOKIE), token)) return next();
    if (tokenMatches(query, token)) {
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
