import type { ParsedMail } from 'mailparser';
import { linkIn, startTestSmtp, type TestSmtp } from '../support/smtp';
import { CommentForm, uniqueComment } from './support/comment-form';
import { expect, test } from './support/fixtures';
import { get, OwnSite, SITE_ADMIN_TOKEN, type SiteServer } from './support/site';

/*
 * E-mail from a running site to a mail server of the test's own (smtp-server on a free port), with
 * comments held for moderation: the owner gets one notice for several waiting comments within
 * NOTIFY_INTERVAL; a commenter who ticks the box gets a confirmation, then a notice of a reply only
 * once the link is opened, and the notice's unsubscribe link stops the next one; an invitation is
 * mailed, and the owner's Mail page lists it as sent.
 */

const site = new OwnSite();
let server: SiteServer;
let smtp: TestSmtp;
const OWNER = 'owner@blog.example';
const PASSWORD = 'a shared admin password for mail';

test.beforeAll(async () => {
  await site.open('mail');
  smtp = await startTestSmtp();
  server = await site.start({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'The Blog <blog@blog.example>',
    COMMENT_MODERATION: 'manual',
    NOTIFY_INTERVAL: '8s',
    NOTIFY_EMAIL: OWNER,
    ADMIN_PASSWORD: PASSWORD,
  });
});

test.afterAll(async () => {
  await server?.stop();
  await smtp?.close();
  await site.close();
});

async function api(method: 'POST' | 'PATCH', path: string, data: unknown): Promise<{ id: number }> {
  const response = await fetch(`${server.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${SITE_ADMIN_TOKEN}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify(data),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as { id: number };
}

const held = (postId: number, body: string, parentId?: number) =>
  api('POST', '/api/admin/comments', {
    postId,
    ...(parentId === undefined ? {} : { parentId }),
    authorName: 'Rae',
    authorEmail: 'rae@reader.example',
    body,
  });
const publish = (id: number) => api('PATCH', `/api/admin/comments/${id}`, { status: 'published' });
const addressedTo = (m: ParsedMail) => (m.to && 'text' in m.to ? m.to.text : '');
const moderationNotices = () => smtp.messages.filter((m) => /waiting for moderation/.test(m.subject ?? ''));
const replyNotices = () => smtp.messages.filter((m) => /replied to your comment/.test(m.subject ?? ''));

test('the owner gets one notice for several comments waiting within NOTIFY_INTERVAL', async () => {
  test.setTimeout(60_000);
  const [post] = await site.publishedNewestFirst();
  // The seed's waiting comments make the first notice, at start.
  await smtp.waitFor((m) => /waiting for moderation/.test(m.subject ?? ''));
  const token = Date.now().toString(36);
  for (const n of [1, 2, 3]) await held(post!.id, `waiting-${token}-${n}: a comment for the queue`);
  const [, second] = await smtp.waitFor((m) => /waiting for moderation/.test(m.subject ?? ''), 2, 20_000);
  expect(second!.to && 'text' in second!.to ? second!.to.text : '').toBe(OWNER);
  expect(second!.subject).toMatch(/^3 comments waiting for moderation/);
  for (const n of [1, 2, 3]) expect(second!.text).toContain(`waiting-${token}-${n}`);
  expect(second!.text).toMatch(/Moderate them at http:\/\/localhost:\d+\/admin\/comments/);
  // Nothing new waits: no third notice, however long.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  expect(moderationNotices()).toHaveLength(2);
});

test('a commenter hears of a reply only after confirming, never sees their address on a page, and one click unsubscribes', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const [post] = await site.publishedNewestFirst();
  const mine = uniqueComment('notify');
  await page.goto(`${server.base}/posts/${post!.slug}`);
  const form = new CommentForm(page);
  await form.fill(mine);
  await form.region.getByLabel('E-mail me when someone replies', { exact: false }).check();
  await form.submit();
  await expect(form.status).toContainText('will appear once a moderator has approved it');

  const [confirmation] = await smtp.waitFor(
    (m) => m.subject?.startsWith('Confirm: replies') === true && addressedTo(m) === mine.email,
  );
  const [row] = await site.sql<{ id: number }[]>`select id from comments where author_email = ${mine.email}`;
  await publish(row!.id);

  // A reply while the address is unconfirmed: no notice.
  await publish((await held(post!.id, `early reply ${mine.token}`, row!.id)).id);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  expect(replyNotices()).toHaveLength(0);

  // The link, as the mail program opens it: confirmed, and the token leaves the address bar.
  const confirmLink = new URL(linkIn(confirmation!, '/mail/confirm?token='));
  await page.goto(`${server.base}${confirmLink.pathname}${confirmLink.search}`);
  await expect(page).toHaveURL(/\/mail\/confirmed$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Replies will be e-mailed to you');

  await publish((await held(post!.id, `second reply ${mine.token}`, row!.id)).id);
  const [notice] = await smtp.waitFor((m) => /replied to your comment/.test(m.subject ?? ''), 1, 20_000);
  expect(addressedTo(notice!)).toBe(mine.email);
  expect(notice!.text).toContain(`second reply ${mine.token}`);
  expect(notice!.text).not.toContain('early reply');

  const page1 = await get(server.base, `/posts/${post!.slug}`);
  expect(page1.html).toContain(`second reply ${mine.token}`);
  expect(page1.html, 'no address on the page').not.toContain(mine.email);

  const unsubscribe = new URL(linkIn(notice!, '/mail/unsubscribe?token='));
  await page.goto(`${server.base}${unsubscribe.pathname}${unsubscribe.search}`);
  await expect(page).toHaveURL(/\/mail\/unsubscribed$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('No more e-mail about replies');

  await publish((await held(post!.id, `third reply ${mine.token}`, row!.id)).id);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  expect(replyNotices()).toHaveLength(1);

  const unknown = await fetch(`${server.base}/mail/unsubscribe?token=nope`, { redirect: 'manual' });
  expect(unknown.status).toBe(303);
  expect(unknown.headers.get('location')).toBe('/mail/unknown-link');
});

test('an invitation is mailed to the address, and the owner’s Mail page lists it as sent', async ({ page }) => {
  await page.goto(`${server.base}/admin/login`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  const nav = page.getByRole('navigation', { name: 'Admin' });
  await nav.getByRole('link', { name: 'People' }).click();
  await page.getByLabel('Their e-mail').fill('new.author@blog.example');
  await page.getByLabel('Role').selectOption('author');
  await page.getByRole('button', { name: 'Make an invitation link' }).click();
  const link = await page.getByLabel('Invitation link').inputValue();
  await expect(page.getByText('It is on its way to them by e-mail too')).toBeVisible();
  const [mail] = await smtp.waitFor((m) => addressedTo(m) === 'new.author@blog.example');
  expect(mail!.subject).toBe('You are invited to write for Freshpress');
  expect(mail!.text).toContain(link);

  await nav.getByRole('link', { name: 'Mail' }).click();
  const row = page.getByTestId('mail').filter({ hasText: 'new.author@blog.example' });
  await expect(row).toContainText('You are invited to write for Freshpress');
  await expect(row).toContainText(/sent \d{4}-\d\d-\d\d/);
});
