import postgres from 'postgres';
import { migrateDatabase } from '@/db/migrate';
import { seedDatabase } from '@/db/seed';

/*
 * Every test run gets databases of its own on the machine's PostgreSQL: a migrated, seeded
 * template made once per run, and a copy of it per test file (CREATE DATABASE … TEMPLATE is a
 * file copy, far faster than seeding again), so files can run in any order and in parallel.
 */

export const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withServer<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function createDatabase(name: string, template?: string): Promise<string> {
  await withServer(async (sql) => {
    await sql.unsafe(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  });
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await withServer(async (sql) => {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  });
}

export async function dropDatabasesWithPrefix(prefix: string): Promise<void> {
  await withServer(async (sql) => {
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where datname like ${`${prefix}%`}`;
    for (const row of rows) await sql.unsafe(`drop database if exists "${row.datname}" with (force)`);
  });
}

export async function createSeededTemplate(name: string): Promise<void> {
  const url = await createDatabase(name);
  await migrateDatabase(url);
  await seedDatabase(url, () => {});
}

/** A fresh copy of the run's seeded template, named after the caller; dropped by the run at the end. */
export async function freshSeededDatabase(label: string): Promise<{ name: string; url: string }> {
  const template = process.env.FRESHPRESS_TEST_TEMPLATE;
  if (!template) throw new Error('FRESHPRESS_TEST_TEMPLATE is not set: run the tests with `npm test`.');
  const name = `${template.replace(/_template$/, '')}_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${process.pid}`;
  return { name, url: await createDatabase(name, template) };
}
