'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import { moderate, type ModerationState } from '@/lib/comments/moderation-actions';
import type { CommentStatus } from '@/db/schema';
import type { CommentAction, QueueRow } from '@/lib/comments/moderation';

const LABEL: Record<CommentAction, string> = { approve: 'Approve', spam: 'Mark spam', delete: 'Delete' };
const DONE: Record<CommentAction, string> = { approve: 'Approved', spam: 'Marked spam', delete: 'Deleted' };

/**
 * One form for the whole queue: each row's buttons act on that row, the buttons at the foot on
 * the ticked rows. Beside each button, its dry run; after an action, what it really invalidated.
 */
export function ModerationQueue({ rows, status }: { rows: readonly QueueRow[]; status: CommentStatus }) {
  const [state, action, pending] = useActionState<ModerationState, FormData>(moderate, { status: 'idle' });
  return (
    <form action={action}>
      <div role="status" aria-live="polite">
        {state.status === 'done' && (
          <ul aria-label="Done">
            {state.results.map((result) => (
              <li key={result.id}>
                {result.found
                  ? `${DONE[state.action]} comment ${result.id}: `
                  : `Comment ${result.id} was already gone.`}
                {result.found &&
                  (result.invalidated.length > 0
                    ? `invalidated ${result.invalidated.join(', ')}.`
                    : 'nothing was invalidated.')}
              </li>
            ))}
          </ul>
        )}
      </div>
      {(state.status === 'invalid' || state.status === 'failed' || state.status === 'refused') && (
        <p role="alert">{state.message}</p>
      )}
      {rows.length === 0 ? (
        <p>No comments here.</p>
      ) : (
        <ul aria-label="Comments" className="admin-queue">
          {rows.map((row) => (
            <li key={row.id}>
              <label>
                <input type="checkbox" name="id" value={row.id} /> Select comment {row.id}
              </label>{' '}
              <strong>{row.authorName}</strong> on <Link href={`/posts/${row.postSlug}`}>{row.postTitle}</Link>,{' '}
              <time dateTime={row.createdAt}>{row.age}</time> <span>({row.status})</span>{' '}
              <Link href={`/admin/comments?status=${status}&post=${row.postId}`}>only this post</Link>
              <InReplyTo row={row} />
              <blockquote>{row.body}</blockquote>
              {row.plans.map((plan) => (
                <p key={plan.action}>
                  <button
                    type="submit"
                    name="one"
                    value={`${plan.action}:${row.id}`}
                    disabled={pending}
                    aria-describedby={`plan-${row.id}-${plan.action}`}
                  >
                    {LABEL[plan.action]}
                  </button>{' '}
                  <small id={`plan-${row.id}-${plan.action}`}>{plan.summary}</small>
                </p>
              ))}
            </li>
          ))}
        </ul>
      )}
      {rows.length > 0 && (
        <p>
          {(['approve', 'spam', 'delete'] as const).map((bulk) => (
            <button key={bulk} type="submit" name="bulk" value={bulk} disabled={pending}>
              {LABEL[bulk]} ticked
            </button>
          ))}
        </p>
      )}
    </form>
  );
}

/** Whom a reply answers: the comment on its page when published, else where the queue lists it. */
function InReplyTo({ row }: { row: QueueRow }) {
  if (row.parentRemoved) return <p className="queue-reply">A reply to a comment that was deleted.</p>;
  if (!row.parent) return null;
  const { id, authorName, status } = row.parent;
  return (
    <p className="queue-reply">
      A reply to{' '}
      <Link
        href={
          status === 'published'
            ? `/posts/${row.postSlug}#comment-${id}`
            : `/admin/comments?status=${status}&post=${row.postId}`
        }
      >
        comment {id} by {authorName}
      </Link>
      {status !== 'published' && ` (${status})`}.
    </p>
  );
}
