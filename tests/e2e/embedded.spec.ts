import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from './support/fixtures';
import { freePort, startProcess, waitForHttp } from './support/server';

const distDir = '.next-e2e-embedded';

test.describe('npm start without DATABASE_URL', () => {
  test.afterAll(async () => {
    await rm(distDir, { recursive: true, force: true });
  });

  test('serves the seeded blog from the embedded database, and restarts without rebuilding or reseeding', async ({ request }) => {
    test.setTimeout(420_000);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'freshpress-embedded-'));
    const port = await freePort();
    // What a fresh clone has: no DATABASE_URL, no NODE_ENV.
    const { DATABASE_URL: _database, NODE_ENV: _mode, ...inherited } = process.env;
    const env = { ...inherited, PORT: String(port), FRESHPRESS_DATA_DIR: dataDir, FRESHPRESS_DIST_DIR: distDir };
    const url = `http://127.0.0.1:${port}`;
    try {
      const first = startProcess('npm', ['start'], env);
      try {
        await waitForHttp(`${url}/api/health`, first.child, first.output, 360_000);
        expect(first.output()).toContain('starting the embedded PostgreSQL');
        expect(first.output()).toMatch(/Seeded 200 posts \(194 published, 6 drafts\), 20 tags and \d{4} comments/);
        const home = await request.get(`${url}/`);
        expect(home.status()).toBe(200);
        expect((await home.text()).match(/<article class="post-summary"/g)).toHaveLength(10);
      } finally {
        await first.stop();
      }

      const second = startProcess('npm', ['start'], env);
      try {
        await waitForHttp(`${url}/api/health`, second.child, second.output, 120_000);
        expect(second.output()).toContain('The build is current; not rebuilding.');
        expect(second.output()).toMatch(/Database holds 200 posts; not seeding/);
        expect((await request.get(`${url}/tags/caching`)).status()).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
