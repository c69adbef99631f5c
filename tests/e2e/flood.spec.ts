import { startPrivateRedis, type PrivateRedis } from '../support/redis';
import { CommentForm, uniqueComment } from './support/comment-form';
import { expect, test } from './support/fixtures';
import { hiddenFields, postThroughForm } from './support/form-post';
import { get, OwnSite, type SiteServer } from './support/site';
import type { Page } from '@playwright/test';
import { withTimeLeftInTheMinute } from './support/rate-window';

/*
 * Flood control on a site of its own with the shipped defaults: 5 comments a minute and 20 an
 * hour per client, 3 s on the form at least, 3 links at most, one copy of a comment per post.
 * The loopback trusted as a proxy, so each test can speak as a client of its own through X-Forwarded-For.
 */

const DEFAULTS = {
  COMMENT_RATE_LIMIT: '5/1m,20/1h',
  COMMENT_MIN_FILL_SECONDS: '3',
  COMMENT_MAX_LINKS: '3',
  TRUST_PROXY: 'loopback',
};

const site = new OwnSite();
let server: SiteServer;
let slug: string;
let postId: number;
let clients = 0;
/** A client address no other test uses. */
const newClient = () => `203.0.113.${++clients}`;
/** A form shown ten seconds ago, as a person who read the post and wrote would send it. */
const readForAWhile = (fields: Map<string, string>) => ({
  'form-rendered': String(Number(fields.get('form-rendered')) - 10_000),
});

test.describe.configure({ mode: 'serial' });

/** Until React has taken over the form, a click sends it the way a browser without JavaScript does. */
async function hydrated(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const form = document.querySelector('section.comment-form form');
    return form !== null && Object.keys(form).some((key) => key.startsWith('__reactFiber'));
  });
}

test.beforeAll(async () => {
  await site.open('flood');
  server = await site.start(DEFAULTS);
  const [post] = await site.publishedNewestFirst();
  slug = post!.slug;
  postId = post!.id;
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
});

async function storedWith(marker: string): Promise<number> {
  const [row] = await site.sql<
    { n: number }[]
  >`select count(*)::int as n from comments where body ilike ${`%${marker}%`}`;
  return row!.n;
}

async function invalidationsSince(since: Date): Promise<number> {
  const [row] = await site.sql<
    { n: number }[]
  >`select count(*)::int as n from invalidations where created_at >= ${since} and ${`post:${postId}:comments`} = any(tags)`;
  return row!.n;
}

test('thirty comments from one client in a row: five are published, the rest told how long to wait, with their text kept', async () => {
  const fields = await hiddenFields(server.base, slug);
  const client = newClient();
  const marker = `flood-${Date.now().toString(36)}`;
  await withTimeLeftInTheMinute();
  const since = new Date(Date.now() - 1000);
  const answers = [];
  for (let i = 0; i < 30; i++) {
    answers.push(
      await postThroughForm(server.base, slug, fields, {
        body: `${marker} number ${i}`,
        override: readForAWhile(fields),
        headers: { 'x-forwarded-for': client },
      }),
    );
  }
  expect(answers.every((answer) => answer.status === 200)).toBe(true);
  expect(answers.slice(0, 5).map((answer) => answer.message)).toEqual(
    Array(5).fill(expect.stringContaining('your comment is published')),
  );
  for (const [i, answer] of answers.slice(5).entries()) {
    expect(answer.message).toMatch(/Please wait \d+ seconds? and post again; your text is still in the form/);
    expect(answer.bodyField).toBe(`${marker} number ${i + 5}`);
  }
  expect(await storedWith(marker)).toBe(5);
  // Only what was published invalidated anything: a flood cannot switch the cache off.
  expect(await invalidationsSince(since)).toBe(5);

  // Counted per client: another reader is not held back by that one.
  const other = await postThroughForm(server.base, slug, fields, {
    body: `${marker} from someone else`,
    override: readForAWhile(fields),
    headers: { 'x-forwarded-for': newClient() },
  });
  expect(other.message).toContain('your comment is published');
});

test('one comment sent by thirty clients is stored once; the others are told it is there already, beside the field', async () => {
  const fields = await hiddenFields(server.base, slug);
  const marker = `same-${Date.now().toString(36)}`;
  const body = `The same words from everyone, ${marker}.`;
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      // Case and spacing do not make a new comment.
      postThroughForm(server.base, slug, fields, {
        body: i % 2 ? body.toUpperCase() : body.replace(/ /g, '  '),
        override: readForAWhile(fields),
        headers: { 'x-forwarded-for': newClient() },
      }),
    ),
  );
  expect(answers.filter((answer) => answer.message.includes('your comment is published'))).toHaveLength(1);
  const refused = answers.filter((answer) => !answer.message.includes('your comment is published'));
  for (const answer of refused)
    expect(answer.fieldErrors.join(' ')).toContain('it looks as though you have said that already');
  expect(await storedWith(marker)).toBe(1);
});

test('a form sent sooner than 3 s after it was shown is refused, text kept; sent later, the same comment is published (JavaScript on)', async ({
  page,
}) => {
  await page.clock.install();
  await page.context().setExtraHTTPHeaders({ 'x-forwarded-for': newClient() });
  await page.goto(`${server.base}/posts/${slug}`);
  await hydrated(page);
  const form = new CommentForm(page);
  const values = uniqueComment('quick');
  await form.post(values);
  await expect(form.status).toContainText('That was very quick, so it was not posted');
  await expect(form.body).toHaveValue(values.body);
  expect(await storedWith(values.token)).toBe(0);
  await page.clock.fastForward(4000);
  await form.submit();
  await form.expectPublished();
  expect(await storedWith(values.token)).toBe(1);
});

test('without JavaScript, the time since the page was rendered counts; a forged call with no time at all is refused', async () => {
  const fields = await hiddenFields(server.base, slug);
  const client = newClient();
  const marker = `nojs-quick-${Date.now().toString(36)}`;
  const fresh = await postThroughForm(server.base, slug, fields, {
    body: `${marker} a`,
    override: { 'form-rendered': String(Date.now()) },
    headers: { 'x-forwarded-for': client },
  });
  expect(fresh.message).toContain('That was very quick');
  expect(fresh.bodyField).toBe(`${marker} a`);
  const stripped = new Map([...fields].filter(([name]) => !name.startsWith('form-')));
  const forged = await postThroughForm(server.base, slug, stripped, {
    body: `${marker} b`,
    headers: { 'x-forwarded-for': client },
  });
  expect(forged.message).toContain('That was very quick');
  expect(await storedWith(marker)).toBe(0);
});

test('more than three links are refused beside the field; three are fine', async () => {
  const fields = await hiddenFields(server.base, slug);
  const marker = `links-${Date.now().toString(36)}`;
  const links = (n: number) => Array.from({ length: n }, (_, i) => `https://spam.example/${marker}/${i}`).join(' ');
  const four = await postThroughForm(server.base, slug, fields, {
    body: `${marker} ${links(4)}`,
    override: readForAWhile(fields),
    headers: { 'x-forwarded-for': newClient() },
  });
  expect(four.fieldErrors.join(' ')).toContain('A comment can contain at most 3 web addresses.');
  expect(four.bodyField).toContain(`https://spam.example/${marker}/3`);
  const three = await postThroughForm(server.base, slug, fields, {
    body: `${marker} ${links(3)}`,
    override: readForAWhile(fields),
    headers: { 'x-forwarded-for': newClient() },
  });
  expect(three.message).toContain('your comment is published');
  expect(await storedWith(marker)).toBe(1);
});

test('with JavaScript, a client over its limit is told how long to wait, and keeps its text', async ({ page }) => {
  const client = newClient();
  const fields = await hiddenFields(server.base, slug);
  const marker = `js-limit-${Date.now().toString(36)}`;
  await withTimeLeftInTheMinute();
  for (let i = 0; i < 5; i++) {
    const answer = await postThroughForm(server.base, slug, fields, {
      body: `${marker} ${i}`,
      override: readForAWhile(fields),
      headers: { 'x-forwarded-for': client },
    });
    expect(answer.message).toContain('your comment is published');
  }
  await page.clock.install();
  await page.context().setExtraHTTPHeaders({ 'x-forwarded-for': client });
  await page.goto(`${server.base}/posts/${slug}`);
  await hydrated(page);
  const form = new CommentForm(page);
  const values = uniqueComment('over-limit');
  await form.fill(values);
  await page.clock.fastForward(4000);
  await form.submit();
  await expect(form.status).toContainText(/Please wait \d+ seconds? and post again/);
  await expect(form.body).toHaveValue(values.body);
  expect(await storedWith(values.token)).toBe(0);
});

test('a body over 1 MB is refused with a 413 and a page that says so; with JavaScript the form stays, text kept, nothing stored', async ({
  page,
}) => {
  const fields = await hiddenFields(server.base, slug);
  const marker = `huge-${Date.now().toString(36)}`;
  const huge = await postThroughForm(server.base, slug, fields, {
    body: `${marker} ${'x'.repeat(1_100_000)}`,
    override: readForAWhile(fields),
    headers: { 'x-forwarded-for': newClient() },
  });
  expect(huge.status).toBe(413);
  expect(huge.html).toContain('Too large to send');

  await page.clock.install();
  await page.context().setExtraHTTPHeaders({ 'x-forwarded-for': newClient() });
  await page.goto(`${server.base}/posts/${slug}`);
  await hydrated(page);
  const form = new CommentForm(page);
  await form.fill({ name: 'Big', email: 'big@example.test', body: 'placeholder' });
  await page.clock.fastForward(4000);
  // maxlength stops typing and pasting; a script can still fill the field past it.
  const body = `${marker} ${'y'.repeat(1_100_000)}`;
  await form.body.evaluate((field, value) => ((field as HTMLTextAreaElement).value = value), body);
  await form.submit();
  await expect(form.status).toContainText("We couldn't save your comment");
  expect(await form.body.inputValue()).toBe(body);
  await expect(page.getByRole('heading', { name: /^\d+ comments?$/ })).toBeVisible();
  expect(await storedWith(marker)).toBe(0);
});

test.describe('with Redis down', () => {
  let redis: PrivateRedis;
  let own: SiteServer;

  test.beforeAll(async () => {
    redis = await startPrivateRedis();
    // A deadline far longer than any render: a page that waited on Redis would show it.
    own = await site.start({
      ...DEFAULTS,
      REDIS_URL: redis.url,
      COMMENT_RATE_LIMIT: '2/1m',
      PAGE_CACHE_TIMEOUT_MS: '10000',
    });
  });

  test.afterAll(async () => {
    await own?.stop();
    await redis?.stop();
  });

  test('pages are served without waiting on Redis; comments are accepted without the rate limit, with a warning in the log; the limit is back when Redis is', async () => {
    const fields = await hiddenFields(own.base, slug);
    const client = newClient();
    const marker = `redis-down-${Date.now().toString(36)}`;
    const send = (i: number) =>
      postThroughForm(own.base, slug, fields, {
        body: `${marker} ${i}`,
        override: readForAWhile(fields),
        headers: { 'x-forwarded-for': client },
      });
    await redis.stop();
    for (const address of ['/', `/posts/${slug}`, '/tags/caching', '/page/2', '/feed.xml']) {
      const started = performance.now();
      const answer = await get(own.base, address);
      const took = performance.now() - started;
      expect(answer.status, address).toBe(200);
      expect(took, `${address} waited on Redis (${Math.round(took)} ms)`).toBeLessThan(5000);
    }
    for (let i = 0; i < 4; i++) expect((await send(i)).message).toContain('your comment is published');
    expect(await storedWith(marker)).toBe(4);
    expect(own.output()).toContain('the comment rate limit is not being applied');

    await redis.start();
    // The first answers after a restart may still find the connection down: wait until one is counted.
    let next = 100;
    await expect
      .poll(async () => (await send(next++)).message, { timeout: 20_000 })
      .toMatch(/Please wait \d+ seconds?/);
  });
});
