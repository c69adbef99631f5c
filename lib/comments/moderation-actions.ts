'use server';

import { refresh } from 'next/cache';
import { z } from 'zod';
import { adminActionWho, type Refused } from '@/lib/admin/auth';
import { mayModerate } from '@/lib/accounts/roles';
import { redactError } from '@/lib/core/redact';
import { COMMENT_ACTIONS, OUTCOME_OF, type CommentAction } from './moderation';
import { moderateComment, removeComment } from '@/lib/comments/writers';

/*
 * The moderation queue's one action, for one comment (a row's own button, `one=<action>:<id>`) or
 * for the ticked ones (`bulk=<action>` with `id` checkboxes): one form, so it works without
 * JavaScript. Each comment goes through the same writers as the bearer-token API.
 */

const Id = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);
const One = z.string().regex(new RegExp(`^(${COMMENT_ACTIONS.join('|')}):\\d{1,10}$`));
const Bulk = z.object({
  action: z.enum(COMMENT_ACTIONS),
  ids: z.array(Id).min(1, 'Tick at least one comment.').max(200),
});

export interface ModerationDone {
  id: number;
  /** False when the comment was gone already (another moderator, another tab). */
  found: boolean;
  invalidated: string[];
}

export type ModerationState =
  | { status: 'idle' }
  | { status: 'invalid'; message: string }
  | { status: 'done'; action: CommentAction; results: ModerationDone[] }
  | { status: 'failed'; message: string }
  | Refused;

function parse(form: FormData): z.infer<typeof Bulk> | string {
  const one = One.safeParse(form.get('one'));
  if (one.success) {
    const [action, id] = one.data.split(':') as [CommentAction, string];
    const parsed = Id.safeParse(id);
    return parsed.success ? { action, ids: [parsed.data] } : 'That comment does not exist.';
  }
  const bulk = Bulk.safeParse({ action: form.get('bulk'), ids: form.getAll('id') });
  return bulk.success
    ? { ...bulk.data, ids: [...new Set(bulk.data.ids)] }
    : (bulk.error.issues[0]?.message ?? 'Choose an action.');
}

export const moderate = adminActionWho(
  mayModerate,
  async (_session, _previous: ModerationState, form: FormData): Promise<ModerationState> => {
    const input = form instanceof FormData ? parse(form) : 'Choose an action.';
    if (typeof input === 'string') return { status: 'invalid', message: input };
    const results: ModerationDone[] = [];
    try {
      for (const id of input.ids) {
        const outcome = OUTCOME_OF[input.action];
        const result =
          outcome === 'removed'
            ? await removeComment(id, 'server-action')
            : await moderateComment(id, outcome, 'server-action');
        results.push({ id, found: result !== null, invalidated: result?.invalidated ?? [] });
      }
    } catch (error) {
      console.error('[admin] moderation failed', redactError(error));
      return {
        status: 'failed',
        message: `The database did not answer; ${results.length} of ${input.ids.length} were done. Reload the queue and try again.`,
      };
    } finally {
      // Spam and pending comments are on no cached page, so no tag update refreshes the queue and
      // its pending count: ask for it.
      refresh();
    }
    return { status: 'done', action: input.action, results };
  },
);
