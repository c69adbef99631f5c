import { createHmac } from 'node:crypto';
import type { BrowserContext, Page, Response } from '@playwright/test';
import { runtimeFiles } from '../../server/runtime-files';
import { expect, test } from './support/fixtures';
import { freePort, startProcess } from './support/server';
import { OwnSite, type SiteServer } from './support/site';
import { withTimeLeftInTheMinute } from './support/rate-window';

/*
 * The statistics behind STATS_PASSWORD, on a site of their own with the loopback trusted as a
 * proxy, so each test speaks as a client of its own through X-Forwarded-For and the login limit
 * of one test does not reach another.
 */

const PASSWORD = 'correct horse battery';
const COOKIE = 'freshpress_stats';

const site = new OwnSite();
let server: SiteServer;
let clients = 0;
const newClient = () => `198.51.100.${++clients}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await site.open('stats-password');
  server = await site.start({ STATS_PASSWORD: PASSWORD, TRUST_PROXY: 'loopback' });
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
});

const basic = (password: string) => ({
  authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`,
});

class StatsLogin {
  readonly password;

  constructor(private readonly page: Page) {
    this.password = page.getByLabel('Password');
  }

  async open(headers: Record<string, string> = {}): Promise<void> {
    await this.page.context().setExtraHTTPHeaders({ 'x-forwarded-for': newClient(), ...headers });
    await this.page.goto(`${server.base}/stats`);
    await expect(this.page.getByRole('heading', { name: 'Cache statistics' })).toBeVisible();
  }

  /** Returns the server's answer to the form: the message beside the field, or the session's cookie. */
  async unlock(password: string): Promise<Response> {
    const button = this.page.getByRole('button', { name: 'Show statistics' });
    await expect(button).toBeEnabled();
    await this.password.fill(password);
    const answered = this.page.waitForResponse(
      (response) => response.request().method() === 'POST' && response.url().startsWith(`${server.base}/stats`),
    );
    await button.click();
    return answered;
  }
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies(`${server.base}/stats`)).find((cookie) => cookie.name === COOKIE);
}

const dashboard = (page: Page) => page.getByTestId('headline').or(page.getByTestId('empty-state')).first();

test('with STATS_PASSWORD set, the statistics ask for it: a form for people, Basic auth for the API', async ({
  page,
  request,
}) => {
  const refused = await request.get(`${server.base}/api/stats?range=1h`);
  expect(refused.status()).toBe(401);
  expect(refused.headers()['www-authenticate']).toContain('Basic');
  expect((await request.get(`${server.base}/api/stats?range=1h`, { headers: basic('wrong') })).status()).toBe(401);
  expect((await request.get(`${server.base}/api/stats?range=1h`, { headers: basic(PASSWORD) })).status()).toBe(200);

  // The log's links to posts by id are the operator's too.
  const [post] = await site.publishedNewestFirst();
  expect((await request.get(`${server.base}/stats/post/${post!.id}`, { maxRedirects: 0 })).status()).toBe(404);
  const allowed = await request.get(`${server.base}/stats/post/${post!.id}`, {
    maxRedirects: 0,
    headers: basic(PASSWORD),
  });
  expect(allowed.headers().location).toBe(`/posts/${post!.slug}`);

  const login = new StatsLogin(page);
  await login.open();
  await expect(page.getByTestId('headline')).toHaveCount(0);
  await login.unlock('nope, not this one');
  await expect(login.password).toHaveAccessibleDescription('That password is not right.');
  expect(await sessionCookie(page.context())).toBeUndefined();
  await login.unlock(PASSWORD);
  await expect(dashboard(page)).toBeVisible();
});

test('the statistics session is a cookie that ends: HttpOnly, SameSite=Lax, not Secure on http, 12 hours; the old unexpiring cookie opens nothing', async ({
  page,
}) => {
  const login = new StatsLogin(page);
  await login.open();
  const before = Date.now() / 1000;
  await login.unlock(PASSWORD);
  await expect(dashboard(page)).toBeVisible();

  const cookie = await sessionCookie(page.context());
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
  expect(cookie!.expires).toBeGreaterThan(before + 12 * 3600 - 60);
  expect(cookie!.expires).toBeLessThan(before + 12 * 3600 + 60);
  const api = (value: string) =>
    fetch(`${server.base}/api/stats?range=1h`, { headers: { cookie: `${COOKIE}=${value}`, connection: 'close' } });
  expect((await api(cookie!.value)).status).toBe(200);

  // What the cookie held before sessions ended: an HMAC of the password, the same forever.
  const unexpiring = createHmac('sha256', `freshpress-stats:${PASSWORD}`).update('stats-access-v1').digest('base64url');
  const [header, payload] = cookie!.value.split('.');
  const extended = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), exp: 4_000_000_000 }),
  ).toString('base64url');
  for (const value of [unexpiring, `${header}.${extended}.${cookie!.value.split('.')[2]}`]) {
    expect((await api(value)).status, value).toBe(401);
    const shown = await fetch(`${server.base}/stats`, {
      headers: { cookie: `${COOKIE}=${value}`, connection: 'close' },
    });
    expect(await shown.text()).toContain('Enter the statistics password');
  }
});

test('behind a proxy that ended HTTPS, the statistics cookie is Secure', async ({ page }) => {
  const login = new StatsLogin(page);
  await login.open({ 'x-forwarded-proto': 'https' });
  const answer = await login.unlock(PASSWORD);
  const line = (await answer.headersArray()).find(
    ({ name, value }) => name.toLowerCase() === 'set-cookie' && value.startsWith(`${COOKIE}=`),
  );
  expect(line?.value).toMatch(/;\s*Secure/i);
  expect(line?.value).toMatch(/;\s*HttpOnly/i);
  expect(line?.value).toMatch(/;\s*Max-Age=43200/i);
});

test('six quick tries from one client: the sixth is told beside the field how long to wait, even with the right password', async ({
  page,
}) => {
  await withTimeLeftInTheMinute();
  const login = new StatsLogin(page);
  await login.open();
  for (let attempt = 1; attempt <= 5; attempt++) {
    await login.unlock(`wrong guess number ${attempt}`);
    await expect(login.password).toHaveAccessibleDescription('That password is not right.');
  }
  const answer = await login.unlock(PASSWORD);
  expect(answer.status()).toBeLessThan(500);
  await expect(login.password).toHaveAccessibleDescription(
    /^Too many attempts\. Please wait \d+ seconds? and try again\.$/,
  );
  expect(await sessionCookie(page.context())).toBeUndefined();
  await expect(page.getByTestId('headline')).toHaveCount(0);

  // Counted per client: another one can still unlock.
  await login.open();
  await login.unlock(PASSWORD);
  await expect(dashboard(page)).toBeVisible();
});

test('a STATS_PASSWORD shorter than 12 characters stops the server at start, naming the variable and the minimum', async () => {
  const port = await freePort();
  const refused = startProcess(process.execPath, [runtimeFiles.server], {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: site.database.url,
    PORT: String(port),
    STATS_PREFIX: site.prefix,
    STATS_PASSWORD: 'only11chars',
  });
  try {
    // Bounded, so a server that starts after all fails here and is stopped below.
    const code = await new Promise<number | null | 'running'>((resolve) => {
      if (refused.child.exitCode !== null) resolve(refused.child.exitCode);
      else refused.child.once('exit', (exit) => resolve(exit));
      setTimeout(() => resolve('running'), 30_000);
    });
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(refused.output()).toContain('STATS_PASSWORD must be at least 12 characters');
  } finally {
    await refused.stop();
  }
});
