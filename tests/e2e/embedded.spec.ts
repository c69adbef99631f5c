import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from './support/fixtures';
import { freePort, startProcess, waitForHttp } from './support/server';
import { get, healthDetail, postComment, SITE_ADMIN_TOKEN } from './support/site';

const distDir = '.next-e2e-embedded';

test.describe('npm start without DATABASE_URL', () => {
  test.afterAll(async () => {
    await rm(distDir, { recursive: true, force: true });
  });

  test('serves the seeded blog from the embedded database, restarts without rebuilding or reseeding, and loses no acknowledged comment to a kill -9', async ({
    request,
  }) => {
    test.setTimeout(540_000);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'freshpress-embedded-'));
    const port = await freePort();
    // What a fresh clone has: no DATABASE_URL, no NODE_ENV.
    const { DATABASE_URL: _database, NODE_ENV: _mode, ...inherited } = process.env;
    const env = {
      ...inherited,
      PORT: String(port),
      FRESHPRESS_DATA_DIR: dataDir,
      FRESHPRESS_DIST_DIR: distDir,
      WEB_CONCURRENCY: '2',
      ADMIN_TOKEN: SITE_ADMIN_TOKEN,
    };
    const url = `http://127.0.0.1:${port}`;
    let twoProcessesId = 0;
    const acknowledged: string[] = [];
    try {
      const first = startProcess('npm', ['start'], env);
      try {
        await waitForHttp(`${url}/api/health`, first.child, first.output, 360_000);
        expect(first.output()).toContain('starting the embedded PostgreSQL');
        expect(first.output()).toMatch(/Seeded 200 posts \(194 published, 6 drafts\), 20 tags and \d{4} comments/);
        const home = await request.get(`${url}/`);
        expect(home.status()).toBe(200);
        expect((await home.text()).match(/<article class="post-summary"/g)).toHaveLength(10);

        // Two server processes on the one embedded database: a burst of comments through both,
        // each stored once and shown at once.
        expect(first.output()).toContain('starting 2 server processes');
        // Each server process runs with two malloc arenas (server/allocator.ts).
        const { processes } = await healthDetail<{ processes: { pid: number } }>(url);
        expect((await readFile(`/proc/${processes.pid}/environ`, 'utf8')).split('\0')).toContain('MALLOC_ARENA_MAX=2');
        const created = await fetch(`${url}/api/admin/posts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            slug: 'two-processes',
            title: 'Two processes',
            body: 'One database.',
            status: 'published',
          }),
        });
        expect(created.status).toBe(201);
        const { post } = (await created.json()) as { post: { id: number } };
        twoProcessesId = post.id;
        const started = performance.now();
        const answers = await Promise.all(
          Array.from({ length: 100 }, async (_, i) => (await postComment(url, post.id, `embedded burst ${i}.`)).status),
        );
        console.log(
          `100 concurrent comments through 2 processes on the embedded database: ${Math.round(performance.now() - started)} ms`,
        );
        expect(answers.filter((status) => status === 201)).toHaveLength(100);
        const page = await get(url, '/posts/two-processes');
        for (let i = 0; i < 100; i++) expect(page.html).toContain(`embedded burst ${i}.`);
      } finally {
        await first.stop();
      }

      const second = startProcess('npm', ['start'], env);
      try {
        await waitForHttp(`${url}/api/health`, second.child, second.output, 120_000);
        expect(second.output()).toContain('The build is current; not rebuilding.');
        // The 200 seeded posts and the one written above.
        expect(second.output()).toMatch(/Database holds 201 posts; not seeding/);
        expect((await request.get(`${url}/tags/caching`)).status()).toBe(200);

        // A crash mid-burst: kill -9 of the whole process group (the embedded database lives in the
        // `npm start` process) while comments are in flight. Every one acknowledged must survive it.
        const unanswered: string[] = [];
        let killed = false;
        let sent = 0;
        const lane = async () => {
          while (!killed && sent < 2000) {
            const body = `crash burst ${sent++}, end.`;
            try {
              const response = await postComment(url, twoProcessesId, body);
              if (response.status === 201) acknowledged.push(body);
              else unanswered.push(body);
            } catch {
              unanswered.push(body);
            }
          }
        };
        const lanes = Array.from({ length: 20 }, lane);
        await expect.poll(() => acknowledged.length, { timeout: 30_000, intervals: [50] }).toBeGreaterThanOrEqual(150);
        killed = true;
        await second.stop('SIGKILL');
        await Promise.all(lanes);
        console.log(
          `kill -9 mid-burst: ${acknowledged.length} comments acknowledged, ${unanswered.length} without an answer`,
        );
      } finally {
        await second.stop();
      }

      const third = startProcess('npm', ['start'], env);
      try {
        await waitForHttp(`${url}/api/health`, third.child, third.output, 120_000);
        const page = await get(url, '/posts/two-processes');
        expect(page.status).toBe(200);
        const shown = new Set(page.html.match(/crash burst \d+, end\./g) ?? []);
        const lost = acknowledged.filter((body) => !shown.has(body));
        console.log(
          `after restart: ${shown.size} of the burst stored and shown, ${lost.length} acknowledged ones lost`,
        );
        expect(lost, 'acknowledged comments lost in the crash').toEqual([]);
        // Each comment is in the page twice: in its HTML and in the payload React hydrates from.
        expect(new Set(page.html.match(/embedded burst \d+\./g)).size).toBe(100);
      } finally {
        await third.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
