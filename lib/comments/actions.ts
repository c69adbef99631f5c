'use server';

import { z } from 'zod';
import { config } from '@/lib/core/config';
import { admitComment } from '@/lib/core/flood-control';
import { publicAction } from '@/lib/core/public-action';
import { redactError } from '@/lib/core/redact';
import { MAX_ID } from '@/lib/core/route-params';
import {
  FORM_ELAPSED_FIELD,
  FORM_RENDERED_FIELD,
  HONEYPOT_FIELD,
  publicCommentInput,
  readCommentForm,
  type CommentState,
  type CommentValues,
} from './input';
import { submitComment, type NewCommentInput } from './writers';

const CommentForm = publicCommentInput(config.COMMENT_MAX_LINKS);

const keep = (values: CommentValues) => ({ name: values.name, email: values.email });

/** The comment form's action, bound to its post: `postComment.bind(null, post.id)`. */
export const postComment = publicAction<CommentValues, NewCommentInput, CommentState, [postId: number]>(
  {
    read: readCommentForm,
    notAForm: {
      status: 'failed',
      message: 'That request did not come from the comment form.',
      values: { name: '', email: '', body: '' },
    },
    honeypot: {
      field: HONEYPOT_FIELD,
      // Answered like a held comment so a bot learns nothing; nothing is stored or invalidated.
      decoy: (values) => ({
        status: 'pending-moderation',
        comment: { id: null, authorName: values.name, body: values.body, createdAt: new Date().toISOString() },
        values: keep(values),
      }),
    },
    validate(values, postId) {
      const parsed = CommentForm.safeParse(values);
      if (!parsed.success)
        return { refused: { status: 'invalid', errors: z.flattenError(parsed.error).fieldErrors, values } };
      if (!Number.isSafeInteger(postId) || postId <= 0 || postId > MAX_ID) {
        return { refused: { status: 'failed', message: 'This post does not take comments.', values } };
      }
      return {
        input: { postId, authorName: parsed.data.name, authorEmail: parsed.data.email, body: parsed.data.body },
      };
    },
    minFillSeconds: config.COMMENT_MIN_FILL_SECONDS,
    fillFields: { elapsed: FORM_ELAPSED_FIELD, rendered: FORM_RENDERED_FIELD },
    admit: admitComment,
    refuse: (values, message) => ({ status: 'failed', message, values }),
    messages: {
      tooQuick: 'That was very quick, so it was not posted. Please read your comment over, then post it again.',
      tooMany: (wait) =>
        `You have posted several comments in a short time. Please wait ${wait} and post again; your text is still in the form.`,
    },
  },
  async (input, values) => {
    try {
      const inserted = await submitComment(input, 'server-action', { refuseDuplicate: true });
      if (inserted === 'closed') return { status: 'failed', message: 'This post no longer takes comments.', values };
      if (inserted === 'duplicate') {
        return {
          status: 'invalid',
          errors: { body: ['This post already has this comment: it looks as though you have said that already.'] },
          values,
        };
      }
      if (inserted.status === 'published') return { status: 'published', commentId: inserted.id, values: keep(values) };
      return {
        status: 'pending-moderation',
        comment: {
          id: inserted.id,
          authorName: input.authorName,
          body: input.body,
          createdAt: inserted.createdAt.toISOString(),
        },
        values: keep(values),
      };
    } catch (error) {
      console.error('[comments] saving a comment failed', redactError(error));
      return {
        status: 'failed',
        message:
          "We couldn't save your comment just now. Your text is still in the form: please try again in a minute.",
        values,
      };
    }
  },
);
