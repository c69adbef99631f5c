import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { config } from '@/lib/config';
import * as schema from './schema';

export type Database = ReturnType<typeof createDatabase>['db'];
/** A connection or an open transaction: writes that must share a writer's transaction take either. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/** Used by scripts that manage their own connection (migrate, seed) as well as by the app. */
export function createDatabase(url: string, options: { max?: number } = {}) {
  const sql = postgres(url, {
    max: options.max ?? config.DATABASE_POOL_SIZE,
    // Migrations print NOTICEs ("relation already exists, skipping"); nobody needs them.
    onnotice: () => {},
    // A connection the server dropped (restart, idle reaper) is replaced instead of failing a request later.
    idle_timeout: 60,
    connect_timeout: 10,
  });
  return { sql, db: drizzle(sql, { schema }) };
}

function requireDatabaseUrl(): string {
  if (!config.DATABASE_URL) {
    throw new Error(
      'DATABASE_URL is not set. Run the blog with `npm start` (it starts an embedded database when ' +
        'DATABASE_URL is absent) or set DATABASE_URL=postgres://user@host:5432/dbname.',
    );
  }
  return config.DATABASE_URL;
}

// One pool per process. Next's dev server re-evaluates modules on every edit; keeping the pool on
// globalThis stops each reload from opening another pool until the server runs out of connections.
const globalForDb = globalThis as unknown as { freshpressDb?: ReturnType<typeof createDatabase> };

/** The app's database. Connecting is deferred to first use so importing this module never throws. */
export function getDb(): Database {
  globalForDb.freshpressDb ??= createDatabase(requireDatabaseUrl());
  return globalForDb.freshpressDb.db;
}

export async function closeDatabase(): Promise<void> {
  const current = globalForDb.freshpressDb;
  globalForDb.freshpressDb = undefined;
  await current?.sql.end({ timeout: 5 });
}

/** Turns driver errors that mean "no server there" into a sentence that says what to do. */
export function describeConnectionError(error: unknown, url: string): string | undefined {
  // Drizzle wraps the driver's error as `cause` of a "Failed query" error.
  let code: string | undefined;
  for (let current: unknown = error; current && !code; current = (current as { cause?: unknown }).cause) {
    code = (current as { code?: string }).code;
  }
  let where = url;
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    // Keep the raw value: describing a malformed URL is still better than nothing.
  }
  if (code === 'ECONNREFUSED') return `PostgreSQL at ${where} refused the connection: is it running?`;
  if (code === 'ENOTFOUND') return `PostgreSQL host in ${where} was not found: check DATABASE_URL.`;
  if (code === '3D000') return `The database named in DATABASE_URL does not exist at ${where}: create it first (createdb).`;
  if (code === '28P01' || code === '28000') return `PostgreSQL at ${where} rejected the credentials in DATABASE_URL.`;
  if (code === 'CONNECT_TIMEOUT') return `PostgreSQL at ${where} did not answer within 10 s: is the host reachable?`;
  return undefined;
}
