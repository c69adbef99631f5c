import { existsSync } from 'node:fs';
import path from 'node:path';
import { createDatabase, describeConnectionError, type Database } from '@/db/client';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@/db/embedded';
import { errorCodes } from '@/db/errors';
import { config } from '@/lib/core/config';
import { redactSecrets } from '@/lib/core/redact';

/*
 * The database a moving-in or moving-out command works on: DATABASE_URL, or the embedded database
 * `npm start` keeps under FRESHPRESS_DATA_DIR, refused at once while a server holds it (the
 * embedded database lives in that server's process), as `npm run db:grow` does.
 */

/** A refusal that says what to do, printed as it is. */
export class Refused extends Error {}

export async function withScriptDatabase<T>(doing: string, work: (db: Database) => Promise<T>): Promise<T> {
  let embedded: EmbeddedPostgres | undefined;
  try {
    let url = config.DATABASE_URL;
    if (!url) {
      const dataDir = path.resolve(config.FRESHPRESS_DATA_DIR);
      if (!existsSync(path.join(dataDir, 'pglite')))
        throw new Refused(
          `No DATABASE_URL, and no embedded database in ${dataDir}: run npm start once, or set DATABASE_URL.`,
        );
      console.log(`No DATABASE_URL: ${doing} the embedded database in ${dataDir}.`);
      embedded = await startEmbeddedPostgres(dataDir, { waitForLock: false });
      url = embedded.url;
    }
    const { db, sql } = createDatabase(url, { max: 1 });
    try {
      return await work(db);
    } finally {
      await sql.end({ timeout: 5 });
    }
  } finally {
    await embedded?.stop();
  }
}

/** Prints a failure as the person running the command can act on it; returns the exit code. */
export function reportFailure(error: unknown): number {
  if (error instanceof Refused) console.error(error.message);
  else if (errorCodes(error).some((code) => code === '42P01' || code === '42703'))
    console.error('The database is missing Freshpress tables or columns: run npm run db:migrate first.');
  else {
    const described = config.DATABASE_URL && describeConnectionError(error, config.DATABASE_URL);
    if (described) console.error(described);
    else if (error instanceof Error)
      // Drizzle's "Failed query" names the statement; the reason is on its cause.
      console.error(redactSecrets(`${error.message}${error.cause instanceof Error ? `\n${error.cause.message}` : ''}`));
    else console.error(redactSecrets(String(error)));
  }
  return 1;
}
