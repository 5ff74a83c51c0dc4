// The one redaction function (src/core/redact.ts) and the loggers that use it; and how a failed Web API
// call is described and retried by the Slack connection (src/surfaces/slack/connection.ts).
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { LogLevel } from '@slack/bolt';
import { ErrorCode } from '@slack/web-api';
import { describe, expect, it, vi } from 'vitest';
import { describeError, makeRedactor, redactorFor, redactStreams, secretsFromEnv } from '../../src/core/redact.ts';
import { describeSlackFailure, SlackConnection, SlackConnectionProblem, type SlackHealth } from '../../src/surfaces/slack/connection.ts';
import { RedactingLogger } from '../../src/surfaces/slack/log.ts';

const generic = makeRedactor([]);

describe('redaction', () => {
  it.each([
    ['a bot token with _ and .', 'token xoxb-123-456-abc_def.ghi_jkl.mno tail', 'token xoxb-[redacted] tail'],
    ['a user token', 'xoxp-1-2-3-aB_c.D', 'xoxp-[redacted]'],
    ['an app token', '(xapp-1-A0-123-abc_d.e)', '(xapp-[redacted])'],
    ['a rotating token', 'xoxe.xoxp-1-Mi0yLTE_x.y', 'xoxe-[redacted]'],
    ['a refresh token', 'refresh xoxe-1-My0xLTM_a.b', 'refresh xoxe-[redacted]'],
    ['a token glued to a word', 'id_xoxb-1-2-abc_def', 'id_xoxb-[redacted]'],
    ['an Authorization header', 'Authorization: Bearer abc_def.ghi', 'Authorization: [redacted]'],
    ['Basic credentials', "'authorization': 'Basic dXNlcjpwYXNz'", "'authorization': '[redacted]'"],
    ['rawHeaders', "[ 'Authorization', 'Bearer a.b_c', 'Cookie', 'wardwatch_token=x.y_z; theme=dark' ]", "[ 'Authorization', '[redacted]', 'Cookie', '[redacted]' ]"],
    ['a cookie header', 'cookie: session=abc.def_123; other=1', 'cookie: [redacted]'],
    ['set-cookie in inspect', "'set-cookie': [ 'wardwatch_token=abc; Path=/' ]", "'set-cookie': [ '[redacted]' ]"],
    ['a Slack signature', 'x-slack-signature=v0=0123456789abcdef0123456789abcdef', 'x-slack-signature=[redacted]'],
    ['a bare signature', 'sig v0=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'sig v0=[redacted]'],
    ['a bare Bearer', 'sent Bearer abc.def_ghi', 'sent Bearer [redacted]'],
    ['the page token in a query', 'GET /c/x?token=a_b.c&y=1', 'GET /c/x?token=[redacted]&y=1'],
    ['a URL password', 'postgres://user:p%40ss_w.rd@db:5432/ww', 'postgres://user:[redacted]@db:5432/ww'],
    ['a response_url', 'posting to https://hooks.slack.com/commands/T1/123/abc_DEF.x', 'posting to https://hooks.slack.com/[redacted]'],
    [
      'a Teams workflow webhook',
      'https://prod-1.uksouth.logic.azure.com:443/workflows/a/triggers/manual/paths/invoke?sig=S_i.g',
      'https://prod-1.uksouth.logic.azure.com:443/[redacted]',
    ],
    ['JSON token fields', '{"token":"legacy_v.1","client_secret":"c_s.x","ok":true}', '{"token":"[redacted]","client_secret":"[redacted]","ok":true}'],
    ['inspect token fields', "{ token: 'legacy_v.1', team: 'T1' }", "{ token: '[redacted]', team: 'T1' }"],
    ['form token fields', 'token=legacy_v.1&team_id=T1', 'token=[redacted]&team_id=T1'],
  ])('%s', (_what, text, expected) => {
    expect(generic(text)).toBe(expected);
  });

  it('leaves ordinary lines alone', () => {
    for (const line of [
      'slack: http mode on port 3000',
      'Slack said: invalid_auth',
      'Tokens and secrets never appear in the log',
      'open it once with ?token=<WARDWATCH_LOCAL_TOKEN>)',
    ]) {
      expect(generic(line)).toBe(line);
    }
  });

  it('removes a known secret whatever it is made of, also URL-encoded and JSON-escaped', () => {
    const secret = 'weird$secret_with.dots-and "quotes" \\ and spaces';
    const r = makeRedactor([secret]);
    expect(r(`a ${secret} b`)).toBe('a [redacted] b');
    expect(r(`q=${encodeURIComponent(secret)}`)).toBe('q=[redacted]');
    expect(r(JSON.stringify({ v: secret }))).toBe('{"v":"[redacted]"}');
  });

  it('finds the secrets in an environment by name, by shape, and in URLs', () => {
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
      SLACK_SIGNING_SECRET: 'sign_ing.secret',
      WARDWATCH_LOCAL_TOKEN: 'page.token_1234567',
      TEAMS_CAMBRIDGE_HOOK: 'https://x.webhook.office.com/webhookb2/abc',
      WARDWATCH_DATABASE_URL: 'postgres://ww:db_pass.word@h/db',
      PORT: '3000',
      HOME: '/home/someone',
    };
    const found = secretsFromEnv(env);
    expect(found).toEqual(expect.arrayContaining(['xoxb-1-2-abc', 'sign_ing.secret', 'page.token_1234567', 'https://x.webhook.office.com/webhookb2/abc', 'db_pass.word']));
    expect(found).not.toContain('3000');
    expect(found).not.toContain('/home/someone');
    expect(redactorFor(env)('using page.token_1234567 and db_pass.word')).toBe('using [redacted] and [redacted]');
  });

  it('describes an error by its stack, never its other properties (a request it carries)', () => {
    const req = new IncomingMessage(new Socket());
    req.headers = { cookie: 'wardwatch_token=abc', authorization: 'Bearer zzz' };
    const err = Object.assign(new Error('Unhandled HTTP request (GET) made to /slack/events'), { code: 'slack_bolt_http_receiver_deferred_request_error', req });
    const text = describeError(err);
    expect(text).toContain('Unhandled HTTP request (GET) made to /slack/events');
    expect(text).not.toMatch(/cookie|authorization|IncomingMessage/i);
  });

  it("the Slack logger shows an error's stack and a request as its method and path only", () => {
    const lines: string[] = [];
    const logger = new RedactingLogger(makeRedactor(['sign_ing.secret']), LogLevel.DEBUG, (_l, line) => lines.push(line));
    const req = new IncomingMessage(new Socket());
    Object.assign(req, { method: 'GET', url: '/slack/events?token=abc', headers: { cookie: 'wardwatch_token=abc' } });
    logger.error('failed', Object.assign(new Error('boom sign_ing.secret'), { request: req }), req);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[ERROR\] slack failed Error: boom \[redacted\]/);
    expect(lines[0]).toContain('[request GET /slack/events]');
    expect(lines[0]).not.toMatch(/cookie|wardwatch_token|IncomingMessage/i);
  });

  it('redactStreams passes everything written to a stream through the redaction, and undoes', () => {
    const written: string[] = [];
    const stream = { write: (chunk: unknown) => (written.push(String(chunk)), true) } as unknown as NodeJS.WriteStream;
    const undo = redactStreams(makeRedactor(['page.token_1234567']), [stream]);
    stream.write('a page.token_1234567 b\n');
    stream.write(Buffer.from('xoxb-1-2-x_y.z\n'));
    undo();
    stream.write('page.token_1234567\n');
    expect(written).toEqual(['a [redacted] b\n', 'xoxb-[redacted]\n', 'page.token_1234567\n']);
  });
});

describe('Slack failures, in words', () => {
  const what = { tokenName: 'SLACK_BOT_TOKEN', method: 'auth.test', apiUrl: 'https://slack.com/api/', timeoutMs: 10_000 };
  const requestError = (cause: unknown) => ({ code: ErrorCode.RequestError, original: Object.assign(new TypeError('fetch failed'), { cause }) });

  it.each([
    ['invalid_auth', { code: ErrorCode.PlatformError, data: { error: 'invalid_auth' } }, 'SLACK_BOT_TOKEN was rejected by Slack: invalid_auth'],
    ['token_revoked', { code: ErrorCode.PlatformError, data: { error: 'token_revoked' } }, 'SLACK_BOT_TOKEN was rejected by Slack: token_revoked'],
    ['account_inactive', { code: ErrorCode.PlatformError, data: { error: 'account_inactive' } }, 'SLACK_BOT_TOKEN was rejected by Slack: account_inactive'],
    ['another platform error', { code: ErrorCode.PlatformError, data: { error: 'fatal_error' } }, 'Slack refused auth.test: fatal_error'],
    [
      'connection refused',
      requestError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })),
      "Slack's Web API (https://slack.com/api/) could not be reached: connection refused (connect ECONNREFUSED 127.0.0.1:9)",
    ],
    [
      'DNS failure',
      requestError(Object.assign(new Error('getaddrinfo ENOTFOUND slack.com'), { code: 'ENOTFOUND' })),
      "Slack's Web API (https://slack.com/api/) could not be reached: DNS lookup failed (getaddrinfo ENOTFOUND slack.com)",
    ],
    [
      'a timeout',
      { code: ErrorCode.RequestError, original: new DOMException('The operation was aborted due to timeout', 'TimeoutError') },
      "Slack's Web API (https://slack.com/api/) could not be reached: no answer within 10 s",
    ],
    [
      'a connect timeout',
      requestError(Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' })),
      "Slack's Web API (https://slack.com/api/) could not be reached: no answer within 10 s",
    ],
    ['an HTTP error', { code: ErrorCode.HTTPError, statusCode: 503 }, "Slack's Web API (https://slack.com/api/) answered auth.test with HTTP 503"],
  ])('%s', (_what, err, reason) => {
    expect(describeSlackFailure(err, what).reason).toBe(reason);
  });
});

describe('the connection', () => {
  it('backs off exponentially (capped) while attempts fail, and is ok again when one succeeds', async () => {
    vi.useFakeTimers();
    try {
      let fail = true;
      const attempts: number[] = [];
      const changes: SlackHealth[] = [];
      const log = { info: vi.fn(), warn: vi.fn(), debug: vi.fn() };
      const c = new SlackConnection({
        mode: 'http',
        attempt: async () => {
          attempts.push(Date.now());
          if (fail) throw new SlackConnectionProblem('SLACK_BOT_TOKEN was rejected by Slack: invalid_auth');
        },
        backoff: { minMs: 1000, maxMs: 8000 },
        okCheckMs: 0,
        random: () => 0.5,
        log,
        onChange: (h) => changes.push(h),
      });
      await c.check();
      expect(c.report()).toMatchObject({ state: 'degraded', reason: 'SLACK_BOT_TOKEN was rejected by Slack: invalid_auth', failures: 1 });
      for (let i = 0; i < 6; i++) await vi.advanceTimersToNextTimerAsync();
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      expect(gaps).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
      expect(c.report().failures).toBe(7);
      expect(Date.parse(c.report().nextRetry!)).toBe(attempts.at(-1)! + 8000);
      expect(log.warn).toHaveBeenCalledTimes(1); // once when it became degraded, not at every attempt
      fail = false;
      await vi.advanceTimersToNextTimerAsync();
      expect(c.report()).toMatchObject({ state: 'ok', reason: null, failures: 0, nextRetry: null });
      expect(log.info).toHaveBeenLastCalledWith('slack: connected again after 7 failed attempts (it was: SLACK_BOT_TOKEN was rejected by Slack: invalid_auth)');
      // a call elsewhere that says Slack may be gone: checked at once, and the check decides
      const before = attempts.length;
      c.lost("Slack's Web API (https://slack.com/api/) could not be reached: connection refused");
      await c.idle();
      expect(attempts.length).toBe(before + 1);
      expect(c.report().state).toBe('ok');
      c.lost('again at once'); // not more than one such check per minMs
      await c.idle();
      expect(attempts.length).toBe(before + 1);
      fail = true;
      vi.advanceTimersByTime(1000);
      c.lost('SLACK_BOT_TOKEN was rejected by Slack: token_revoked');
      await c.idle();
      expect(c.report()).toMatchObject({ state: 'degraded', reason: 'SLACK_BOT_TOKEN was rejected by Slack: invalid_auth', failures: 1 });
      c.stop();
      expect(c.report().state).toBe('stopped');
      expect(vi.getTimerCount()).toBe(0);
      expect(changes.length).toBeGreaterThan(5);
    } finally {
      vi.useRealTimers();
    }
  });
});
