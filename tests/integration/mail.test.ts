import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { createDatabase } from '@/db/client';
import { queueMail } from '@/db/mail';
import { processSlot } from '@/lib/core/process-singleton';
import {
  confirmReplyNotices,
  queueModerationNotice,
  queueReplyNotice,
  requestReplyNotices,
  stopReplyNotices,
} from '@/lib/mail/notices';
import { describeMailState } from '@/lib/mail/outbox-view';
import { createMailer } from '@/lib/mail/sender';
import { dropDatabase, freshSeededDatabase } from '../support/databases';
import { linkIn, startTestSmtp, type TestSmtp } from '../support/smtp';

/*
 * Mail against a mail server of the test's own (smtp-server on a free port): the owner's batched
 * moderation notices, reply notices behind a confirmed address and an unsubscribe link, retries
 * of refused mail with logs that keep the password out, and nothing sent without SMTP_URL.
 */

const pool = processSlot<ReturnType<typeof createDatabase>>('database.pool');
let name = '';
let sql: postgres.Sql;
let smtp: TestSmtp;
let postId = 0;

before(async () => {
  const fresh = await freshSeededDatabase('mail');
  name = fresh.name;
  pool.set(createDatabase(fresh.url, { max: 4 }));
  sql = postgres(fresh.url, { max: 1, onnotice: () => {} });
  await sql`insert into users (email, name, role, password_hash) values ('owner@blog.example', 'Olive', 'owner', 'x')`;
  const [post] = await sql<{ id: number }[]>`select id from posts where status = 'published' order by id limit 1`;
  postId = post!.id;
  // The seed's own pending comments were listed by an earlier notice, long ago.
  const [newest] = await sql<{ id: number }[]>`select max(id)::int as id from comments`;
  await sql`insert into site_settings (key, value) values ('mail:moderation-notice', ${sql.json({ at: 0, lastCommentId: newest!.id })})`;
  smtp = await startTestSmtp();
});

after(async () => {
  await smtp?.close();
  await sql?.end({ timeout: 5 });
  await pool.get()?.sql.end({ timeout: 5 });
  pool.set(null);
  if (name) await dropDatabase(name);
});

async function comment(
  author: string,
  email: string,
  body: string,
  status: 'pending' | 'published',
  parentId: number | null = null,
) {
  const [row] = await sql<{ id: number }[]>`
    insert into comments (post_id, parent_id, author_name, author_email, body, status)
    values (${postId}, ${parentId}, ${author}, ${email}, ${body}, ${status}) returning id`;
  return row!.id;
}

/** A mailer that only sends when told (tick), so each step is seen in order. */
const mailer = (log: (line: string) => void = () => {}) =>
  createMailer({ smtpUrl: smtp.url, from: 'Blog <blog@blog.example>', tickMs: 3_600_000, log });

describe('mail', () => {
  test('comments waiting for moderation: one notice lists several, and no second one goes within NOTIFY_INTERVAL', async () => {
    const send = mailer();
    try {
      const start = new Date();
      await comment('Walt', 'walt@example.net', 'first-waiting comment', 'pending');
      await comment('Wren', 'wren@example.net', 'second-waiting comment', 'pending');
      assert.equal(await queueModerationNotice(start, 60_000), true);
      await comment('Wynn', 'wynn@example.net', 'third-waiting comment', 'pending');
      assert.equal(
        await queueModerationNotice(new Date(start.getTime() + 30_000), 60_000),
        false,
        'within the interval',
      );
      await send.tick();
      const [first] = await smtp.waitFor((m) => /waiting for moderation/.test(m.subject ?? ''));
      assert.equal(first!.to && 'text' in first!.to ? first!.to.text : '', 'owner@blog.example');
      assert.match(first!.subject!, /^2 comments waiting for moderation/);
      assert.match(first!.text!, /Walt on “[^”]+”: first-waiting comment/);
      assert.match(first!.text!, /Wren on “[^”]+”: second-waiting comment/);
      assert.doesNotMatch(first!.text!, /third-waiting/);
      assert.match(first!.text!, /Moderate them at http:\/\/localhost:3000\/admin\/comments/);

      assert.equal(await queueModerationNotice(new Date(start.getTime() + 61_000), 60_000), true, 'after the interval');
      await send.tick();
      const both = await smtp.waitFor((m) => /waiting for moderation/.test(m.subject ?? ''), 2);
      assert.match(both[1]!.subject!, /^1 comment waiting for moderation/);
      assert.match(both[1]!.text!, /Wynn on “[^”]+”: third-waiting comment/);
      assert.equal(smtp.messages.filter((m) => /waiting for moderation/.test(m.subject ?? '')).length, 2);

      // Past 50, the rest are counted, and the next notice is of newer ones alone.
      for (let n = 1; n <= 52; n++) await comment('Many', 'many@example.net', `crowd ${n}`, 'pending');
      assert.equal(await queueModerationNotice(new Date(start.getTime() + 130_000), 60_000), true);
      await comment('Last', 'last@example.net', 'after the crowd', 'pending');
      assert.equal(await queueModerationNotice(new Date(start.getTime() + 200_000), 60_000), true);
      await send.tick();
      const all = await smtp.waitFor((m) => /waiting for moderation/.test(m.subject ?? ''), 4);
      assert.match(all[2]!.subject!, /^52 comments waiting/);
      assert.match(all[2]!.text!, /crowd 50\n- and 2 more/);
      assert.match(all[3]!.subject!, /^1 comment waiting/);
      assert.match(all[3]!.text!, /Last on “[^”]+”: after the crowd/);
    } finally {
      await send.stop();
    }
  });

  test('a reply notice goes only to a confirmed address, never to the replier themself, and the unsubscribe link stops the next', async () => {
    const send = mailer();
    const reply = async (author: string, email: string, body: string) => {
      const id = await comment(author, email, body, 'published', parent);
      await queueReplyNotice(id, pool.get()!.db);
      await send.tick();
      return id;
    };
    const noticesTo = () => smtp.messages.filter((m) => /replied to your comment/.test(m.subject ?? ''));
    const parent = await comment('Ann', 'ann@reader.example', 'A comment worth answering', 'published');
    try {
      assert.equal(await requestReplyNotices(parent, 'ann@reader.example'), true);
      await send.tick();
      const [confirmation] = await smtp.waitFor((m) => /^Confirm: replies to your comment/.test(m.subject ?? ''));
      const confirm = linkIn(confirmation!, '/mail/confirm?token=');

      await reply('Bob', 'bob@reader.example', 'An answer before the address was confirmed');
      assert.equal(noticesTo().length, 0, 'nothing before confirmation');

      assert.equal(await confirmReplyNotices(new URL(confirm).searchParams.get('token')!), true);
      await reply('Bob', 'bob@reader.example', 'An answer after confirmation');
      const [notice] = await smtp.waitFor((m) => /replied to your comment/.test(m.subject ?? ''));
      assert.match(notice!.subject!, /^Bob replied to your comment on “.+”$/);
      assert.match(notice!.text!, /An answer after confirmation/);
      assert.match(notice!.text!, /Read it: http:\/\/localhost:3000\/posts\/\S+#comment-\d+/);
      const unsubscribe = linkIn(notice!, '/mail/unsubscribe?token=');
      // The mail program's own unsubscribe button opens the same link.
      const header = notice!.headerLines.find((line) => line.key === 'list-unsubscribe')?.line;
      assert.equal(header?.replace(/\s+/g, ' '), `List-Unsubscribe: <${unsubscribe}>`);

      await reply('Ann', 'ANN@reader.example', 'Ann answering under her own comment');
      assert.equal(noticesTo().length, 1, 'no notice of your own reply');

      assert.equal(await stopReplyNotices(new URL(unsubscribe).searchParams.get('token')!), true);
      await reply('Cid', 'cid@reader.example', 'An answer after unsubscribing');
      assert.equal(noticesTo().length, 1, 'nothing after unsubscribing');
      assert.equal(await confirmReplyNotices('not-a-token'), false);
    } finally {
      await send.stop();
    }
  });

  test('one address gets at most three confirmation mails a day', async () => {
    const ids = await Promise.all(
      [1, 2, 3, 4].map((n) => comment('Flo', 'flo@reader.example', `flood ${n}`, 'published')),
    );
    const asked = [];
    for (const id of ids) asked.push(await requestReplyNotices(id, 'flo@reader.example'));
    assert.deepEqual(asked, [true, true, true, false]);
  });

  test('a refused mail is tried again later and logged without the password; without SMTP_URL nothing is sent', async () => {
    const lines: string[] = [];
    const send = mailer((line) => lines.push(line));
    try {
      // Only this test's mail is due.
      await sql`update mail_outbox set sent_at = now() where sent_at is null`;
      smtp.refuseNext = 1;
      await queueMail({ kind: 'invitation', to: 'new@blog.example', subject: 'Retried invitation', text: 'Hello' });
      await send.tick();
      const [row] = await sql<
        { id: number; attempts: number; last_error: string; sent_at: Date | null; send_after: Date }[]
      >`
        select id, attempts, last_error, sent_at, send_after from mail_outbox where subject = 'Retried invitation'`;
      assert.equal(row!.attempts, 1);
      assert.equal(row!.sent_at, null);
      assert.match(row!.last_error, /451|Try again later/);
      assert.ok(row!.send_after.getTime() > Date.now() + 20_000, 'the next attempt waits');
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /could not send mail \d+ \(invitation\), attempt 1/);
      assert.doesNotMatch(lines.join('\n') + row!.last_error, /s3cret-smtp-password|new@blog\.example/);

      await sql`update mail_outbox set send_after = now() where id = ${row!.id}`;
      await send.tick();
      await smtp.waitFor((m) => m.subject === 'Retried invitation');
    } finally {
      await send.stop();
    }

    const unconfigured = createMailer({ smtpUrl: '', tickMs: 3_600_000 });
    try {
      await queueMail({ kind: 'invitation', to: 'later@blog.example', subject: 'Never sent', text: 'Hello' });
      await unconfigured.tick();
      const [row] = await sql<
        { sent_at: Date | null; attempts: number; last_error: string | null; send_after: Date }[]
      >`
        select sent_at, attempts, last_error, send_after from mail_outbox where subject = 'Never sent'`;
      assert.equal(row!.sent_at, null);
      assert.equal(row!.attempts, 0);
      assert.equal(
        describeMailState({ sentAt: null, attempts: 0, lastError: null, sendAfter: row!.send_after }),
        'not sent: no SMTP_URL',
      );
      assert.equal(smtp.messages.filter((m) => m.subject === 'Never sent').length, 0);
    } finally {
      await unconfigured.stop();
    }
  });
});
