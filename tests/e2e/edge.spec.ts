import { request as httpRequest } from 'node:http';
import { deleteStatsKeys, testRedisUrl } from '../support/redis';
import { CommentForm, uniqueComment } from './support/comment-form';
import { expect, test, type PostRef } from './support/fixtures';
import { hiddenFields, postThroughForm } from './support/form-post';
import { freePort, startProcess } from './support/server';
import { postComment, OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';
import { statsReport } from './support/stats';
import { startVarnish, type Varnish } from '../../scripts/varnish';
import { startHoldingProxy } from './support/holding-proxy';
import { PURGE_TOKEN_HEADER } from '@/lib/edge/tiers';

/*
 * Freshpress behind Debian's Varnish with the shipped VCL (deploy/varnish/freshpress.vcl) and
 * EDGE=varnish: pages are kept at the edge, tagged with their content, and purged by those tags
 * the moment a change is committed. Between Varnish and the server sits a pass-through proxy
 * that can hold one answer back, to put a page in transit while a purge goes by, and that records
 * what reached the server (which cookies, which address).
 */

const site = new OwnSite();
const REVALIDATE_EVERY_TIME = 'public, max-age=0, must-revalidate';
// Longer than this file's steps between a purge and the check that the race left an old page.
const REPURGE_MS = 4000;
const ADMIN_PASSWORD = 'an admin password behind Varnish';
// What a site's analytics and consent banner leave in every visitor's browser.
const ANALYTICS_COOKIES = '_ga=GA1.2.3; _gid=x; cookie_consent=yes';

let server: SiteServer;
let varnish: Varnish;
let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
let posts: PostRef[];

interface EdgeAnswer {
  status: number;
  html: string;
  /** HIT or MISS, from the VCL's X-Cache. */
  cache: string | null;
  /** Varnish's X-Varnish: on a hit, this request's id and the id of the request that fetched the object. */
  object: string | null;
  headers: Headers;
}

async function viaVarnish(path: string, headers: Record<string, string> = {}): Promise<EdgeAnswer> {
  const response = await fetch(`${varnish.base}${path}`, {
    headers: { connection: 'close', ...headers },
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  });
  const html = await response.text();
  const ids = response.headers.get('x-varnish')?.split(' ') ?? [];
  return {
    status: response.status,
    html,
    cache: response.headers.get('x-cache'),
    object: ids.length === 2 ? ids[1]! : null,
    headers: response.headers,
  };
}

/** Requests a page through Varnish until it is a hit; returns the hit. */
async function warmAtEdge(path: string): Promise<EdgeAnswer> {
  await viaVarnish(path);
  const hit = await viaVarnish(path);
  expect(hit.cache, `${path} is kept by Varnish`).toBe('HIT');
  return hit;
}

/** A PURGE sent from a given local address (the VCL's ACL allows only the servers'). */
function purgeFrom(localAddress: string, headers: Record<string, string>, to: Varnish = varnish): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: to.port, method: 'PURGE', path: '/', localAddress, headers },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The id of a published post far enough down the list not to be on the homepage. */
const offHomepage = (i: number) => posts[12 + i]!;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await site.open('edge');
  posts = await site.publishedNewestFirst();
  proxy = await startHoldingProxy(0);
  varnish = await startVarnish(proxy.port);
  server = await site.start({
    EDGE: 'varnish',
    EDGE_PURGE_URL: `${varnish.base}/`,
    EDGE_PURGE_TOKEN: varnish.purgeToken,
    EDGE_REPURGE_MS: String(REPURGE_MS),
    ADMIN_PASSWORD,
    STATS_FLUSH_MS: '200',
    // What the purge alone does is under test here: a warm-up would refill Varnish behind the purge
    // and race the GETs that look for its effect.
    WARM_WINDOW: '0',
  });
  proxy.retarget(server.port);
});

test.afterAll(async () => {
  await server?.stop();
  await varnish?.remove();
  await proxy?.close();
  await site.close();
});

test('pages reach Varnish with their content tags and a lifetime only Varnish reads; browsers get neither', async () => {
  const post = posts[0]!;
  const direct = await fetch(`${server.base}/posts/${post.slug}`);
  expect(direct.headers.get('x-nextjs-cache')).toBe('HIT');
  const keys = direct.headers.get('xkey')?.split(' ') ?? [];
  expect(keys).toEqual(
    expect.arrayContaining([`post:${post.id}`, `post:${post.id}:comments`, `slug:${post.slug}`, 'all']),
  );
  expect(
    keys.some((key) => key.startsWith('_N_T_')),
    "Next's per-path tags are no keys",
  ).toBe(false);
  expect(direct.headers.get('surrogate-control')).toBe('max-age=3600');
  expect(direct.headers.get('cache-control')).toBe(REVALIDATE_EVERY_TIME);
  expect(direct.headers.get('x-freshpress-edge-keys')).toBeNull();

  await viaVarnish(`/posts/${post.slug}`);
  const hit = await viaVarnish(`/posts/${post.slug}`);
  expect(hit.cache).toBe('HIT');
  expect(hit.html).toContain(post.title.replace(/'/g, '&#x27;'));
  expect(hit.headers.get('xkey'), 'the keys are for Varnish only').toBeNull();
  expect(hit.headers.get('surrogate-control')).toBeNull();
  expect(hit.headers.get('cache-control'), 'a browser or a cache behind Varnish revalidates').toBe(
    REVALIDATE_EVERY_TIME,
  );

  // The same page asked by the client router is another object (Next's Vary), not the HTML. Next
  // wants the router's `_rsc` check value in the address, and redirects to it when missing.
  const rscHeaders = { rsc: '1' };
  const redirect = await viaVarnish(`/posts/${post.slug}`, rscHeaders);
  expect(redirect.status).toBe(307);
  const rscPath = redirect.headers.get('location')!;
  expect(rscPath).toContain('_rsc');
  const rsc = await viaVarnish(rscPath, rscHeaders);
  expect(rsc.headers.get('content-type')).toContain('text/x-component');
  expect((await viaVarnish(rscPath, rscHeaders)).cache).toBe('HIT');
  const html = await viaVarnish(rscPath);
  expect(html.headers.get('content-type'), 'the HTML of the same address is not the RSC payload').toContain(
    'text/html',
  );

  // Scripts are kept as Next marks them (immutable); dynamic pages never.
  const script = hit.html.match(/<script src="(\/_next\/static\/[^"]+\.js)"/)?.[1];
  expect(script).toBeTruthy();
  await viaVarnish(script!);
  expect((await viaVarnish(script!)).cache).toBe('HIT');
  await viaVarnish('/stats');
  expect((await viaVarnish('/stats')).cache).toBe('MISS');

  // PURGE only from the ACL's addresses, even with the secret, and only by key.
  const secret = { [PURGE_TOKEN_HEADER]: varnish.purgeToken };
  expect(await purgeFrom('127.0.0.2', { xkey: 'all', ...secret })).toBe(403);
  expect((await viaVarnish(`/posts/${post.slug}`)).cache, 'a refused purge removed nothing').toBe('HIT');
  expect(await purgeFrom('127.0.0.1', secret)).toBe(400);
});

test('a PURGE from an allowed address without the secret, or with a wrong one, is refused and removes nothing', async () => {
  const post = offHomepage(5);
  const before = await warmAtEdge(`/posts/${post.slug}`);
  // Any local process (and, behind a TLS terminator on the same host, any visitor) is 127.0.0.1.
  const attempts: Record<string, string>[] = [
    { xkey: 'all' },
    { xkey: 'all', [PURGE_TOKEN_HEADER]: '' },
    { xkey: 'all', [PURGE_TOKEN_HEADER]: 'not-the-purge-secret-0123456789' },
    { xkey: 'all', [PURGE_TOKEN_HEADER]: varnish.purgeToken.slice(0, -1) },
    { xkey: 'all', [PURGE_TOKEN_HEADER]: `${varnish.purgeToken}x` },
  ];
  for (const headers of attempts) expect(await purgeFrom('127.0.0.1', headers)).toBe(403);
  const after = await viaVarnish(`/posts/${post.slug}`);
  expect(after.cache, 'the refused purges removed nothing').toBe('HIT');
  expect(after.object, 'the very object Varnish had').toBe(before.object);
});

test('a Varnish without the secret in its environment, or with one too short, refuses every PURGE', async () => {
  const post = offHomepage(6);
  for (const purgeToken of ['', 'short-secret']) {
    const edge = await startVarnish(proxy.port, { purgeToken });
    try {
      await fetch(`${edge.base}/posts/${post.slug}`);
      const kept = await fetch(`${edge.base}/posts/${post.slug}`, { headers: { connection: 'close' } });
      expect(kept.headers.get('x-cache')).toBe('HIT');
      // A missing header and an empty one would both equal an unset variable's "".
      expect(await purgeFrom('127.0.0.1', { xkey: 'all' }, edge)).toBe(403);
      expect(await purgeFrom('127.0.0.1', { xkey: 'all', [PURGE_TOKEN_HEADER]: '' }, edge)).toBe(403);
      expect(await purgeFrom('127.0.0.1', { xkey: 'all', [PURGE_TOKEN_HEADER]: purgeToken }, edge)).toBe(403);
      const still = await fetch(`${edge.base}/posts/${post.slug}`, { headers: { connection: 'close' } });
      expect(still.headers.get('x-cache'), `secret ${JSON.stringify(purgeToken)}: nothing purged`).toBe('HIT');
    } finally {
      await edge.remove();
    }
  }
});

test('visitors with analytics and consent cookies are served from Varnish, and the server never sees those cookies', async () => {
  const post = offHomepage(7);
  const path = `/posts/${post.slug}`;
  const first = await viaVarnish(path, { cookie: ANALYTICS_COOKIES });
  expect(first.cache).toBe('MISS');
  const hit = await viaVarnish(path, { cookie: ANALYTICS_COOKIES });
  expect(hit.cache, 'a cookie of no concern to Freshpress is no reason to pass').toBe('HIT');
  expect((await viaVarnish(path)).object, 'one object for visitors with and without them').toBe(hit.object);
  const fetched = proxy.received.filter((r) => r.url === path);
  expect(fetched).toHaveLength(1);
  expect(fetched[0]!.cookie, 'the fill went without the visitor’s cookies').toBeUndefined();
});

test('a visitor with Freshpress’s own cookie (statistics, admin) reaches the server with Freshpress’s cookies alone', async () => {
  const post = offHomepage(8);
  const path = `/posts/${post.slug}`;
  const cached = await warmAtEdge(path);
  const cases = [
    [`${ANALYTICS_COOKIES}; freshpress_stats=unlocked`, 'freshpress_stats=unlocked'],
    [`freshpress_admin=session; ${ANALYTICS_COOKIES}`, 'freshpress_admin=session'],
    [
      `freshpress_admin=session; _ga=GA1.2.3; freshpress_stats=unlocked`,
      'freshpress_admin=session; freshpress_stats=unlocked',
    ],
  ] as const;
  for (const [cookie, ours] of cases) {
    const sent = proxy.received.length;
    for (let i = 0; i < 2; i++) {
      const answer = await viaVarnish(path, { cookie });
      expect(answer.cache, `${cookie}: passed, not served from the cache`).toBe('MISS');
    }
    expect(proxy.received.slice(sent).map((r) => [r.url, r.cookie])).toEqual([
      [path, ours],
      [path, ours],
    ]);
  }
  const after = await viaVarnish(path);
  expect(after.cache, 'the passed answers replaced nothing').toBe('HIT');
  expect(after.object).toBe(cached.object);
});

test('signing in to the admin through Varnish works beside analytics cookies, and only the session reaches the server', async ({
  page,
}) => {
  await page.context().addCookies(
    ['_ga=GA1.2.3', '_gid=x', 'cookie_consent=yes'].map((pair) => {
      const [name, value] = pair.split('=') as [string, string];
      return { name, value, url: varnish.base };
    }),
  );
  await page.goto(`${varnish.base}/admin/login`);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  const heading = page.getByRole('heading', { level: 1, name: 'Admin', exact: true });
  await expect(heading).toBeVisible();

  const sent = proxy.received.length;
  await page.goto(`${varnish.base}/admin`);
  await expect(heading).toBeVisible();
  const admin = proxy.received.slice(sent).filter((r) => r.method === 'GET' && r.url === '/admin');
  expect(admin).toHaveLength(1);
  expect(admin[0]!.cookie).toMatch(/^freshpress_admin=[^;]+$/);
});

test('tracking parameters are served the edge object of the page without them; other parameters keep their own', async () => {
  const home = await warmAtEdge('/');
  for (const path of ['/?utm_source=a&utm_medium=b', '/?fbclid=x', '/?gclid=1&utm_campaign=spring&msclkid=2']) {
    const answer = await viaVarnish(path);
    expect(answer.cache, path).toBe('HIT');
    expect(answer.object, `${path}: the homepage's object`).toBe(home.object);
  }
  const kept = await viaVarnish('/?page=2');
  expect(kept.cache, 'a parameter Varnish does not know is its own object').toBe('MISS');
  const keptHit = await viaVarnish('/?page=2');
  expect(keptHit.cache).toBe('HIT');
  for (const path of ['/?utm_source=a&page=2', '/?page=2&fbclid=x', '/?_ga=1&page=2&utm_term=z']) {
    const answer = await viaVarnish(path);
    expect(answer.cache, path).toBe('HIT');
    expect(answer.object, `${path}: the object of /?page=2`).toBe(keptHit.object);
  }
  // What the server received had no tracking parameter, and the kept one intact.
  expect(proxy.received.filter((r) => /[?&](utm_|fbclid|gclid|msclkid|_ga=)/.test(r.url))).toEqual([]);
  expect(proxy.received.filter((r) => r.url === '/?page=2')).toHaveLength(1);
});

test('with the secret, the server’s own purges still reach Varnish: a comment refreshes its page there', async () => {
  const post = offHomepage(9);
  await warmAtEdge(`/posts/${post.slug}`);
  const body = `Purged with the secret ${Date.now()}.`;
  expect((await postComment(server.base, post.id, body)).status).toBe(201);
  const after = await viaVarnish(`/posts/${post.slug}`);
  expect(after.cache).toBe('MISS');
  expect(after.html).toContain(body);
});

test('a post’s card is kept by Varnish under the post’s keys: a comment leaves it there, a retitle purges it', async () => {
  const post = offHomepage(10);
  const unrelated = offHomepage(11);
  const card = `/posts/${post.slug}/opengraph-image`;
  const unrelatedCard = `/posts/${unrelated.slug}/opengraph-image`;
  const bytesOf = async (path: string) => {
    const response = await fetch(`${varnish.base}${path}`, { headers: { connection: 'close' } });
    return {
      cache: response.headers.get('x-cache'),
      object: response.headers.get('x-varnish')?.split(' ')[1] ?? null,
      type: response.headers.get('content-type'),
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  };

  // From the server, once cached: the keys of what the card shows (the post, its slug), not its comments.
  await fetch(`${server.base}${card}`).then((response) => response.arrayBuffer());
  const direct = await fetch(`${server.base}${card}`);
  expect(direct.headers.get('x-nextjs-cache')).toBe('HIT');
  expect(direct.headers.get('content-type')).toBe('image/png');
  const keys = direct.headers.get('xkey')?.split(' ') ?? [];
  expect(keys).toEqual(expect.arrayContaining([`post:${post.id}`, `slug:${post.slug}`, 'all']));
  expect(keys).not.toContain(`post:${post.id}:comments`);
  expect(direct.headers.get('surrogate-control')).toBe('max-age=3600');
  expect(direct.headers.get('cache-control')).toBe(REVALIDATE_EVERY_TIME);

  await bytesOf(card);
  const kept = await bytesOf(card);
  expect(kept.cache, 'the card is kept by Varnish').toBe('HIT');
  expect(kept.type).toBe('image/png');
  await bytesOf(unrelatedCard);
  const other = await bytesOf(unrelatedCard);
  expect(other.cache).toBe('HIT');

  expect((await postComment(server.base, post.id, `Not on the card ${Date.now()}.`)).status).toBe(201);
  const commented = await bytesOf(card);
  expect(commented.cache, 'a comment leaves the card at the edge').toBe('HIT');
  expect(commented.object).toBe(kept.object);

  const retitled = await fetch(`${server.base}/api/admin/posts/${post.id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: `A new title at the edge ${Date.now().toString(36)}` }),
  });
  expect(retitled.status).toBe(200);
  const after = await bytesOf(card);
  expect(after.cache, 'the retitle purged the card').toBe('MISS');
  expect(after.bytes.equals(kept.bytes), 'the card is drawn anew').toBe(false);
  const otherAfter = await bytesOf(unrelatedCard);
  expect(otherAfter.cache).toBe('HIT');
  expect(otherAfter.object, 'another post’s card is the very object Varnish had').toBe(other.object);
});

test('a comment without JavaScript shows through Varnish on the next request; the homepage and an unrelated post stay Varnish hits', async () => {
  const post = offHomepage(0);
  const unrelated = offHomepage(1);
  const home = await warmAtEdge('/');
  const other = await warmAtEdge(`/posts/${unrelated.slug}`);
  const before = await warmAtEdge(`/posts/${post.slug}`);
  const body = `Through Varnish without JavaScript ${Date.now()}.`;
  expect(before.html).not.toContain(body);

  const answer = await postThroughForm(varnish.base, post.slug, await hiddenFields(varnish.base, post.slug), { body });
  expect(answer.message).toContain('your comment is published');

  const after = await viaVarnish(`/posts/${post.slug}`);
  expect(after.html).toContain(body);
  expect(after.cache).toBe('MISS');
  const homeAfter = await viaVarnish('/');
  expect(homeAfter.cache, 'the post is not on the homepage').toBe('HIT');
  expect(homeAfter.object, 'the very object Varnish had').toBe(home.object);
  const otherAfter = await viaVarnish(`/posts/${unrelated.slug}`);
  expect(otherAfter.cache).toBe('HIT');
  expect(otherAfter.object).toBe(other.object);
  expect(Number(otherAfter.headers.get('age'))).toBeGreaterThanOrEqual(Number(other.headers.get('age')));
});

test('a comment with JavaScript shows through Varnish at once, and on a featured post the homepage is refetched', async ({
  page,
}) => {
  const post = posts[1]!;
  await warmAtEdge('/');
  await warmAtEdge(`/posts/${post.slug}`);
  await page.goto(`${varnish.base}/posts/${post.slug}`);
  const form = new CommentForm(page);
  const values = uniqueComment('edge-js');
  await form.post(values);
  await form.expectPublished();

  const after = await viaVarnish(`/posts/${post.slug}`);
  expect(after.html).toContain(values.token);
  await page.goto(`${varnish.base}/posts/${post.slug}`);
  await expect(page.getByText(values.token)).toBeVisible();
  // The homepage shows the post's comment count: it was purged too.
  expect((await viaVarnish('/')).cache).toBe('MISS');
});

test('a page in transit while its purge goes by is removed by the second purge', async () => {
  const post = offHomepage(2);
  const body = `Raced a page in transit ${Date.now()}.`;
  // Varnish asks for the page; the server answers with the current page, and the answer is held
  // on its way back: Varnish is still fetching it (a busy object, which xkey.purge skips).
  const held = proxy.hold(`/posts/${post.slug}`);
  const inTransit = viaVarnish(`/posts/${post.slug}`);
  await held.arrived;

  const response = await postComment(server.base, post.id, body);
  expect(response.status).toBe(201);
  const committed = performance.now();
  held.release();
  expect((await inTransit).html).not.toContain(body);

  // The race happened: the old page arrived after the purge, and Varnish keeps it.
  const kept = await viaVarnish(`/posts/${post.slug}`);
  expect(performance.now() - committed, 'checked before the second purge was due').toBeLessThan(REPURGE_MS);
  expect(kept.cache).toBe('HIT');
  expect(kept.html).not.toContain(body);

  // Until the second purge.
  let shownAfter = 0;
  await expect
    .poll(
      async () => {
        const answer = await viaVarnish(`/posts/${post.slug}`);
        shownAfter = performance.now() - committed;
        return answer.html.includes(body);
      },
      { timeout: REPURGE_MS + 5000, intervals: [100] },
    )
    .toBe(true);
  console.log(
    `page in transit during the purge: fresh through Varnish ${Math.round(shownAfter)} ms after the comment (second purge at ${REPURGE_MS} ms)`,
  );
  expect(shownAfter).toBeGreaterThan(REPURGE_MS - 500);
});

test('while Varnish is down purges fail, are counted and retried; once it is back they succeed', async ({
  request,
  page,
}) => {
  const post = offHomepage(3);
  const counts = async () => (await statsReport(request, server.base)).purges;
  const before = await counts();
  await varnish.stop();
  const body = `Posted while Varnish was down ${Date.now()}.`;
  const started = performance.now();
  expect((await postComment(server.base, post.id, body)).status).toBe(201);
  // A purge that cannot be sent does not hold the comment back.
  expect(performance.now() - started).toBeLessThan(2000);
  await expect.poll(async () => (await counts()).failed, { timeout: 10_000 }).toBeGreaterThan(before.failed);
  const failedWhileDown = (await counts()).failed;

  await varnish.restart();
  // The retry once it is back, and the second purge (EDGE_REPURGE_MS after the first attempt).
  await expect.poll(async () => (await counts()).sent, { timeout: 45_000, intervals: [250] }).toBe(before.sent + 2);
  const after = await counts();
  console.log(
    `Varnish down: ${failedWhileDown - before.failed} purge attempts failed, then ${after.sent - before.sent} sent once it was back`,
  );
  expect((await viaVarnish(`/posts/${post.slug}`)).html).toContain(body);

  // The dashboard shows them.
  await page.goto(`${server.base}/stats`);
  const sent = page.locator('dt', { hasText: 'Purges sent' }).locator('xpath=following-sibling::dd[1]');
  await expect(sent).toHaveText(String(after.sent));
  await expect(page.locator('dt', { hasText: 'Failed attempts' }).locator('xpath=following-sibling::dd[1]')).toHaveText(
    String(after.failed),
  );
});

test('requests Varnish answers itself are counted as edge hits by npm run edge:collect, in the headline too', async ({
  request,
}) => {
  const collector = startProcess(
    process.execPath,
    ['--conditions=react-server', '--import', 'tsx', 'server/edge-collect.ts', '--name', varnish.name],
    {
      ...process.env,
      STATS_PREFIX: site.prefix,
      REDIS_URL: testRedisUrl,
      STATS_FLUSH_MS: '200',
    },
  );
  try {
    await warmAtEdge('/');
    const edgeHits = async () => (await statsReport(request, server.base)).homepage.edgeHit;
    // varnishncsa follows the log from the moment it attaches, which it does not announce: hits
    // are sent until the first one is counted.
    await expect
      .poll(
        async () => {
          await viaVarnish('/');
          return edgeHits();
        },
        { timeout: 30_000, intervals: [250] },
      )
      .toBeGreaterThan(0);
    // Settled: two reads, more than a flush apart, agree (the probes' last hits are in).
    let last = -1;
    await expect
      .poll(
        async () => {
          const now = await edgeHits();
          const settled = now === last;
          last = now;
          return settled;
        },
        { timeout: 10_000, intervals: [700] },
      )
      .toBe(true);
    const before = await statsReport(request, server.base);
    for (let i = 0; i < 10; i++) expect((await viaVarnish('/')).cache).toBe('HIT');
    await expect.poll(edgeHits, { timeout: 10_000 }).toBe(before.homepage.edgeHit + 10);
    const after = await statsReport(request, server.base);
    // Hits at the edge never reached the server: its own counts did not move.
    expect(after.homepage.hit + after.homepage.miss + after.homepage.stale).toBe(
      before.homepage.hit + before.homepage.miss + before.homepage.stale,
    );
    expect(after.homepage.requests).toBe(before.homepage.requests + 10);
    // The headline counts them: a rebuild of the homepage (a comment on a post it lists), then
    // "1 rebuild per N hits" with the edge's hits among the N.
    expect((await postComment(server.base, posts[0]!.id, `Headline ${Date.now()}.`)).status).toBe(201);
    expect((await viaVarnish('/')).cache).toBe('MISS');
    await expect
      .poll(async () => (await statsReport(request, server.base)).homepage.rebuilds, { timeout: 10_000 })
      .toBeGreaterThan(after.homepage.rebuilds);
    const headline = (await statsReport(request, server.base)).homepage;
    expect(headline.edgeHit).toBeGreaterThanOrEqual(10);
    expect(headline.hitsPerRebuild).toBeCloseTo(
      (headline.hit + headline.stale + headline.edgeHit) / headline.rebuilds,
      5,
    );
  } finally {
    await collector.stop();
  }
});

test('purges that never arrive are retried and counted, and the page heals within EDGE_MAX_AGE', async ({
  request,
}) => {
  test.setTimeout(90_000);
  const maxAge = 3;
  // A second server whose purges go nowhere, behind a Varnish of its own.
  const nowhere = `http://127.0.0.1:${await freePort()}/`;
  const lonely = await site.start({
    EDGE: 'varnish',
    EDGE_PURGE_URL: nowhere,
    EDGE_PURGE_TOKEN: 'purges-that-go-nowhere-0123',
    EDGE_MAX_AGE: String(maxAge),
    STATS_PREFIX: `${site.prefix}_lost`,
    STATS_FLUSH_MS: '200',
  });
  const edge = await startVarnish(lonely.port);
  try {
    const post = offHomepage(4);
    const path = `/posts/${post.slug}`;
    const direct = await fetch(`${lonely.base}${path}`);
    expect(direct.headers.get('surrogate-control')).toBe(`max-age=${maxAge}`);
    const body = `A purge that was lost ${Date.now()}.`;
    // Stored by Varnish now: its lifetime runs from here.
    const stored = performance.now();
    await fetch(`${edge.base}${path}`);
    expect((await postComment(lonely.base, post.id, body)).status).toBe(201);
    const kept = await fetch(`${edge.base}${path}`, { headers: { connection: 'close' } });
    expect(kept.headers.get('x-cache')).toBe('HIT');
    expect(await kept.text(), 'the purge was lost').not.toContain(body);
    await expect
      .poll(
        async () =>
          (await (await fetch(`${edge.base}${path}`, { headers: { connection: 'close' } })).text()).includes(body),
        { timeout: (maxAge + 3) * 1000, intervals: [100] },
      )
      .toBe(true);
    const healed = performance.now() - stored;
    console.log(
      `a lost purge: the page healed through Varnish ${Math.round(healed)} ms after Varnish stored it (EDGE_MAX_AGE ${maxAge} s)`,
    );
    // Its lifetime, and the time to render the page again (seconds under a loaded machine).
    expect(healed).toBeLessThan(maxAge * 1000 + 3000);
    // Retried with backoff meanwhile, every attempt counted.
    await expect
      .poll(async () => (await statsReport(request, lonely.base)).purges.failed, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    expect((await statsReport(request, lonely.base)).purges.sent).toBe(0);
  } finally {
    await edge.remove();
    await lonely.stop();
    await deleteStatsKeys(`${site.prefix}_lost`);
  }
});
