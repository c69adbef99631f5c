import { expect, test } from './support/fixtures';
import { get, OwnSite, type SiteServer } from './support/site';
import { withTimeLeftInTheMinute } from './support/rate-window';

/*
 * What bounds a search's cost, on servers of this suite's own: the per-client rate limit
 * (SEARCH_RATE_LIMIT, here 3 a minute) and the statement timeout (SEARCH_TIMEOUT_MS, here 1 ms, so
 * a search of common words runs into it for real in PostgreSQL). The loopback is a trusted proxy,
 * so each test speaks as a client of its own through X-Forwarded-For.
 */

const site = new OwnSite();
let limited: SiteServer;
let hurried: SiteServer;
let clients = 0;
const newClient = () => `198.51.100.${++clients}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await site.open('search-limits');
  [limited, hurried] = await Promise.all([
    site.start({ SEARCH_RATE_LIMIT: '3/1m', TRUST_PROXY: 'loopback' }),
    site.start({ SEARCH_TIMEOUT_MS: '1', TRUST_PROXY: 'loopback' }),
  ]);
});

test.afterAll(async () => {
  await Promise.all([limited?.stop(), hurried?.stop()]);
  await site.close();
});

async function search(base: string, query: string, client: string): Promise<{ status: number; html: string }> {
  const response = await fetch(`${base}/search?q=${encodeURIComponent(query)}`, {
    headers: { 'x-forwarded-for': client, connection: 'close' },
    signal: AbortSignal.timeout(10_000),
  });
  // React separates adjacent text with empty comments: read the page as its text runs.
  return { status: response.status, html: (await response.text()).replaceAll('<!-- -->', '') };
}

const WAIT = /You have searched many times in a short while\. Please wait \d+ seconds? and search again\./;

test('three searches a minute: the fourth is told how long to wait, another client is not held back', async () => {
  await withTimeLeftInTheMinute();
  const client = newClient();
  for (const query of ['cache', 'postgres', 'edge']) {
    const answer = await search(limited.base, query, client);
    expect(answer.status).toBe(200);
    expect(answer.html).toMatch(/\d+ posts? match/);
    expect(answer.html).not.toMatch(WAIT);
  }
  const fourth = await search(limited.base, 'testing', client);
  expect(fourth.status).toBe(200);
  expect(fourth.html).toMatch(WAIT);
  expect(fourth.html).not.toMatch(/posts? match/);
  // The query stays in the form, to send again.
  expect(fourth.html).toContain('value="testing"');
  expect((await search(limited.base, 'cache', newClient())).html).toMatch(/\d+ posts match/);
});

test('what is not searched is not counted: the empty form and a query refused for its length', async () => {
  const client = newClient();
  for (let i = 0; i < 5; i++) {
    expect((await search(limited.base, '', client)).html).not.toMatch(WAIT);
    expect((await search(limited.base, 'x'.repeat(201), client)).html).toContain('a search can have at most 200');
  }
  for (const query of ['cache', 'postgres', 'edge'])
    expect((await search(limited.base, query, client)).html).not.toMatch(WAIT);
  expect((await search(limited.base, 'edge', client)).html).toMatch(WAIT);
});

test('a search that runs into its statement timeout is told so, not given a 5xx; the site serves on', async () => {
  const common =
    'one or change or thing or answer or first or work or time or test or ask or small or reader or make or write ' +
    'or every or see or number or need or page or long or keep or look or expect or made';
  for (let i = 0; i < 3; i++) {
    const answer = await search(hurried.base, common, newClient());
    expect(answer.status).toBe(200);
    expect(answer.html).toContain('That search took too long and was stopped.');
    expect(answer.html).not.toMatch(/posts? match/);
  }
  // PostgreSQL cancelled it (57014); nothing was logged as a failure, and the site serves on.
  expect(hurried.output()).not.toMatch(/57014|canceling statement|statement timeout/i);
  expect((await get(hurried.base, '/')).status).toBe(200);
  expect((await get(hurried.base, '/search')).status).toBe(200);
});
