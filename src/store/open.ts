// The store factory: PostgreSQL when WARDWATCH_DATABASE_URL (postgres://...) is set, else the embedded
// SQLite file ($WARDWATCH_DB, default data/wardwatch.sqlite). Both are the one kysely implementation;
// migrations run on open, under a lock, so replicas starting together migrate once.
import { resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import type { Store } from './types.ts';
import { redactUrl } from './url.ts';

export { redactUrl } from './url.ts';

export interface StoreTarget {
  /** postgres://user:pass@host:port/db (or postgresql://); wins over `path`. */
  url?: string | undefined;
  /** The SQLite file (':memory:' for a throwaway one). */
  path?: string | undefined;
}

/** The SQLite file: $WARDWATCH_DB, else ./data/wardwatch.sqlite. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.WARDWATCH_DB || 'data/wardwatch.sqlite');
}

/** Which store the environment names: PostgreSQL by WARDWATCH_DATABASE_URL, else the SQLite file. */
export function storeTargetFromEnv(env: NodeJS.ProcessEnv = process.env): StoreTarget {
  const url = env.WARDWATCH_DATABASE_URL?.trim();
  if (url) return { url };
  return { path: defaultDbPath(env) };
}

/** Opens (creating and migrating as needed) the store the target names. */
export async function openStore(target: StoreTarget = storeTargetFromEnv()): Promise<Store> {
  if (target.url) {
    if (!/^postgres(ql)?:\/\//i.test(target.url)) {
      throw new UserError(`WARDWATCH_DATABASE_URL must start with postgres:// or postgresql:// (got ${redactUrl(target.url).split(':')[0]}:...)`);
    }
    const { openPostgresStore } = await import('./kysely.ts');
    return openPostgresStore(target.url);
  }
  const { openSqliteStore } = await import('./kysely.ts');
  return openSqliteStore(target.path ?? defaultDbPath());
}
