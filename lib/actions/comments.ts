'use server';

import { headers } from 'next/headers';
import { z } from 'zod';
import { CLIENT_HEADER } from '@/lib/client-address';
import { submitComment } from '@/lib/comments';
import { config } from '@/lib/config';
import { admitComment, describeWait } from '@/lib/flood-control';
import { MAX_ID } from '@/lib/route-params';
import {
  FORM_ELAPSED_FIELD,
  FORM_RENDERED_FIELD,
  HONEYPOT_FIELD,
  publicCommentInput,
  readCommentForm,
  type CommentState,
} from '@/lib/comment-input';

const CommentForm = publicCommentInput(config.COMMENT_MAX_LINKS);

/** Milliseconds the form was on screen: the browser's own measure, else since the page's render; null if neither came. */
function timeOnForm(form: FormData): number | null {
  const number = (key: string) => {
    const value = form.get(key);
    return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : null;
  };
  const elapsed = number(FORM_ELAPSED_FIELD);
  if (elapsed !== null) return elapsed;
  const rendered = number(FORM_RENDERED_FIELD);
  return rendered === null ? null : Date.now() - rendered;
}

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

  const parsed = CommentForm.safeParse(values);
  if (!parsed.success) return { status: 'invalid', errors: z.flattenError(parsed.error).fieldErrors, values };

  if (!Number.isSafeInteger(postId) || postId <= 0 || postId > MAX_ID) {
    return { status: 'failed', message: 'This post does not take comments.', values };
  }

  const onForm = timeOnForm(form);
  if (config.COMMENT_MIN_FILL_SECONDS > 0 && (onForm === null || onForm < config.COMMENT_MIN_FILL_SECONDS * 1000)) {
    return {
      status: 'failed',
      message: 'That was very quick, so it was not posted. Please read your comment over, then post it again.',
      values,
    };
  }

  // Counted only for comments that would be stored: correcting a refused form costs nothing.
  const admission = await admitComment((await headers()).get(CLIENT_HEADER) ?? 'unknown');
  if (!admission.admitted) {
    return {
      status: 'failed',
      message: `You have posted several comments in a short time. Please wait ${describeWait(admission.retryAfterSeconds)} and post again; your text is still in the form.`,
      values,
    };
  }

  try {
    const inserted = await submitComment(
      { postId, authorName: parsed.data.name, authorEmail: parsed.data.email, body: parsed.data.body },
      'server-action',
      { refuseDuplicate: true },
    );
    if (inserted === 'closed') return { status: 'failed', message: 'This post no longer takes comments.', values };
    if (inserted === 'duplicate') {
      return { status: 'invalid', errors: { body: ['This post already has this comment: it looks as though you have said that already.'] }, values };
    }
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
      message: "We couldn't save your comment just now. Your text is still in the form: please try again in a minute.",
      values,
    };
  }
}
