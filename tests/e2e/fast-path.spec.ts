import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { expect, test } from './support/fixtures';
import { comment, healthDetail, OwnSite, type SiteServer } from './support/site';

/*
 * The fast path for hits (server/fast-path.ts) answers exactly as Next does. Two servers of this
 * file's own site share one Redis cache: one with the fast path off (every answer Next's), one
 * with it on. Both read the same stored entries, so for every kind of public page, encoding, HEAD
 * and 304, the fast answer and Next's must have the same status, headers and decoded body.
 */

const site = new OwnSite();
let next: SiteServer;
let fast: SiteServer;

test.beforeAll(async () => {
  await site.open('fast_path');
  [next, fast] = await Promise.all([site.start({ FAST_PATH: 'off' }), site.start({ FAST_PATH: 'on' })]);
});
test.afterAll(async () => {
  await Promise.all([next?.stop(), fast?.stop()]);
  await site.close();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function send(base: string, method: 'GET' | 'HEAD', path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.end();
  });
}

function decoded(answer: Answer): string {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.body).toString('utf8');
  if (encoding === 'gzip') return gunzipSync(answer.body).toString('utf8');
  return answer.body.toString('utf8');
}

/** Every header but the moment's and the framing's: what equivalence compares. */
function comparable(headers: IncomingHttpHeaders): Record<string, unknown> {
  const ignored = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => !ignored.has(name))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

async function fastServed(): Promise<number> {
  const health = await healthDetail<{ fastPath: { served: number } | null }>(fast.base);
  if (!health.fastPath) throw new Error('the fast path is not on');
  return health.fastPath.served;
}

/** The URL an RSC request must use: Next redirects one without the right `_rsc` hash to it. */
async function rscPath(path: string, headers: Record<string, string>): Promise<string> {
  const redirect = await send(next.base, 'GET', path, headers);
  expect(redirect.status, `RSC request for ${path} without its hash`).toBe(307);
  return String(redirect.headers.location);
}

/**
 * Asks the fast server until its fast path answers (Next's answer from a cache entry is kept the
 * first time; its brotli and gzip copies are made off the request path), then asks the Next-only
 * server the same, and compares.
 */
async function expectEquivalent(
  method: 'GET' | 'HEAD',
  path: string,
  headers: Record<string, string>,
  expectedStatus = 200,
): Promise<Answer> {
  let answer: Answer | undefined;
  await expect
    .poll(
      async () => {
        const before = await fastServed();
        answer = await send(fast.base, method, path, headers);
        return (await fastServed()) - before;
      },
      { message: `the fast path answers ${method} ${path} ${JSON.stringify(headers)}`, timeout: 15_000 },
    )
    .toBe(1);
  const reference = await send(next.base, method, path, headers);
  const label = `${method} ${path} ${JSON.stringify(headers)}`;
  expect(answer!.status, label).toBe(expectedStatus);
  expect(reference.status, label).toBe(expectedStatus);
  expect(reference.headers['x-nextjs-cache'], label).toBe('HIT');
  expect(comparable(answer!.headers), label).toEqual(comparable(reference.headers));
  expect(decoded(answer!), label).toBe(decoded(reference));
  if (method === 'HEAD') expect(answer!.headers['content-length'], label).toBe(reference.headers['content-length']);
  return answer!;
}

const BROWSER = { 'accept-encoding': 'gzip, deflate, br' };
const ENCODINGS: Record<string, string>[] = [BROWSER, { 'accept-encoding': 'gzip' }, {}];

test('every kind of public page: the fast answer is Next’s, in each encoding, for HEAD and for a 304', async () => {
  test.setTimeout(180_000);
  const [post, older] = await site.publishedNewestFirst();
  const pages = [
    '/',
    `/posts/${post!.slug}`,
    `/posts/${older!.slug}`,
    '/page/2',
    '/feed.xml',
    '/sitemap.xml',
    '/robots.txt',
    '/opengraph-image',
  ];
  const tag = await site.sql<{ name: string }[]>`select name from tags order by name limit 1`;
  if (tag[0]) pages.push(`/tags/${encodeURIComponent(tag[0].name)}`);

  for (const page of pages) {
    for (const headers of ENCODINGS) {
      const answer = await expectEquivalent('GET', page, headers);
      if (answer.headers['content-type'] === 'image/png')
        expect(answer.headers['content-encoding'], `${page} is sent as it is`).toBeUndefined();
      else if (headers === BROWSER && answer.body.length >= 1024 && page !== '/robots.txt')
        expect(answer.headers['content-encoding'], `${page} precompressed`).toBe('br');
    }
    await expectEquivalent('HEAD', page, BROWSER);
    const etag = (await send(next.base, 'GET', page, BROWSER)).headers.etag;
    if (etag) await expectEquivalent('GET', page, { ...BROWSER, 'if-none-match': etag }, 304);
  }

  // The client router's requests: a navigation, a prefetch, a segment prefetch, each with its hash.
  const routerRequests: Record<string, string>[] = [
    { rsc: '1' },
    { rsc: '1', 'next-router-prefetch': '1' },
    { rsc: '1', 'next-router-prefetch': '1', 'next-router-segment-prefetch': '/_tree' },
  ];
  for (const router of routerRequests) {
    const path = await rscPath(`/posts/${post!.slug}`, router);
    await expectEquivalent('GET', path, { ...BROWSER, ...router });
  }

  // A query string Next ignores shares the page's answer.
  await expectEquivalent('GET', '/?utm_source=newsletter', BROWSER);
});

test('what the fast path is not sure of goes to Next: a draft-mode cookie, a server action header, an invalidated page', async () => {
  const [post] = await site.publishedNewestFirst();
  const page = `/posts/${post!.slug}`;
  await expectEquivalent('GET', page, BROWSER);
  const passes = async (headers: Record<string, string>) => {
    const before = await fastServed();
    await send(fast.base, 'GET', page, { ...BROWSER, ...headers });
    return (await fastServed()) - before;
  };
  expect(await passes({ cookie: '__prerender_bypass=1' })).toBe(0);
  expect(await passes({ 'next-action': 'x' })).toBe(0);
  expect(await passes({ 'accept-encoding': 'deflate' })).toBe(0);

  // A comment through the other server: the next answer here is the new page, rendered by Next.
  const body = `fast path stays fresh ${Date.now()}`;
  await comment(next.base, post!.id, body);
  const before = await fastServed();
  const after = await send(fast.base, 'GET', page, BROWSER);
  expect(decoded(after)).toContain(body);
  expect(await fastServed()).toBe(before);
  // And once Next has answered it from the new entry, the fast path serves that.
  const again = await expectEquivalent('GET', page, BROWSER);
  expect(decoded(again)).toContain(body);
});

test('a post’s card, a PNG, is kept and served as it is, whatever the first client asked: no brotli or gzip is made for it', async () => {
  const [, , post] = await site.publishedNewestFirst();
  const card = `/posts/${post!.slug}/opengraph-image`;
  // Kept from an answer to a client that asked for no encoding…
  const identity = await expectEquivalent('GET', card, {});
  expect(identity.headers['content-type']).toBe('image/png');
  expect(identity.body.subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
  // …and served from memory to one that asks for brotli at once: compression() never encodes a
  // PNG, so there is nothing to wait for.
  const before = await fastServed();
  const browser = await send(fast.base, 'GET', card, BROWSER);
  expect((await fastServed()) - before, 'the fast path answered').toBe(1);
  expect(browser.headers['content-encoding']).toBeUndefined();
  expect(browser.body.equals(identity.body), 'the same bytes').toBe(true);
  for (const headers of ENCODINGS) {
    const answer = await expectEquivalent('GET', card, headers);
    expect(answer.headers['content-encoding'], JSON.stringify(headers)).toBeUndefined();
    expect(answer.body.equals(identity.body), JSON.stringify(headers)).toBe(true);
  }
  await expectEquivalent('HEAD', card, BROWSER);
});
