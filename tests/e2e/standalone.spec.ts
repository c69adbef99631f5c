import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase } from '../support/databases';
import { expect, test } from './support/fixtures';
import { freePort, startProcess, waitForHttp } from './support/server';
import { comment, get, healthDetail, OwnSite, SITE_ADMIN_TOKEN } from './support/site';

/*
 * The deployable folder: `<distDir>/standalone`, copied alone to a place with no source tree and
 * no node_modules above it, migrates a new database and serves the site from there.
 */

const site = new OwnSite();
test.beforeAll(async () => site.open('standalone'));
test.afterAll(async () => site.close());

test('the standalone folder, copied alone to another place, migrates a database and serves the blog', async () => {
  test.setTimeout(180_000);
  const folder = await mkdtemp(path.join(tmpdir(), 'freshpress-standalone-'));
  const emptyDatabase = `${site.database.name}_empty`;
  try {
    await cp(path.join(process.cwd(), '.next', 'standalone'), folder, {
      recursive: true,
      verbatimSymlinks: false,
      dereference: true,
    });
    // What the README says the folder holds, and nothing from the source tree.
    const entries = (await readdir(folder)).sort();
    expect(entries).toEqual(
      expect.arrayContaining(['.freshpress', '.next', 'drizzle', 'node_modules', 'package.json']),
    );
    expect(entries).not.toContain('app');
    expect(entries).not.toContain('next.config.ts');
    // No server but ours: Next's would skip the security headers and believe a forged client header.
    expect(entries).not.toContain('server.js');

    // The shipped systemd unit runs files the folder has, from the folder.
    const unit = await readFile(path.join(process.cwd(), 'deploy', 'freshpress.service'), 'utf8');
    const commands = [...unit.matchAll(/^Exec\w*=\/usr\/bin\/node (\S+)$/gm)].map((match) => match[1]!);
    expect(commands).toEqual(['.freshpress/migrate.mjs', '.freshpress/server.mjs']);
    for (const file of commands) expect(existsSync(path.join(folder, file)), file).toBe(true);

    // Migrations on deploy: the folder's own command brings an empty database up to date.
    const emptyUrl = await createDatabase(emptyDatabase);
    const migrated = spawnSync(process.execPath, ['.freshpress/migrate.mjs'], {
      cwd: folder,
      env: { ...process.env, DATABASE_URL: emptyUrl },
      encoding: 'utf8',
    });
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('Database schema is up to date.');

    const port = await freePort();
    const server = startProcess(
      process.execPath,
      ['.freshpress/server.mjs'],
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: site.database.url,
        REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        STATS_PREFIX: site.prefix,
        ADMIN_TOKEN: SITE_ADMIN_TOKEN,
        WEB_CONCURRENCY: '2',
      },
      folder,
    );
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${base}/api/health`, server.child, server.output, 60_000);
      expect(server.output()).toContain('starting 2 server processes');
      const health = await healthDetail<{ status: string; cache: { mode: string } }>(base);
      expect(health).toMatchObject({ status: 'ok', cache: { mode: 'shared' } });

      const home = await get(base, '/');
      expect(home.status).toBe(200);
      expect(home.html.match(/<article class="post-summary"/g)).toHaveLength(10);
      const script = home.html.match(/src="(\/_next\/static\/[^"]+\.js)"/)?.[1];
      expect(script).toBeTruthy();
      expect((await fetch(`${base}${script}`)).status).toBe(200);
      const [post] = await site.publishedNewestFirst();
      expect((await get(base, `/posts/${post!.slug}`)).status).toBe(200);
      expect((await get(base, '/feed.xml')).status).toBe(200);
      // A card drawn here, not at build time: the folder holds the font and the renderer it needs.
      const older = (await site.publishedNewestFirst())[40]!;
      const card = await fetch(`${base}/posts/${older.slug}/opengraph-image`);
      expect(card.status).toBe(200);
      expect(card.headers.get('content-type')).toBe('image/png');
      expect(
        Buffer.from(await card.arrayBuffer())
          .subarray(1, 4)
          .toString('latin1'),
      ).toBe('PNG');
      const text = `from the standalone folder ${Date.now()}`;
      await comment(base, post!.id, text);
      expect((await get(base, `/posts/${post!.slug}`)).html).toContain(text);
    } finally {
      await server.stop();
    }
  } finally {
    await dropDatabase(emptyDatabase);
    await rm(folder, { recursive: true, force: true });
  }
});
