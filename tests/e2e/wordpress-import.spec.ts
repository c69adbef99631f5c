import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleExport } from '../support/wordpress-export';
import { expect, test } from './support/fixtures';
import { get, OwnSite, type SiteServer } from './support/site';

/*
 * `npm run import:wordpress` into the database of a site that is serving: the imported posts show
 * on the homepage, their tag page and their own pages within seconds, with their comments threaded
 * and WordPress's scripts gone; the scheduled post stays private; the pages are cached again from
 * their next request; and importing the same export again changes nothing.
 */

const site = new OwnSite();
let server: SiteServer;
let dir = '';
const tag = `wp${Date.now().toString(36)}`;

test.beforeAll(async () => {
  await site.open('wpimport');
  server = await site.start();
  dir = await mkdtemp(path.join(tmpdir(), 'fp-wxr-e2e-'));
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function importExport(file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'import:wordpress', '--', file, '--offline'], {
      env: { ...process.env, DATABASE_URL: site.database.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function cachedAgain(pagePath: string): Promise<void> {
  await get(server.base, pagePath);
  expect((await get(server.base, pagePath)).cache, `${pagePath} is served from the cache again`).toBe('HIT');
}

test('an export imported into a running site shows at once, threaded and without scripts, cached again, and a second import doubles nothing', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const first = `/posts/moving-day-${tag}`;
  const tagPage = `/tags/ete-${tag}`;
  await cachedAgain('/');

  const file = path.join(dir, 'export.xml');
  await writeFile(file, sampleExport('https://old.example', tag));
  const started = Date.now();
  const run = await importExport(file);
  expect(run.code, run.output).toBe(0);
  expect(run.output).toMatch(/posts: 6 added, 0 updated, 0 unchanged/);
  expect(run.output).toMatch(/comments: 4 added/);
  expect(run.output).toMatch(/skipped comment 104 on post 10 “Moving day \S+”: spam/);

  // The homepage was cached before the import: the import's invalidation reaches it.
  await expect
    .poll(async () => (await get(server.base, '/')).html, { timeout: 15_000 })
    .toContain(`Moving day again ${tag}`);
  test.info().annotations.push({ type: 'shown after', description: `${Date.now() - started} ms` });
  const home = (await get(server.base, '/')).html;
  expect(home).toContain(`Moving day ${tag}`);
  expect(home, 'the scheduled post is not listed').not.toContain(`Scheduled ${tag}`);
  expect(home, 'the draft is not listed').not.toContain(`A draft ${tag}`);

  const tagged = await get(server.base, tagPage);
  expect(tagged.status).toBe(200);
  expect(tagged.html).toContain(`Moving day ${tag}`);
  expect(tagged.html).toContain(`Second post ${tag}`);

  const post = await get(server.base, first);
  expect(post.status).toBe(200);
  expect(post.html).toContain('<figcaption>The harbour at dawn</figcaption>');
  expect(post.html).not.toContain(`pwned-${tag}`);
  expect(post.html).not.toContain(`onerror-${tag}`);
  expect(post.html).not.toMatch(/\[(caption|gallery|embed|audio|contact-form-7)\b/);
  expect((await get(server.base, `/posts/scheduled-${tag}`)).status, 'scheduled: not public yet').toBe(404);
  expect((await get(server.base, `/posts/a-draft-${tag}`)).status, 'a draft is not public').toBe(404);

  // Threading, as a reader sees it.
  const ids = Object.fromEntries(
    (
      await site.sql<{ source_id: string; id: number }[]>`
        select source_id, id from comments where source = 'wordpress:https://old.example'`
    ).map((row) => [row.source_id, row.id]),
  );
  await page.goto(`${server.base}${first}`);
  const carol = page.locator(`[id="comment-${ids['100']}"]`);
  const dan = carol.getByRole('list', { name: 'Replies to Carol' }).locator(`[id="comment-${ids['101']}"]`);
  await expect(dan).toContainText(`Thanks Carol, agreed ${tag}.`);
  await expect(dan.getByRole('list', { name: 'Replies to Dan' })).toContainText(`Third level ${tag}`);
  // Its parent was pending in WordPress, so not imported: the reply says it answered a removed comment.
  const fay = page.locator(`[id="comment-${ids['106']}"]`);
  await expect(fay).toContainText(`Reply to a pending one ${tag}`);
  await expect(fay).toContainText('in reply to a comment that was removed');
  await expect(page.getByText(`pending-${tag}`)).toHaveCount(0);
  await expect(page.getByText(`spam-${tag}`)).toHaveCount(0);

  for (const pagePath of ['/', tagPage, first]) await cachedAgain(pagePath);

  const again = await importExport(file);
  expect(again.code, again.output).toBe(0);
  expect(again.output).toMatch(/posts: 0 added, 0 updated, 6 unchanged/);
  expect(again.output).toMatch(/comments: 0 added, 4 already imported/);
  const [counts] = await site.sql<{ posts: number; comments: number }[]>`
    select (select count(*)::int from posts where source = 'wordpress:https://old.example') as posts,
      (select count(*)::int from comments where source = 'wordpress:https://old.example') as comments`;
  expect(counts).toEqual({ posts: 6, comments: 4 });
  // Nothing changed, so nothing was invalidated: the pages stay cached.
  for (const pagePath of ['/', tagPage, first])
    expect((await get(server.base, pagePath)).cache, `${pagePath} stays cached`).toBe('HIT');
});
