import { processSingleton } from '@/lib/core/process-singleton';
import { errorCodes } from './errors';

/*
 * Whether PostgreSQL is known to be unreachable right now, judged from the outcome of the last
 * query this process sent: one that failed for want of a connection says "down", any answer from
 * the server (rows or an SQL error) says "up". No probing: a process that is asking nothing needs
 * no opinion, and the first query after the database returns clears the state by succeeding.
 *
 * The custom server reads it to answer a page that failed while the database is down with a 503
 * and Retry-After (the visitor and crawlers come back) rather than a 500 (something is broken).
 * The driver that records it is loaded both by the server's bundle and by Next's, separate copies
 * of this module in one process, so the state is one per process (lib/core/process-singleton.ts).
 */

const state = processSingleton('database.outage', (): { downSince: number | null } => ({ downSince: null }));

/** How long a visitor is asked to wait before trying again, in seconds. */
export const RETRY_AFTER_SECONDS = 30;

// postgres.js's own codes for a connection that failed or went away, Node's socket errors, and
// PostgreSQL's for a server shutting down, starting up or dropping the connection (class 08, 57P0x).
const CONNECTION_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
]);

/** True when an error (or its cause, as Drizzle wraps driver errors) means "no database there". */
export function isConnectionFailure(error: unknown): boolean {
  return errorCodes(error).some((code) => CONNECTION_CODES.has(code) || code.startsWith('08'));
}

/** Records what one query's outcome says about the database. */
export function noteQueryOutcome(error?: unknown): void {
  if (error !== undefined && isConnectionFailure(error)) state.downSince ??= Date.now();
  else state.downSince = null;
}

export function databaseUnreachable(): boolean {
  return state.downSince !== null;
}
