import { z } from 'zod';
import { countLinks } from './text';
import { MAX_ID, parseId } from '@/lib/core/route-params';

/** Limits shared by the form (maxLength attributes) and the server (which never trusts the form). */
export const COMMENT_LIMITS = { name: 80, email: 254, body: 5000 } as const;

// Invisible characters that only disguise text: C0 controls but tab and line breaks, DEL, and the
// bidirectional marks and overrides that make a name read backwards.
const DISGUISING = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Text a visitor typed: a NUL is refused (PostgreSQL cannot store it), other disguises removed. */
const typedText = (what: string) =>
  z
    .string()
    .refine(
      (value) => !value.includes('\u0000'),
      `${what} contains a NUL character, which cannot be stored: please remove it.`,
    )
    .transform((value) => value.replace(DISGUISING, '').trim());

export const CommentInput = z.object({
  name: typedText('The name').pipe(
    z
      .string()
      .min(1, 'Please give a name (any name you like).')
      .max(COMMENT_LIMITS.name, `A name can have at most ${COMMENT_LIMITS.name} characters.`),
  ),
  email: typedText('The e-mail address').pipe(
    z
      .string()
      .max(COMMENT_LIMITS.email, `An e-mail address can have at most ${COMMENT_LIMITS.email} characters.`)
      .pipe(z.email('That e-mail address looks wrong.')),
  ),
  body: typedText('The comment').pipe(
    z
      .string()
      .min(2, 'Please write a comment.')
      .max(COMMENT_LIMITS.body, `A comment can have at most ${COMMENT_LIMITS.body} characters.`),
  ),
});

/** The public form's rules on top: a few links at most, the usual payload of comment spam. */
export function publicCommentInput(maxLinks: number) {
  return CommentInput.extend({
    body: CommentInput.shape.body.refine(
      (body) => countLinks(body) <= maxLinks,
      maxLinks === 0
        ? 'Comments cannot contain web addresses.'
        : `A comment can contain at most ${maxLinks} web address${maxLinks === 1 ? '' : 'es'}.`,
    ),
  });
}

/** The form's answer to a reply whose comment cannot be answered; the API's is NO_PARENT_API. */
export const NO_PARENT =
  'That comment cannot be answered: it is not published on this post (it may have been removed). Your reply is still in the form.';
export const NO_PARENT_API = 'parentId names no published comment of this post.';

/** The admin API's new comment: imports (and the benchmark's comment storm) use the form's rules. */
export const AdminCommentInput = z
  .object({
    postId: z.number().int().positive().max(MAX_ID, 'No published post has that id.'),
    /** A reply: the published comment of the same post that it answers. */
    parentId: z.number().int().positive().max(MAX_ID, NO_PARENT_API).nullish(),
    authorName: CommentInput.shape.name,
    authorEmail: CommentInput.shape.email,
    body: CommentInput.shape.body,
  })
  .strict();

export const ModerationInput = z.object({ status: z.enum(['pending', 'published', 'spam']) }).strict();

export type CommentField = keyof z.infer<typeof CommentInput>;
export type CommentValues = Record<CommentField, string>;

/** The box a commenter ticks to be told by e-mail of replies (lib/mail/notices.ts, double opt-in). */
export const NOTIFY_FIELD = 'notify';

/** The honeypot: hidden from people, filled in by form-spamming bots. */
export const HONEYPOT_FIELD = 'website';

/**
 * How long the form was on screen before it was sent: the browser measures it when JavaScript
 * runs (ELAPSED, milliseconds); without JavaScript the server compares with the time the page was
 * rendered (RENDERED, which a cached page carries from its render, so it only ever overstates).
 */
export const FORM_ELAPSED_FIELD = 'form-elapsed';
export const FORM_RENDERED_FIELD = 'form-rendered';

export type CommentState =
  | { status: 'idle' }
  | { status: 'invalid'; errors: Partial<Record<CommentField, string[]>>; values: CommentValues }
  | {
      status: 'pending-moderation';
      /** Shown to the poster alone (their own response, then their browser's storage). */
      comment: { id: number | null; parentId: number | null; authorName: string; body: string; createdAt: string };
      values: Pick<CommentValues, 'name' | 'email'>;
    }
  | { status: 'published'; commentId: number; values: Pick<CommentValues, 'name' | 'email'> }
  | { status: 'failed'; message: string; values: CommentValues };

/** The hidden field of a reply's form: the id of the comment it answers. */
export const PARENT_FIELD = 'parent';

/**
 * The parent field as sent: absent or empty is a comment of its own (null); a plain id is a
 * reply; anything else no form of this site sends ('invalid').
 */
export function readParentField(form: FormData): number | null | 'invalid' {
  const value = form.get(PARENT_FIELD);
  if (value === null || value === '') return null;
  return typeof value === 'string' ? (parseId(value) ?? 'invalid') : 'invalid';
}

export function readCommentForm(form: FormData): CommentValues {
  const text = (key: string) => {
    const value = form.get(key);
    return typeof value === 'string' ? value : '';
  };
  return { name: text('name'), email: text('email'), body: text('body') };
}
