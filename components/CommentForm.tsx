'use client';

import { useActionState, useEffect, useId, useMemo, useSyncExternalStore } from 'react';
import { COMMENT_LIMITS, HONEYPOT_FIELD, type CommentField, type CommentState } from '@/lib/comment-input';
import { CommentBody } from './CommentBody';

type HeldComment = { id: number | null; authorName: string; body: string; createdAt: string };

const HELD_FOR_MS = 30 * 24 * 3600 * 1000;
const HELD_CHANGED = 'freshpress:held-comments-changed';
const storageKey = (postId: number) => `freshpress:held-comments:${postId}`;

function readHeld(postId: number): HeldComment[] {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(storageKey(postId)) ?? '[]');
    return Array.isArray(parsed) ? (parsed as HeldComment[]) : [];
  } catch {
    return [];
  }
}

function subscribeToHeld(onChange: () => void) {
  window.addEventListener('storage', onChange);
  window.addEventListener(HELD_CHANGED, onChange);
  return () => {
    window.removeEventListener('storage', onChange);
    window.removeEventListener(HELD_CHANGED, onChange);
  };
}

/**
 * Comments held for moderation are kept in this browser only: the post page is cached and shared
 * by every visitor, so it must not show them, yet their author should still see what they wrote.
 */
function useHeldComments(postId: number, publishedIds: readonly number[], latest: HeldComment | null) {
  const raw = useSyncExternalStore(
    subscribeToHeld,
    () => window.localStorage.getItem(storageKey(postId)) ?? '[]',
    () => '[]',
  );
  useEffect(() => {
    const now = Date.now();
    const stored = readHeld(postId);
    if (latest && !stored.some((c) => c.createdAt === latest.createdAt && c.body === latest.body)) stored.push(latest);
    // Once a moderator publishes a held comment it is on the shared page; the local copy can go.
    const stillHeld = stored.filter(
      (c) => (c.id === null || !publishedIds.includes(c.id)) && now - Date.parse(c.createdAt) < HELD_FOR_MS,
    );
    try {
      window.localStorage.setItem(storageKey(postId), JSON.stringify(stillHeld));
      window.dispatchEvent(new Event(HELD_CHANGED));
    } catch {
      // Private windows may refuse storage; the comment still shows for this visit.
    }
  }, [postId, publishedIds, latest]);
  return useMemo(() => {
    try {
      const parsed: unknown = JSON.parse(raw);
      return Array.isArray(parsed) ? (parsed as HeldComment[]) : [];
    } catch {
      return [];
    }
  }, [raw]);
}

export function CommentForm({
  action,
  postId,
  publishedIds,
}: {
  action: (previous: CommentState, form: FormData) => Promise<CommentState>;
  postId: number;
  publishedIds: readonly number[];
}) {
  const [state, formAction, pending] = useActionState(action, { status: 'idle' });
  const id = useId();
  const latestHeld = state.status === 'pending-moderation' ? state.comment : null;
  const held = useHeldComments(postId, publishedIds, latestHeld);
  // Before hydration (and with JavaScript off) the server's own response carries the held comment.
  const shownHeld = held.length > 0 ? held : latestHeld ? [latestHeld] : [];

  const values = 'values' in state ? state.values : undefined;
  const errors = state.status === 'invalid' ? state.errors : {};
  const fieldProps = (field: CommentField) => {
    const fieldErrors = errors[field];
    return {
      id: `${id}-${field}`,
      name: field,
      'aria-invalid': fieldErrors ? true : undefined,
      'aria-describedby': [fieldErrors ? `${id}-${field}-error` : '', field === 'email' ? `${id}-email-hint` : '']
        .filter(Boolean)
        .join(' ') || undefined,
    };
  };
  const fieldError = (field: CommentField) =>
    errors[field] ? (
      <p className="field-error" id={`${id}-${field}-error`}>
        {errors[field].join(' ')}
      </p>
    ) : null;

  return (
    <section className="comment-form" aria-labelledby={`${id}-heading`}>
      {shownHeld.length > 0 && (
        <ol className="comment-list held" aria-label="Your comments awaiting moderation">
          {shownHeld.map((comment) => (
            <li key={`${comment.createdAt}-${comment.id ?? 'x'}`} data-testid="held-comment">
              <article>
                <header>
                  <strong className="comment-author">{comment.authorName}</strong>
                  <span className="held-badge">Awaiting moderation — only you can see this</span>
                </header>
                <CommentBody body={comment.body} />
              </article>
            </li>
          ))}
        </ol>
      )}
      <h2 id={`${id}-heading`}>Leave a comment</h2>
      <form action={formAction} noValidate>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            {...fieldProps('name')}
            type="text"
            autoComplete="name"
            required
            maxLength={COMMENT_LIMITS.name}
            defaultValue={values?.name ?? ''}
          />
          {fieldError('name')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-email`}>E-mail</label>
          <input
            {...fieldProps('email')}
            type="email"
            autoComplete="email"
            required
            maxLength={COMMENT_LIMITS.email}
            defaultValue={values?.email ?? ''}
          />
          <p className="hint" id={`${id}-email-hint`}>
            Never published. Used only if we need to reach you about your comment.
          </p>
          {fieldError('email')}
        </div>
        <div className="field honeypot" aria-hidden="true">
          <label htmlFor={`${id}-${HONEYPOT_FIELD}`}>Leave this field empty</label>
          <input id={`${id}-${HONEYPOT_FIELD}`} name={HONEYPOT_FIELD} type="text" tabIndex={-1} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-body`}>Comment</label>
          <textarea
            {...fieldProps('body')}
            rows={6}
            required
            maxLength={COMMENT_LIMITS.body}
            defaultValue={state.status === 'invalid' || state.status === 'failed' ? state.values.body : ''}
          />
          <p className="hint">Plain text. Blank lines start a new paragraph; web addresses become links.</p>
          {fieldError('body')}
        </div>
        <div role="status" aria-live="polite" className="form-status">
          {state.status === 'published' && (
            <p className="success">
              Thank you — your comment is published. <a href={`#comment-${state.commentId}`}>See it</a>.
            </p>
          )}
          {state.status === 'pending-moderation' && (
            <p className="success">Thank you — your comment will appear once a moderator has approved it.</p>
          )}
          {state.status === 'invalid' && <p className="error">Please correct the marked fields.</p>}
          {state.status === 'failed' && <p className="error">{state.message}</p>}
        </div>
        <button type="submit" disabled={pending}>
          {pending ? 'Posting…' : 'Post comment'}
        </button>
      </form>
    </section>
  );
}
