import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { getDb, type Database, type Executor } from './client';
import { comments, mailOutbox, posts, replySubscriptions, siteSettings, users, type MailKind } from './schema';

/*
 * Mail's statements: the outbox the sender loop drains, the owner's moderation notices, and
 * commenters' reply subscriptions. Not 'server-only': the production server process sends mail
 * outside Next's bundles (lib/mail/sender.ts), like db/outbox.ts.
 */

export interface NewMail {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

export async function queueMail(mail: NewMail, db: Executor = getDb()): Promise<void> {
  await db.insert(mailOutbox).values({ ...mail, headers: mail.headers ?? {} });
}

export type OutboxMail = typeof mailOutbox.$inferSelect;

/**
 * Claims up to `limit` mails due now for `leaseMs`: another sender (another process or host)
 * skips them meanwhile, and a sender that dies mid-send leaves them to be sent again after it.
 */
export async function claimDueMail(
  limit: number,
  leaseMs: number,
  maxAttempts: number,
  db: Database = getDb(),
): Promise<OutboxMail[]> {
  const rows = await db.execute<{ id: number }>(sql`
    update ${mailOutbox} set send_after = now() + make_interval(secs => ${leaseMs / 1000})
    where id in (
      select id from ${mailOutbox}
      where sent_at is null and send_after <= now() and attempts < ${maxAttempts}
      order by id for update skip locked limit ${limit})
    returning id`);
  if (rows.length === 0) return [];
  return db
    .select()
    .from(mailOutbox)
    .where(sql`${mailOutbox.id} = any(${sql.param(rows.map((row) => Number(row.id)))}::bigint[])`)
    .orderBy(asc(mailOutbox.id));
}

export async function markMailSent(id: number, db: Database = getDb()): Promise<void> {
  await db.update(mailOutbox).set({ sentAt: new Date() }).where(eq(mailOutbox.id, id));
}

export async function markMailFailed(id: number, error: string, retryAt: Date, db: Database = getDb()) {
  await db
    .update(mailOutbox)
    .set({ attempts: sql`${mailOutbox.attempts} + 1`, lastError: error, sendAfter: retryAt })
    .where(eq(mailOutbox.id, id));
}

/** The newest mails, sent or not, for /admin/mail. */
export async function listMail(limit: number, db: Database = getDb()): Promise<OutboxMail[]> {
  return db.select().from(mailOutbox).orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id)).limit(limit);
}

export async function ownerAddress(db: Executor = getDb()): Promise<string | null> {
  const [row] = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.role, 'owner'), isNull(users.removedAt)));
  return row?.email ?? null;
}

const MODERATION_NOTICE = 'mail:moderation-notice';

export interface ModerationNoticeState {
  /** When the last notice was queued (ms), and the newest comment it listed. */
  at: number;
  lastCommentId: number;
}

/**
 * Runs `work` with the moderation notices' state, under a lock: of several servers looking at once,
 * one decides. `work` returns the new state, or null to leave it.
 */
export async function withModerationNoticeState(
  work: (state: ModerationNoticeState, tx: Executor) => Promise<ModerationNoticeState | null>,
  db: Database = getDb(),
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('freshpress:mail:moderation'))`);
    const [row] = await tx
      .select({ value: siteSettings.value })
      .from(siteSettings)
      .where(eq(siteSettings.key, MODERATION_NOTICE));
    const next = await work((row?.value as ModerationNoticeState | undefined) ?? { at: 0, lastCommentId: 0 }, tx);
    if (next)
      await tx
        .insert(siteSettings)
        .values({ key: MODERATION_NOTICE, value: next })
        .onConflictDoUpdate({ target: siteSettings.key, set: { value: next, updatedAt: new Date() } });
  });
}

export interface WaitingComment {
  id: number;
  authorName: string;
  body: string;
  postTitle: string;
}

/** Comments still waiting for moderation that no notice has listed yet, oldest first. */
export async function waitingCommentsAfter(afterId: number, limit: number, db: Executor): Promise<WaitingComment[]> {
  return db
    .select({ id: comments.id, authorName: comments.authorName, body: comments.body, postTitle: posts.title })
    .from(comments)
    .innerJoin(posts, eq(posts.id, comments.postId))
    .where(and(eq(comments.status, 'pending'), gt(comments.id, afterId)))
    .orderBy(asc(comments.id))
    .limit(limit);
}

/** How many comments wait that no notice has named yet, and the newest of them. */
export async function countWaitingAfter(afterId: number, db: Executor): Promise<{ count: number; newest: number }> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int`, newest: sql<number>`coalesce(max(${comments.id}), 0)::int` })
    .from(comments)
    .where(and(eq(comments.status, 'pending'), gt(comments.id, afterId)));
  return row ?? { count: 0, newest: afterId };
}

/** The comment a commenter wants to hear of replies to, with its post, for the confirmation mail. */
export async function commentForSubscription(commentId: number, db: Executor) {
  const [row] = await db
    .select({ authorName: comments.authorName, postTitle: posts.title, postSlug: posts.slug })
    .from(comments)
    .innerJoin(posts, eq(posts.id, comments.postId))
    .where(eq(comments.id, commentId));
  return row ?? null;
}

/** Confirmation mails queued to an address since `since`: a form cannot be used to flood someone's inbox. */
export async function confirmationsSentTo(email: string, since: Date, db: Executor): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.kind, 'confirm-replies'), eq(mailOutbox.to, email), gt(mailOutbox.createdAt, since)));
  return row?.n ?? 0;
}

export async function insertSubscription(
  values: { commentId: number; email: string; confirmTokenHash: string; unsubscribeToken: string },
  db: Executor,
): Promise<boolean> {
  const rows = await db
    .insert(replySubscriptions)
    .values(values)
    .onConflictDoNothing()
    .returning({ id: replySubscriptions.id });
  return rows.length > 0;
}

/** Confirms by the confirmation token's hash; true when it names a subscription (confirmed now or before). */
export async function confirmSubscription(confirmTokenHash: string, db: Database = getDb()): Promise<boolean> {
  const rows = await db
    .update(replySubscriptions)
    .set({ confirmedAt: sql`coalesce(${replySubscriptions.confirmedAt}, now())` })
    .where(eq(replySubscriptions.confirmTokenHash, confirmTokenHash))
    .returning({ id: replySubscriptions.id });
  return rows.length > 0;
}

/** Ends a subscription by its unsubscribe token; true when it names one (ended now or before). */
export async function endSubscription(unsubscribeToken: string, db: Database = getDb()): Promise<boolean> {
  const rows = await db
    .update(replySubscriptions)
    .set({ unsubscribedAt: sql`coalesce(${replySubscriptions.unsubscribedAt}, now())` })
    .where(eq(replySubscriptions.unsubscribeToken, unsubscribeToken))
    .returning({ id: replySubscriptions.id });
  return rows.length > 0;
}

export interface ReplyNoticeTarget {
  email: string;
  unsubscribeToken: string;
  parentAuthor: string;
  replyId: number;
  replyAuthor: string;
  replyBody: string;
  postSlug: string;
  postTitle: string;
}

/**
 * Who hears of this published reply: the confirmed, still subscribed author of the comment it
 * answers, unless they wrote the reply themselves.
 */
export async function replyNoticeTarget(replyId: number, db: Executor): Promise<ReplyNoticeTarget | null> {
  const rows = await db.execute<{
    email: string;
    unsubscribe_token: string;
    parent_author: string;
    reply_author: string;
    reply_body: string;
    slug: string;
    title: string;
  }>(sql`
    select s.email, s.unsubscribe_token, parent.author_name as parent_author, reply.author_name as reply_author,
      reply.body as reply_body, p.slug, p.title
    from ${comments} reply
    join ${comments} parent on parent.id = reply.parent_id
    join ${replySubscriptions} s on s.comment_id = parent.id
    join ${posts} p on p.id = reply.post_id
    where reply.id = ${replyId} and reply.status = 'published'
      and s.confirmed_at is not null and s.unsubscribed_at is null
      and lower(reply.author_email) <> lower(s.email)`);
  const row = rows[0];
  return row
    ? {
        email: row.email,
        unsubscribeToken: row.unsubscribe_token,
        parentAuthor: row.parent_author,
        replyId,
        replyAuthor: row.reply_author,
        replyBody: row.reply_body,
        postSlug: row.slug,
        postTitle: row.title,
      }
    : null;
}
