import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { config } from '@/lib/core/config';
import { redactError } from '@/lib/core/redact';
import { createDatabase, describeConnectionError } from './client';

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'drizzle');

/** Applies the committed migrations in drizzle/; already-applied ones are skipped. */
export async function migrateDatabase(url: string): Promise<void> {
  const { db, sql } = createDatabase(url, { max: 1 });
  try {
    await migrate(db, { migrationsFolder });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function runCli(main: (url: string) => Promise<void>): Promise<void> {
  const url = config.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/freshpress');
    process.exit(2);
  }
  try {
    await main(url);
  } catch (error) {
    console.error(describeConnectionError(error, url) ?? redactError(error));
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runCli(async (url) => {
    console.log('Applying migrations…');
    await migrateDatabase(url);
    console.log('Database schema is up to date.');
  });
}
