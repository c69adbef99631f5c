import { z } from 'zod';

/** Limits shared by the form (maxLength attributes) and the server (which never trusts the form). */
export const COMMENT_LIMITS = { name: 80, email: 254, body: 5000 } as const;

export const CommentInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Please give a name (any name you like).')
    .max(COMMENT_LIMITS.name, `A name can have at most ${COMMENT_LIMITS.name} characters.`),
  email: z
    .string()
    .trim()
    .max(COMMENT_LIMITS.email, `An e-mail address can have at most ${COMMENT_LIMITS.email} characters.`)
    .pipe(z.email('That e-mail address looks wrong.')),
  body: z
    .string()
    .trim()
    .min(2, 'Please write a comment.')
    .max(COMMENT_LIMITS.body, `A comment can have at most ${COMMENT_LIMITS.body} characters.`),
});

export type CommentField = keyof z.infer<typeof CommentInput>;
export type CommentValues = Record<CommentField, string>;

/** The honeypot: hidden from people, filled in by form-spamming bots. */
export const HONEYPOT_FIELD = 'website';

export type CommentState =
  | { status: 'idle' }
  | { status: 'invalid'; errors: Partial<Record<CommentField, string[]>>; values: CommentValues }
  | {
      status: 'pending-moderation';
      /** Shown to the poster alone (their own response, then their browser's storage). */
      comment: { id: number | null; authorName: string; body: string; createdAt: string };
      values: Pick<CommentValues, 'name' | 'email'>;
    }
  | { status: 'published'; commentId: number; values: Pick<CommentValues, 'name' | 'email'> }
  | { status: 'failed'; message: string; values: CommentValues };

export function readCommentForm(form: FormData): CommentValues {
  const text = (key: string) => {
    const value = form.get(key);
    return typeof value === 'string' ? value : '';
  };
  return { name: text('name'), email: text('email'), body: text('body') };
}
