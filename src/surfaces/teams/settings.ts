// What the environment asks of the Teams surface:
//   TEAMS_APP_ID + TEAMS_APP_PASSWORD (+ TEAMS_TENANT_ID for a single-tenant app registration)
//       the bot at /api/messages; every request must carry a valid Bot Framework token
//   TEAMS_ALLOW_UNAUTHENTICATED=1 (and no password)
//       the bot without credentials, for tests and the Bot Framework Emulator only: requests are not
//       checked and outgoing calls carry an unsigned local token. Logged loudly at start.
//   PUBLIC_URL        the https address Teams reaches Wardwatch at (chart images, Acknowledge links)
//   TEAMS_LOG_LEVEL   error | warn | info (default) | debug
// Workflows webhook channels need none of these: only their URL, in the variable the config names.

export type TeamsSettings =
  | { mode: 'bot'; appId: string; password: string; tenantId: string | undefined; authenticated: true; ignoredUnauthenticated: boolean }
  | { mode: 'bot'; appId: string | undefined; password: undefined; tenantId: string | undefined; authenticated: false; ignoredUnauthenticated: false }
  | { mode: null; missing: string; problem: boolean };

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** Which Teams bot the environment asks for; `mode: null` with what is missing (a `problem` when half-configured). */
export function teamsSettings(env: NodeJS.ProcessEnv): TeamsSettings {
  const appId = value(env, 'TEAMS_APP_ID');
  const password = value(env, 'TEAMS_APP_PASSWORD');
  const tenantId = value(env, 'TEAMS_TENANT_ID');
  const unauthenticated = value(env, 'TEAMS_ALLOW_UNAUTHENTICATED') === '1';
  if (appId && password) return { mode: 'bot', appId, password, tenantId, authenticated: true, ignoredUnauthenticated: unauthenticated };
  if (password && !appId) return { mode: null, missing: 'TEAMS_APP_PASSWORD is set but TEAMS_APP_ID is not', problem: true };
  if (unauthenticated) return { mode: 'bot', appId, password: undefined, tenantId, authenticated: false, ignoredUnauthenticated: false };
  if (appId) return { mode: null, missing: 'TEAMS_APP_ID is set but TEAMS_APP_PASSWORD is not (the client secret of the app registration)', problem: true };
  return { mode: null, missing: 'no TEAMS_APP_ID / TEAMS_APP_PASSWORD set', problem: false };
}

/** PUBLIC_URL without a trailing slash, or undefined; throws on something that is not an http(s) URL. */
export function publicUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = value(env, 'PUBLIC_URL');
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`PUBLIC_URL must be the address Teams reaches Wardwatch at, such as https://wardwatch.example.gov.uk, found "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`PUBLIC_URL must start with https://, found "${raw}"`);
  return url.toString().replace(/\/+$/, '');
}
