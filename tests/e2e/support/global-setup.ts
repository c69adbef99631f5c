import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { build } from '../../../server/build';
import { createSeededTemplate, dropDatabase, freshSeededDatabase } from '../../support/databases';
import { runtimeFiles } from '../../../server/runtime-files';
import { deleteStatsKeys } from '../../support/redis';
import { freePort, startProcess, waitForHttp } from './server';

/*
 * Builds the app against a fresh seeded database and starts it with `next start`, as production
 * runs it: once with comments published at once, once (a copy of the same build) with manual
 * moderation. The tests reach them through the E2E_* variables set here.
 */

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

export default async function globalSetup(_config: FullConfig) {
  const root = process.cwd();
  const results = path.join(root, 'test-results');
  await mkdir(results, { recursive: true });

  let ownTemplate: string | undefined;
  if (!process.env.FRESHPRESS_TEST_TEMPLATE) {
    // Run directly with `npx playwright test`: make the seeded template `npm test` would have made.
    ownTemplate = `freshpress_e2e_${Date.now().toString(36)}_template`;
    await createSeededTemplate(ownTemplate);
    process.env.FRESHPRESS_TEST_TEMPLATE = ownTemplate;
  }
  const database = await freshSeededDatabase('e2e');

  const statsPrefix = `${database.name}_stats`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    DATABASE_URL: database.url,
    ADMIN_TOKEN,
    STATS_PREFIX: statsPrefix,
    // The suites post many comments from one address, quickly; flood control has a suite of its own.
    COMMENT_RATE_LIMIT: 'off',
    COMMENT_MIN_FILL_SECONDS: '0',
    // The search suite searches more than a reader would; its limit is tested on a server of its own.
    SEARCH_RATE_LIMIT: 'off',
  };

  const built = await build(env, 'pipe');
  await writeFile(path.join(results, 'build-output.txt'), built.output);
  if (built.code !== 0) throw new Error(`next build failed:\n${built.output}`);

  const manualDist = '.next-e2e-manual';
  await rm(path.join(root, manualDist), { recursive: true, force: true });
  await cp(path.join(root, '.next'), path.join(root, manualDist), {
    recursive: true,
    filter: (source) =>
      !source.includes(`${path.sep}cache${path.sep}turbopack`) && !source.endsWith(`${path.sep}standalone`),
  });

  const [port, manualPort] = [await freePort(), await freePort()];
  const main = startProcess(process.execPath, [runtimeFiles.server], {
    ...env,
    PORT: String(port),
    COMMENT_MODERATION: 'off',
  });
  const manual = startProcess(process.execPath, [runtimeFiles.server], {
    ...env,
    PORT: String(manualPort),
    COMMENT_MODERATION: 'manual',
    FRESHPRESS_DIST_DIR: manualDist,
    STATS_PREFIX: `${statsPrefix}_manual`,
  });
  const baseURL = `http://127.0.0.1:${port}`;
  const manualURL = `http://127.0.0.1:${manualPort}`;
  await Promise.all([
    waitForHttp(`${baseURL}/api/health`, main.child, main.output, 60_000),
    waitForHttp(`${manualURL}/api/health`, manual.child, manual.output, 60_000),
  ]);

  process.env.E2E_BASE_URL = baseURL;
  process.env.E2E_MANUAL_URL = manualURL;
  process.env.E2E_DATABASE_URL = database.url;
  process.env.E2E_ADMIN_TOKEN = ADMIN_TOKEN;
  process.env.E2E_STATS_PREFIX = statsPrefix;

  return async () => {
    await Promise.all([main.stop(), manual.stop()]);
    await writeFile(
      path.join(results, 'server-output.txt'),
      `${main.output()}\n--- manual moderation ---\n${manual.output()}`,
    );
    await rm(path.join(root, manualDist), { recursive: true, force: true });
    await deleteStatsKeys(statsPrefix);
    await dropDatabase(database.name);
    if (ownTemplate) await dropDatabase(ownTemplate);
  };
}
