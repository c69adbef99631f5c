'use server';

import { z } from 'zod';
import { submitComment } from '@/lib/comments';
import { MAX_ID } from '@/lib/route-params';
import { CommentInput, HONEYPOT_FIELD, readCommentForm, type CommentState } from '@/lib/comment-input';

export async function postComment(postId: number, _previous: CommentState, form: FormData): Promise<CommentState> {
  // An action is a public endpoint: a forged call can send anything in place of the form.
  if (!(form instanceof FormData)) return { status: 'failed', message: 'That request did not come from the comment form.', values: { name: '', email: '', body: '' } };
  const values = readCommentForm(form);
  const keep = { name: values.name, email: values.email };

  const honeypot = form.get(HONEYPOT_FIELD);
  if (typeof honeypot === 'string' && honeypot.trim() !== '') {
    // Answer like a held comment so a bot learns nothing; store nothing, invalidate nothing.
    return {
      status: 'pending-moderation',
      comment: { id: null, authorName: values.name, body: values.body, createdAt: new Date().toISOString() },
      values: keep,
    };
  }

  const parsed = CommentInput.safeParse(values);
  if (!parsed.success) return { status: 'invalid', errors: z.flattenError(parsed.error).fieldErrors, values };

  if (!Number.isSafeInteger(postId) || postId <= 0 || postId > MAX_ID) {
    return { status: 'failed', message: 'This post does not take comments.', values };
  }

  try {
    const inserted = await submitComment(
      { postId, authorName: parsed.data.name, authorEmail: parsed.data.email, body: parsed.data.body },
      'server-action',
    );
    if (!inserted) return { status: 'failed', message: 'This post no longer takes comments.', values };
    if (inserted.status === 'published') return { status: 'published', commentId: inserted.id, values: keep };
    return {
      status: 'pending-moderation',
      comment: { id: inserted.id, authorName: parsed.data.name, body: parsed.data.body, createdAt: inserted.createdAt.toISOString() },
      values: keep,
    };
  } catch (error) {
    console.error('[comments] saving a comment failed', error);
    return {
      status: 'failed',
      message: 'Your comment could not be saved just now. Your text is still in the form: please try again in a minute.',
      values,
    };
  }
}
