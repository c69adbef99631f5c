import { startEmbeddedPostgres } from '@/db/embedded';

/*
 * The embedded database in a process of its own, as `npm start` runs it beside the server: PGlite
 * holds its process's event loop while it runs a statement, so a test that needs its own timers to
 * run meanwhile (a deadline) keeps the database in another process.
 * Usage: node --import tsx tests/support/embedded-process.ts <data dir>; prints "ready <url>".
 */

const embedded = await startEmbeddedPostgres(process.argv[2] ?? '.data-test');
console.log(`ready ${embedded.url}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void embedded.stop().then(() => process.exit(0));
  });
}
