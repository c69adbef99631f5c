/*
 * Drizzle wraps the driver's error as the `cause` of a "Failed query" error, and postgres.js may
 * wrap a socket's: the codes that say what happened (PostgreSQL's SQLSTATE, the driver's own,
 * Node's ECONNREFUSED…) sit somewhere on the cause chain. Every reader of a code walks it here.
 */

/** Every string `code` on the cause chain, outermost first. */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (
    let at = error, depth = 0;
    at && typeof at === 'object' && depth < 5;
    at = (at as { cause?: unknown }).cause, depth += 1
  ) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** The outermost code: PostgreSQL's for a refused statement (23505 unique violation, 23514 check…). */
export function databaseCode(error: unknown): string | undefined {
  return errorCodes(error)[0];
}
