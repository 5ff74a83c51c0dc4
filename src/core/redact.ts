// The one redaction function every logger uses (the Slack/Bolt logger, `wardwatch serve`'s stdout and
// stderr, the local page's error log). It removes, whatever characters they are made of:
//   - the secrets it was given (the values of SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN,
//     WARDWATCH_LOCAL_TOKEN, webhook URLs, ...: see secretsFromEnv), also URL- and JSON-escaped;
//   - anything shaped like a Slack token (xoxb-, xoxp-, xapp-, xoxe., xoxe-, ...) up to the next
//     delimiter, so a token with `_` or `.` in it loses its tail too;
//   - Authorization / Cookie / Set-Cookie / x-slack-signature header values, Bearer and Basic
//     credentials, Slack `v0=` signatures, the page's token cookie and ?token= parameters;
//   - passwords in URLs, Slack response_url / incoming-webhook URLs and Teams / Power Automate webhook URLs;
//   - token, secret and password fields in JSON, util.inspect output and form bodies.
// Redaction is a safety net: nothing should try to log a request or a secret in the first place.

const R = '[redacted]';

/** Where a secret value ends in running text: whitespace, quotes, brackets and separators. */
const TAIL = String.raw`[^\s"'\x60<>,;&)\]}\\]`;

/** Header (or field) names whose value is a credential. */
const CREDENTIAL_HEADERS = String.raw`authorization|proxy-authorization|x-slack-signature|x-wardwatch-token`;
/** Field names whose value is a credential, in JSON, util.inspect and form bodies. */
const SECRET_FIELDS = String.raw`token|access_token|refresh_token|bot_token|app_token|user_token|client_secret|signing_secret|state_secret|secret|password|passwd|api_key|apikey|webhook_url|webhookUrl|response_url|cookie|set-cookie|authorization|x-slack-signature`;

const PATTERNS: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // Slack tokens of every kind: xoxb- xoxp- xoxa- xoxr- xoxs- xoxe- xoxe.xoxp- xapp- ...
  [new RegExp(String.raw`(xox[a-z]|xapp)[-.]${TAIL}*`, 'gi'), (_m, kind) => `${kind}-${R}`],
  // `Authorization: Bearer x`, `'authorization': 'Basic x'`, rawHeaders `'Authorization', 'Bearer x'`
  [new RegExp(String.raw`\b(${CREDENTIAL_HEADERS})(['"]?\s*[:=,]\s*['"]?)(?:(?:bearer|basic|token)\s+)?${TAIL}+`, 'gi'), (_m, name, sep) => `${name}${sep}${R}`],
  // cookies: everything after the header name up to the end of the value
  [/\b(cookie|set-cookie)(['"]?\s*[:=,]\s*(?:\[\s*)?['"]?)[^'"\r\n]*/gi, (_m, name, sep) => `${name}${sep}${R}`],
  // bare credentials
  [new RegExp(String.raw`\b(bearer)\s+${TAIL}{4,}`, 'gi'), (_m, scheme) => `${scheme} ${R}`],
  // Slack request signatures
  [/\bv0=[0-9a-f]{16,}/gi, `v0=${R}`],
  // the local page's cookie and query parameter, and other credentials passed in a URL or form
  [/\b(wardwatch_token=)[^;\s'"&]*/gi, `$1${R}`],
  [/([?&](?:token|access_token|refresh_token|code|sig|signature|client_secret|secret|key|password|state)=)(?!<)[^&\s'"#<>()]*/gi, `$1${R}`],
  // passwords in URLs: scheme://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]*:)[^\s@/'"]+@/gi, `$1${R}@`],
  // Slack response_url and incoming webhooks, Teams and Power Automate webhooks (the URL is the credential)
  [/(https?:\/\/hooks\.slack(?:-gov)?\.com\/)[^\s'"<>]+/gi, `$1${R}`],
  [/(https?:\/\/[a-z0-9.-]*(?:webhook\.office\.com|logic\.azure\.com|api\.powerplatform\.com|powerautomate\.com)(?::\d+)?\/)[^\s'"<>]+/gi, `$1${R}`],
  // token/secret fields: JSON "token": "x", util.inspect token: 'x', form token=x
  [new RegExp(String.raw`("(?:${SECRET_FIELDS})"\s*:\s*")(?:[^"\\]|\\.)*"`, 'gi'), `$1${R}"`],
  [new RegExp(String.raw`(\b(?:${SECRET_FIELDS})'?\s*:\s*')(?:[^'\\]|\\.)*'`, 'gi'), `$1${R}'`],
  [new RegExp(String.raw`((?:^|[\s&?])(?:${SECRET_FIELDS})=)(?!<)[^&\s'"<>()]*`, 'gi'), `$1${R}`],
];

export type Redact = (text: string) => string;

/** The forms a secret may take in a log line: as is, URL-encoded, JSON-escaped. */
function variants(secret: string): string[] {
  const out = new Set([secret]);
  try {
    out.add(encodeURIComponent(secret));
  } catch {
    // a lone surrogate cannot be encoded; the raw form is still redacted
  }
  out.add(JSON.stringify(secret).slice(1, -1));
  return [...out];
}

/**
 * A redaction function for these secrets (values shorter than 8 characters are ignored: they would
 * redact ordinary words) on top of the patterns above.
 */
export function makeRedactor(secrets: Iterable<string | null | undefined>): Redact {
  const known = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.trim().length >= 8).flatMap((s) => variants(s.trim())))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) => {
    let out = String(text);
    for (const s of known) if (out.includes(s)) out = out.split(s).join(R);
    for (const [re, to] of PATTERNS) out = out.replace(re, to as string);
    return out;
  };
}

/** Environment variables whose value is a secret by name. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|WEBHOOK|COOKIE|CREDENTIAL|SIGNING)/i;
/** Values that are secrets whatever the variable is called: webhook URLs, URLs with a password. */
const SECRET_VALUE = /hooks\.slack(-gov)?\.com\/|webhook\.office\.com|logic\.azure\.com|api\.powerplatform\.com|^(xox[a-z]|xapp)[-.]/i;

/**
 * The secrets an environment holds: every variable named like a secret (SLACK_BOT_TOKEN,
 * SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, WARDWATCH_LOCAL_TOKEN,
 * TEAMS_*_WEBHOOK...), every value shaped like a token or webhook URL, and the password of every URL
 * (WARDWATCH_DATABASE_URL).
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string' || value.trim() === '') continue;
    if (name.startsWith('npm_')) continue;
    if (SECRET_NAME.test(name) || SECRET_VALUE.test(value)) out.push(value);
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s@/]+)@/i.exec(value.trim())?.[1];
    if (password) {
      out.push(password);
      try {
        out.push(decodeURIComponent(password));
      } catch {
        // not percent-encoded
      }
    }
  }
  return out;
}

/** The redactor for an environment's secrets (and any others given). */
export function redactorFor(env: NodeJS.ProcessEnv, extra: Array<string | undefined> = []): Redact {
  return makeRedactor([...secretsFromEnv(env), ...extra]);
}

/**
 * An error, described for a log: its stack (or message), never its other properties (a Bolt error
 * carries the whole request and response; util.inspect would print their headers).
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const text = err.stack ?? `${err.name}: ${err.message}`;
    return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/**
 * Passes everything written to these streams (stdout, stderr) through `redact`: every logger of the
 * process (console, Bolt's, a library's) then shares the one redaction. Returns the undo.
 */
export function redactStreams(redact: Redact, streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): () => void {
  const undo: Array<() => void> = [];
  for (const stream of streams) {
    const original = stream.write;
    const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : chunk;
      return (original as (...a: unknown[]) => boolean).call(this, typeof text === 'string' ? redact(text) : text, ...rest);
    };
    stream.write = write as typeof stream.write;
    undo.push(() => {
      stream.write = original;
    });
  }
  return () => undo.forEach((u) => u());
}
