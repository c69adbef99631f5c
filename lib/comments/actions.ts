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
  NO_PARENT,
  NOTIFY_FIELD,
  publicCommentInput,
  readCommentForm,
  readParentField,
  type CommentState,
  type CommentValues,
} from './input';
import { requestReplyNotices } from '@/lib/mail/notices';
import { submitComment, type NewCommentInput } from './writers';

const CommentForm = publicCommentInput(config.COMMENT_MAX_LINKS);

/** What the form sent: the typed fields, for a reply the comment it answers, and whether to hear of replies. */
type Sent = CommentValues & { parent: number | null | 'invalid'; notify: boolean };

const typed = ({ name, email, body }: Sent): CommentValues => ({ name, email, body });
const keep = (values: Sent) => ({ name: values.name, email: values.email });

/**
 * The comment form's action, bound to its post: `postComment.bind(null, post.id)`. A reply's form
 * is the same form with a `parent` field, through the same checks (honeypot, fill time, flood
 * control, duplicates) in the same order.
 */
export const postComment = publicAction<Sent, NewCommentInput, CommentState, [postId: number]>(
  {
    read: (form) => ({
      ...readCommentForm(form),
      parent: readParentField(form),
      notify: form.get(NOTIFY_FIELD) === 'on',
    }),
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
        comment: {
          id: null,
          parentId: typeof values.parent === 'number' ? values.parent : null,
          authorName: values.name,
          body: values.body,
          createdAt: new Date().toISOString(),
        },
        values: keep(values),
      }),
    },
    validate(values, postId) {
      const parsed = CommentForm.safeParse(typed(values));
      if (!parsed.success)
        return {
          refused: { status: 'invalid', errors: z.flattenError(parsed.error).fieldErrors, values: typed(values) },
        };
      if (!Number.isSafeInteger(postId) || postId <= 0 || postId > MAX_ID) {
        return { refused: { status: 'failed', message: 'This post does not take comments.', values: typed(values) } };
      }
      if (values.parent === 'invalid')
        return { refused: { status: 'failed', message: NO_PARENT, values: typed(values) } };
      return {
        input: {
          postId,
          parentId: values.parent,
          authorName: parsed.data.name,
          authorEmail: parsed.data.email,
          body: parsed.data.body,
        },
      };
    },
    minFillSeconds: config.COMMENT_MIN_FILL_SECONDS,
    fillFields: { elapsed: FORM_ELAPSED_FIELD, rendered: FORM_RENDERED_FIELD },
    admit: admitComment,
    refuse: (values, message) => ({ status: 'failed', message, values: typed(values) }),
    messages: {
      tooQuick: 'That was very quick, so it was not posted. Please read your comment over, then post it again.',
      tooMany: (wait) =>
        `You have posted several comments in a short time. Please wait ${wait} and post again; your text is still in the form.`,
    },
  },
  async (input, sent) => {
    const values = typed(sent);
    try {
      const inserted = await submitComment(input, 'server-action', { refuseDuplicate: true });
      if (inserted === 'closed') return { status: 'failed', message: 'This post no longer takes comments.', values };
      if (inserted === 'no-parent') return { status: 'failed', message: NO_PARENT, values };
      if (inserted === 'duplicate') {
        return {
          status: 'invalid',
          errors: { body: ['This post already has this comment: it looks as though you have said that already.'] },
          values,
        };
      }
      // Asked for after the comment is stored, outside its transaction: a failure here loses the
      // wish to hear of replies, never the comment.
      if (sent.notify)
        await requestReplyNotices(inserted.id, input.authorEmail).catch((error: unknown) =>
          console.error('[mail] could not ask to confirm reply notices', redactError(error)),
        );
      if (inserted.status === 'published') return { status: 'published', commentId: inserted.id, values: keep(sent) };
      return {
        status: 'pending-moderation',
        comment: {
          id: inserted.id,
          parentId: inserted.parentId,
          authorName: input.authorName,
          body: input.body,
          createdAt: inserted.createdAt.toISOString(),
        },
        values: keep(sent),
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
