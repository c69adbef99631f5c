import type { BrowserContext, Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { actionFormsOf } from './support/form-post';
import { comment, OwnSite, type SiteServer } from './support/site';
import { withTimeLeftInTheMinute } from './support/rate-window';

/*
 * The admin's login on a site of its own, with manual moderation (so comments wait as pending)
 * and the loopback trusted as a proxy, so each test speaks as a client of its own through
 * X-Forwarded-For and the login limit of one test does not reach another.
 */

const PASSWORD = 'a long admin password for tests';
const COOKIE = 'freshpress_admin';

const site = new OwnSite();
let server: SiteServer;
let clients = 0;
const newClient = () => `198.51.100.${++clients}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await site.open('admin-login');
  server = await site.start({ ADMIN_PASSWORD: PASSWORD, COMMENT_MODERATION: 'manual', TRUST_PROXY: 'loopback' });
});

test.afterAll(async () => {
  await server?.stop();
  await site.close();
});

class LoginPage {
  readonly password;
  readonly status;

  constructor(
    private readonly page: Page,
    private readonly base = server.base,
  ) {
    this.password = page.getByLabel('Password');
    this.status = page.getByRole('status');
  }

  async open(): Promise<void> {
    await this.page.context().setExtraHTTPHeaders({ 'x-forwarded-for': newClient() });
    await this.page.goto(`${this.base}/admin/login`);
  }

  /**
   * Returns once the server has answered: the same message twice in a row shows no change to wait
   * for. Waits first for the last answer to be shown, which also empties the form: a password
   * typed before that would be wiped, and the empty required field never sent.
   */
  async logIn(password: string): Promise<void> {
    const button = this.page.getByRole('button', { name: 'Log in' });
    await expect(button).toBeEnabled();
    await this.password.fill(password);
    const answered = this.page.waitForResponse(
      (response) => response.request().method() === 'POST' && response.url().startsWith(`${this.base}/admin/login`),
    );
    await button.click();
    await answered;
  }
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies(`${server.base}/admin`)).find((cookie) => cookie.name === COOKIE);
}

async function pendingInDatabase(): Promise<number> {
  const [row] = await site.sql<{ n: number }[]>`select count(*)::int as n from comments where status = 'pending'`;
  return row!.n;
}

async function loggedIn(page: Page): Promise<void> {
  const login = new LoginPage(page);
  await login.open();
  await login.logIn(PASSWORD);
  await expect(page.getByRole('heading', { level: 1, name: 'Admin', exact: true })).toBeVisible();
}

test('a wrong password is refused beside the field, and no session cookie is set', async ({ page }) => {
  const login = new LoginPage(page);
  await login.open();
  await login.logIn('not the password at all');
  await expect(login.password).toHaveAccessibleDescription('That password is not right.');
  await expect(login.password).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(`${server.base}/admin/login`);
  expect(await sessionCookie(page.context())).toBeUndefined();
});

test('the right password opens the admin home, which counts the pending comments; the cookie is HttpOnly, SameSite=Strict, not Secure on http', async ({
  page,
}) => {
  const [post] = await site.publishedNewestFirst();
  await comment(server.base, post!.id, `Waiting for a moderator ${Date.now()}`);
  const pending = await pendingInDatabase();
  expect(pending).toBeGreaterThan(0);

  const before = Date.now() / 1000;
  await loggedIn(page);
  await expect(page).toHaveURL(`${server.base}/admin`);
  const nav = page.getByRole('navigation', { name: 'Admin' });
  await expect(nav.getByText('Pending comments')).toHaveText(`Pending comments ${pending}`);
  await expect(nav.getByRole('button', { name: 'Log out' })).toBeVisible();

  const cookie = await sessionCookie(page.context());
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/admin' });
  expect(cookie!.expires).toBeGreaterThan(before + 12 * 3600 - 60);
  expect(cookie!.expires).toBeLessThan(before + 12 * 3600 + 60);

  // Another pending comment shows on the next request: the admin is never served from a cache.
  await comment(server.base, post!.id, `Also waiting ${Date.now()}`);
  await page.reload();
  await expect(nav.getByText('Pending comments')).toHaveText(`Pending comments ${pending + 1}`);
  const response = await page.request.get(`${server.base}/admin`, { maxRedirects: 0 });
  expect(response.status()).toBe(200);
  expect(response.headers()['cache-control']).toMatch(/private.*no-store/);
  expect(response.headers()['cache-control']).not.toMatch(/s-maxage|public/);
  expect(response.headers()['x-nextjs-cache']).toBeUndefined();
});

test('logging out ends the session: the admin pages redirect to the login again', async ({ page }) => {
  await loggedIn(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(`${server.base}/admin/login`);
  expect(await sessionCookie(page.context())).toBeUndefined();
  await page.goto(`${server.base}/admin`);
  await expect(page).toHaveURL(`${server.base}/admin/login`);
  await expect(page.getByRole('heading', { name: 'Log in to the admin' })).toBeVisible();
});

test('without a session every admin address redirects to the login, and a forged cookie does not open it', async () => {
  for (const cookie of [undefined, `${COOKIE}=eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQwMDAwMDAwMDB9.forged`]) {
    for (const path of ['/admin', '/admin/comments', '/admin/posts/1/edit']) {
      const response = await fetch(`${server.base}${path}`, {
        redirect: 'manual',
        headers: { connection: 'close', ...(cookie ? { cookie } : {}) },
      });
      expect(response.status, `${path} with ${cookie ?? 'no cookie'}`).toBe(307);
      expect(response.headers.get('location'), path).toBe('/admin/login');
    }
  }
});

test('every admin server action, called directly without a session, is refused and changes nothing', async ({
  page,
}) => {
  await loggedIn(page);
  const cookie = await sessionCookie(page.context());
  const home = await (
    await fetch(`${server.base}/admin`, { headers: { cookie: `${COOKIE}=${cookie!.value}`, connection: 'close' } })
  ).text();
  const actions = actionFormsOf(home);
  // Today the logout; every admin action added to the admin home is checked here too.
  expect(actions.length).toBeGreaterThanOrEqual(1);
  const pending = await pendingInDatabase();

  for (const fields of actions) {
    const data = new FormData();
    for (const [name, value] of fields) data.append(name, value);
    const response = await fetch(`${server.base}/admin`, {
      method: 'POST',
      body: data,
      redirect: 'manual',
      headers: { connection: 'close' },
    });
    // Refused before it ran: the logout would have cleared the cookie here.
    expect(
      response.headers.getSetCookie().filter((line) => line.startsWith(`${COOKIE}=`)),
      [...fields.keys()].join(' '),
    ).toEqual([]);
    expect(response.status).toBeLessThan(500);
    expect(await response.text()).not.toContain('Pending comments');
  }

  expect(await pendingInDatabase()).toBe(pending);
  // The logged-in browser was not logged out by the forged calls.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Admin', exact: true })).toBeVisible();
});

test('six quick wrong logins from one client: the sixth is told how long to wait, even with the right password', async ({
  page,
}) => {
  await withTimeLeftInTheMinute();
  const login = new LoginPage(page);
  await login.open();
  for (let attempt = 1; attempt <= 5; attempt++) {
    await login.logIn(`wrong guess ${attempt}`);
    await expect(login.password).toHaveAccessibleDescription('That password is not right.');
  }
  await login.logIn(PASSWORD);
  await expect(login.status).toHaveText(/^Too many login attempts\. Please wait \d+ seconds? and try again\.$/);
  expect(await sessionCookie(page.context())).toBeUndefined();

  // Counted per client: another one can still log in.
  await loggedIn(page);
});

test('guesses from many clients are held by the site-wide ceiling (LOGIN_GLOBAL_LIMIT): the fifth of four a minute is told to wait, from a new client, with the right password', async ({
  page,
}) => {
  // A count of its own, so the other tests' logins do not spend this one's ceiling.
  const ceiling = await site.start({
    ADMIN_PASSWORD: PASSWORD,
    TRUST_PROXY: 'loopback',
    LOGIN_GLOBAL_LIMIT: '4/1m',
    STATS_PREFIX: `${site.prefix}_ceiling`,
  });
  try {
    await withTimeLeftInTheMinute();
    const login = new LoginPage(page, ceiling.base);
    for (let attempt = 1; attempt <= 4; attempt++) {
      await login.open();
      await login.logIn(`wrong guess from client ${attempt}`);
      await expect(login.password).toHaveAccessibleDescription('That password is not right.');
    }
    await login.open();
    await login.logIn(PASSWORD);
    await expect(login.status).toHaveText(/^Too many login attempts\. Please wait \d+ seconds? and try again\.$/);
    expect((await page.context().cookies(`${ceiling.base}/admin`)).some((cookie) => cookie.name === COOKIE)).toBe(
      false,
    );
  } finally {
    await ceiling.stop();
  }
});

test('without ADMIN_PASSWORD or an owner the admin says the blog is not set up and where the setup address is', async ({
  page,
}) => {
  const off = await site.start({ COMMENT_MODERATION: 'manual' });
  try {
    await page.goto(`${off.base}/admin`);
    await expect(page).toHaveURL(`${off.base}/admin/login`);
    await expect(page.getByRole('heading', { name: 'The blog is not set up yet' })).toBeVisible();
    await expect(page.getByText('Set up your blog: …/admin/setup?token=…')).toBeVisible();
    await expect(page.getByText('ADMIN_PASSWORD', { exact: true })).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveCount(0);
    expect(off.output()).toMatch(/Set up your blog: http:\/\/localhost:\d+\/admin\/setup\?token=/);
  } finally {
    await off.stop();
  }
});
