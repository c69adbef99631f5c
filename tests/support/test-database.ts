import { after, before } from 'node:test';
import { createDatabase as connect, type Database } from '@/db/client';
import { dropDatabase, freshSeededDatabase } from './databases';

/**
 * Gives a test file its own copy of the seeded database for its whole run, and drops it after.
 * The returned object is filled in by the `before` hook.
 */
export function seededDatabaseForFile(label: string): { db: Database; url: string } {
  const handle = {} as { db: Database; url: string; close?: () => Promise<void>; name?: string };
  before(async () => {
    const fresh = await freshSeededDatabase(label);
    const { db, sql } = connect(fresh.url, { max: 4 });
    Object.assign(handle, { db, url: fresh.url, name: fresh.name, close: () => sql.end({ timeout: 5 }) });
  });
  after(async () => {
    await handle.close?.();
    if (handle.name) await dropDatabase(handle.name);
  });
  return handle;
}
