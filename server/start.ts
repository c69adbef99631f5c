import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { describeConnectionError } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { seedIfEmpty } from '@/db/seed';
import { config } from '@/lib/core/config';
import { redactSecrets } from '@/lib/core/redact';
import { build } from './build';
import { runtimeFiles } from './runtime-files';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@/db/embedded';
import { ALLOCATOR_ENV } from './allocator';

/*
 * `npm start`: the blog in production mode from a fresh clone. Without DATABASE_URL it runs on an
 * embedded PostgreSQL under FRESHPRESS_DATA_DIR; either way it migrates, seeds an empty database,
 * builds when no build of the current sources for this database exists, then serves on PORT.
 */

const root = process.cwd();
const distDir = path.resolve(root, config.FRESHPRESS_DIST_DIR);
const stampFile = path.join(distDir, 'freshpress-build.json');
const sourceEntries = [
  'app',
  'components',
  'lib',
  'db',
  'drizzle',
  'server',
  'next.config.ts',
  'package-lock.json',
  'tsconfig.json',
];

const log = (line: string) => console.log(`[freshpress] ${line}`);

async function filesUnder(entry: string): Promise<string[]> {
  const full = path.join(root, entry);
  if (!existsSync(full)) return [];
  if (!(await stat(full)).isDirectory()) return [entry];
  const children = await readdir(full, { withFileTypes: true });
  const nested = await Promise.all(children.map((child) => filesUnder(path.join(entry, child.name))));
  return nested.flat();
}

/**
 * A build holds pages prerendered from one database for one site, so it is current only for the
 * same sources, the same database and the same site settings; anything else would serve another
 * database's pages until they expire, or render every page afresh (lib/page-cache/build-site.ts).
 */
async function buildIdentity(databaseIdentity: string): Promise<string> {
  const site = [config.SITE_URL ?? null, config.SITE_TITLE, config.SITE_DESCRIPTION];
  const hash = createHash('sha256').update(databaseIdentity).update(JSON.stringify(site));
  const files = (await Promise.all(sourceEntries.map(filesUnder))).flat().sort();
  for (const file of files) hash.update(file).update(await readFile(path.join(root, file)));
  return hash.digest('hex');
}

async function buildIsCurrent(identity: string): Promise<boolean> {
  if (
    !existsSync(path.join(distDir, 'BUILD_ID')) ||
    !existsSync(runtimeFiles.server) ||
    !existsSync(runtimeFiles.cacheHandler)
  )
    return false;
  try {
    return JSON.parse(await readFile(stampFile, 'utf8')).identity === identity;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.DATABASE_URL;
  let databaseIdentity: string;
  if (url) {
    const parsed = new URL(url);
    databaseIdentity = `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
    log(`Using PostgreSQL at ${databaseIdentity}.`);
  } else {
    const dataDir = path.resolve(root, config.FRESHPRESS_DATA_DIR);
    log(`No DATABASE_URL: starting the embedded PostgreSQL (data in ${dataDir})…`);
    embedded = await startEmbeddedPostgres(dataDir);
    url = embedded.url;
    databaseIdentity = `embedded:${dataDir}`;
  }
  const stopEmbedded = async () => {
    await embedded?.stop();
    embedded = undefined;
  };

  // Two servers started together from one folder (one site on two ports) must not migrate, seed
  // or build at once: the second waits for the first, then finds everything done.
  const release = await lockfile.lock(path.join(root, 'package.json'), {
    lockfilePath: `${distDir}.build-lock`,
    retries: { retries: 600, minTimeout: 500, maxTimeout: 1000 },
  });
  try {
    log('Applying migrations…');
    await migrateDatabase(url);
    await seedIfEmpty(url, log);
  } catch (error) {
    console.error(`[freshpress] ${describeConnectionError(error, url) ?? redactSecrets(String(error))}`);
    await release();
    await stopEmbedded();
    process.exit(1);
  }

  const env: NodeJS.ProcessEnv = { ...process.env, ...ALLOCATOR_ENV, DATABASE_URL: url, NODE_ENV: 'production' };
  const identity = await buildIdentity(databaseIdentity);
  try {
    if (await buildIsCurrent(identity)) {
      log('The build is current; not rebuilding.');
    } else {
      log('Building the site (prerendering the newest pages)…');
      const { code } = await build(env);
      if (code !== 0) {
        console.error('[freshpress] The build failed; see the output above.');
        await release();
        await stopEmbedded();
        process.exit(code);
      }
      // Taken again: `next build` adds the build directory's type paths to tsconfig.json, and a start
      // that waited for this build must find it current.
      await writeFile(
        stampFile,
        JSON.stringify({ identity: await buildIdentity(databaseIdentity), builtAt: new Date().toISOString() }),
      );
    }
  } finally {
    await release().catch(() => undefined);
  }

  log(`Serving on http://localhost:${config.PORT}`);
  const server = spawn(process.execPath, [runtimeFiles.server], { stdio: 'inherit', env });
  // Forwarded so the server can flush and exit cleanly; the embedded database closes after it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => server.kill(signal));
  }
  server.once('exit', async (code, signal) => {
    await stopEmbedded();
    process.exit(code ?? (signal ? 0 : 1));
  });
}

await main();
