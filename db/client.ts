import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { config } from '@/lib/core/config';
import { redactUrl } from '@/lib/core/redact';
import { processSlot } from '@/lib/core/process-singleton';
import { databaseCode } from './errors';
import { noteQueryOutcome } from './outage';
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
    // After a failed connection postgres.js waits 3^n/100 s (up to 20 s) before the next attempt, and
    // queries wait with it: after a minute's outage a page or a comment would hang for up to 20 s
    // before failing, and the first requests after the database came back as long. Half a second
    // at most keeps a down database failing at once and a returning one used at once; a pool
    // retrying twice a second is no load on a server that is starting.
    backoff: (retries: number) => Math.min(0.05 * retries, 0.5),
  });
  observeOutcomes(sql);
  return { sql, db: drizzle(sql, { schema }) };
}

/**
 * Every query Drizzle sends goes through `unsafe` (or `begin`, for a transaction): the outcome of
 * each tells whether the database is reachable (./outage.ts). A postgres.js query is a lazy
 * promise that runs when first awaited, so it is watched through Promise.prototype.then, which
 * does not start it, and handed back to Drizzle untouched.
 */
function observeOutcomes(sql: postgres.Sql): void {
  const watch = (settling: PromiseLike<unknown>) => {
    Promise.prototype.then.call(
      settling,
      () => noteQueryOutcome(),
      (error: unknown) => noteQueryOutcome(error),
    );
  };
  const unsafe = sql.unsafe.bind(sql);
  const begin = sql.begin.bind(sql);
  sql.unsafe = ((...args: Parameters<typeof unsafe>) => {
    const query = unsafe(...args);
    watch(query);
    return query;
  }) as typeof sql.unsafe;
  sql.begin = ((...args: Parameters<typeof begin>) => {
    const transaction = begin(...args);
    watch(transaction);
    return transaction;
  }) as typeof sql.begin;
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

// One pool per process, shared by the server's bundle and Next's (lib/core/process-singleton.ts);
// it also stops each of Next's dev-server reloads from opening another pool.
const pool = processSlot<ReturnType<typeof createDatabase>>('database.pool');

/** The app's database. Connecting is deferred to first use so importing this module never throws. */
export function getDb(): Database {
  let current = pool.get();
  if (!current) {
    current = createDatabase(requireDatabaseUrl());
    pool.set(current);
  }
  return current.db;
}

export async function closeDatabase(): Promise<void> {
  const current = pool.get();
  pool.set(null);
  await current?.sql.end({ timeout: 5 });
}

/** Turns driver errors that mean "no server there" into a sentence that says what to do. */
export function describeConnectionError(error: unknown, url: string): string | undefined {
  const code = databaseCode(error);
  let where: string;
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    where = redactUrl(url);
  }
  if (code === 'ECONNREFUSED') return `PostgreSQL at ${where} refused the connection: is it running?`;
  if (code === 'ENOTFOUND') return `PostgreSQL host in ${where} was not found: check DATABASE_URL.`;
  if (code === '3D000')
    return `The database named in DATABASE_URL does not exist at ${where}: create it first (createdb).`;
  if (code === '28P01' || code === '28000') return `PostgreSQL at ${where} rejected the credentials in DATABASE_URL.`;
  if (code === 'CONNECT_TIMEOUT') return `PostgreSQL at ${where} did not answer within 10 s: is the host reachable?`;
  return undefined;
}
