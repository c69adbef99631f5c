import type { NewMail, ReplyNoticeTarget, WaitingComment } from '@/db/mail';
import { config, siteUrl } from '@/lib/core/config';

/*
 * Every mail Freshpress writes, as plain text: what it says, where its links go. Pure, so the tests
 * and /admin/mail read exactly what would be sent.
 */

const title = config.SITE_TITLE;

function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

export const confirmUrl = (token: string) => `${siteUrl}/mail/confirm?token=${token}`;
export const unsubscribeUrl = (token: string) => `${siteUrl}/mail/unsubscribe?token=${token}`;

export function moderationNotice(to: string, waiting: readonly WaitingComment[], total: number): NewMail {
  const lines = waiting.map((c) => `- ${c.authorName} on “${c.postTitle}”: ${excerpt(c.body, 160)}`);
  if (total > waiting.length) lines.push(`- and ${total - waiting.length} more`);
  return {
    kind: 'moderation',
    to,
    subject: `${total} comment${total === 1 ? '' : 's'} waiting for moderation on ${title}`,
    text: [
      `${total === 1 ? 'A comment is' : `${total} comments are`} waiting for you to publish or refuse:`,
      '',
      ...lines,
      '',
      `Moderate them at ${siteUrl}/admin/comments`,
      '',
      `You get this at most once every ${describeInterval(config.NOTIFY_INTERVAL)} (NOTIFY_INTERVAL).`,
    ].join('\n'),
  };
}

function describeInterval(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

export function confirmReplies(to: string, comment: { authorName: string; postTitle: string }, token: string): NewMail {
  return {
    kind: 'confirm-replies',
    to,
    subject: `Confirm: replies to your comment on “${comment.postTitle}”`,
    text: [
      `Hello ${comment.authorName},`,
      '',
      `You asked to be told by e-mail when someone replies to your comment on “${comment.postTitle}” (${title}).`,
      '',
      `Open this link to confirm: ${confirmUrl(token)}`,
      '',
      'If it was not you, ignore this mail: nothing more will be sent to this address about it.',
    ].join('\n'),
  };
}

export function replyNotice(target: ReplyNoticeTarget): NewMail {
  const unsubscribe = unsubscribeUrl(target.unsubscribeToken);
  return {
    kind: 'reply',
    to: target.email,
    subject: `${target.replyAuthor} replied to your comment on “${target.postTitle}”`,
    text: [
      `Hello ${target.parentAuthor},`,
      '',
      `${target.replyAuthor} replied to your comment on “${target.postTitle}”:`,
      '',
      excerpt(target.replyBody, 600),
      '',
      `Read it: ${siteUrl}/posts/${target.postSlug}#comment-${target.replyId}`,
      '',
      `No more mail about replies to this comment: ${unsubscribe}`,
    ].join('\n'),
    // The mail program's own "unsubscribe" opens the same link.
    headers: { 'List-Unsubscribe': `<${unsubscribe}>` },
  };
}

export function invitationMail(to: string, role: string, url: string, inviter: string | null): NewMail {
  return {
    kind: 'invitation',
    to,
    subject: `You are invited to write for ${title}`,
    text: [
      `${inviter ?? 'The owner'} invited you to ${title} as ${role === 'editor' ? 'an editor' : 'an author'}.`,
      '',
      `Create your account here (the link works once, for 7 days): ${url}`,
    ].join('\n'),
  };
}
