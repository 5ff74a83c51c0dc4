// A database of a bench's own on a PostgreSQL server (the ask and national benches share it).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database of the bench's own on a PostgreSQL server: its URL, and how to drop it. */
export async function benchDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
    await c.connect();
    try {
      await c.query(sql.replace('$db', c.escapeIdentifier(name)));
    } finally {
      await c.end();
    }
  };
  await admin('CREATE DATABASE $db');
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  // the server's pool may still be closing its clients: the plain drop is tried for a moment first
  const drop = async () => {
    for (let i = 0; i < 20; i++) {
      try {
        return await admin('DROP DATABASE IF EXISTS $db');
      } catch (e) {
        if ((e as { code?: string }).code !== '55006') throw e; // 55006: still in use
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await admin('DROP DATABASE IF EXISTS $db WITH (FORCE)');
  };
  return { url: u.toString(), drop };
}
