import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '@/db/client';
import { getDb } from '@/db/client';
import {
  commentForSubscription,
  confirmationsSentTo,
  confirmSubscription,
  countWaitingAfter,
  endSubscription,
  insertSubscription,
  ownerAddress,
  queueMail,
  replyNoticeTarget,
  waitingCommentsAfter,
  withModerationNoticeState,
} from '@/db/mail';
import { config } from '@/lib/core/config';
import { confirmReplies, moderationNotice, replyNotice } from './messages';

/*
 * What causes mail: comments waiting for moderation (the owner, batched), a commenter's wish to
 * hear of replies (double opt-in) and the replies themselves. Each only queues its mail
 * (db/mail.ts); lib/mail/sender.ts sends.
 */

const newToken = () => randomBytes(32).toString('base64url');
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** Comments a notice names; the rest are counted. */
const LISTED = 50;

/**
 * Queues one notice listing the comments that came to wait since the last one, unless a notice
 * went out within NOTIFY_INTERVAL: then they wait for the next. Called by the sender's loop.
 */
export async function queueModerationNotice(now = new Date(), intervalMs = config.NOTIFY_INTERVAL): Promise<boolean> {
  let queued = false;
  await withModerationNoticeState(async (state, tx) => {
    if (now.getTime() - state.at < intervalMs) return null;
    const waiting = await waitingCommentsAfter(state.lastCommentId, LISTED, tx);
    if (waiting.length === 0) return null;
    const to = config.NOTIFY_EMAIL ?? (await ownerAddress(tx));
    // No owner yet and no NOTIFY_EMAIL: the comments stay unlisted until someone can be told.
    if (!to) return null;
    const { count, newest } = await countWaitingAfter(state.lastCommentId, tx);
    await queueMail(moderationNotice(to, waiting, count), tx);
    queued = true;
    // Past the ones it counted too: "and 87 more" has told of them, the next notice is of new ones.
    return { at: now.getTime(), lastCommentId: Math.max(newest, state.lastCommentId) };
  });
  return queued;
}

/** Confirmation mails one address may be sent a day: the comment form must not become a way to flood an inbox. */
const CONFIRMATIONS_PER_DAY = 3;

/**
 * A commenter asked to hear of replies to `commentId`: a subscription waiting for confirmation,
 * and the mail that confirms it. Nothing else is ever sent to the address until it is confirmed.
 */
export async function requestReplyNotices(commentId: number, email: string, now = new Date()): Promise<boolean> {
  return getDb().transaction(async (tx) => {
    const since = new Date(now.getTime() - 86_400_000);
    if ((await confirmationsSentTo(email, since, tx)) >= CONFIRMATIONS_PER_DAY) return false;
    const comment = await commentForSubscription(commentId, tx);
    if (!comment) return false;
    const token = newToken();
    const created = await insertSubscription(
      { commentId, email, confirmTokenHash: hashOf(token), unsubscribeToken: newToken() },
      tx,
    );
    if (created) await queueMail(confirmReplies(email, comment, token), tx);
    return created;
  });
}

export async function confirmReplyNotices(token: string): Promise<boolean> {
  return token.length > 0 && token.length < 100 && confirmSubscription(hashOf(token));
}

export async function stopReplyNotices(token: string): Promise<boolean> {
  return token.length > 0 && token.length < 100 && endSubscription(token);
}

/** In the transaction that published a reply: the mail to the confirmed author of the comment it answers. */
export async function queueReplyNotice(replyId: number, tx: Executor): Promise<void> {
  const target = await replyNoticeTarget(replyId, tx);
  if (target) await queueMail(replyNotice(target), tx);
}
