'use client';

import {
  Component,
  Fragment,
  useActionState,
  useEffect,
  useId,
  useMemo,
  useRef,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import {
  COMMENT_LIMITS,
  FORM_ELAPSED_FIELD,
  FORM_RENDERED_FIELD,
  HONEYPOT_FIELD,
  NOTIFY_FIELD,
  PARENT_FIELD,
  readCommentForm,
  type CommentField,
  type CommentState,
  type CommentValues,
} from '@/lib/comments/input';
import { CommentBody } from './CommentBody';
import { SubmitButton } from './SubmitButton';

/** `parentId` is absent from what older pages stored. */
type HeldComment = { id: number | null; parentId?: number | null; authorName: string; body: string; createdAt: string };

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

export type CommentFormProps = {
  action: (previous: CommentState, form: FormData) => Promise<CommentState>;
  postId: number;
  publishedIds: readonly number[];
  /** When the page was rendered (server clock): the form-fill time without JavaScript. */
  renderedAt: number;
  /** A reply's form: the comment it answers, sent in the hidden `parent` field. */
  replyTo?: { id: number; authorName: string };
  /**
   * Opened under the comment it answers (JavaScript only): a heading one level down, no list of
   * held comments of its own (the page's form shows them), a Cancel button (or Escape), and
   * `onSent` once the reply is stored.
   */
  inline?: {
    onCancel: () => void;
    onSent: (sent: Extract<CommentState, { status: 'published' | 'pending-moderation' }>) => void;
  };
};

/**
 * With JavaScript, a failed request (no connection, a body the server refuses, a crash) makes the
 * action throw, and React would replace the page with an error. This boundary puts the form back
 * instead, with what was being sent still in it and a message saying it was not saved.
 */
let failures = 0;

class KeepTextOnFailure extends Component<
  { children: (failed: CommentState | null) => ReactNode; lastSent: { current: CommentValues | null } },
  { failure: number }
> {
  state = { failure: 0 };

  static getDerivedStateFromError() {
    failures += 1;
    return { failure: failures };
  }

  render() {
    const failed: CommentState | null = this.state.failure
      ? {
          status: 'failed',
          message:
            "We couldn't save your comment: the server could not be reached or refused the request. Your text is still in the form: please try again in a minute.",
          values: this.props.lastSent.current ?? { name: '', email: '', body: '' },
        }
      : null;
    // A new key mounts a fresh form whose first state is that failure, the text in its fields.
    return <Fragment key={this.state.failure}>{this.props.children(failed)}</Fragment>;
  }
}

export function CommentForm(props: CommentFormProps) {
  const lastSent = useRef<CommentValues | null>(null);
  return (
    <KeepTextOnFailure lastSent={lastSent}>
      {(failed) => <CommentFormFields {...props} initial={failed} lastSent={lastSent} />}
    </KeepTextOnFailure>
  );
}

function CommentFormFields({
  action,
  postId,
  publishedIds,
  renderedAt,
  replyTo,
  inline,
  initial,
  lastSent,
}: CommentFormProps & { initial: CommentState | null; lastSent: { current: CommentValues | null } }) {
  const [state, formAction, pending] = useActionState<CommentState, FormData>(action, initial ?? { status: 'idle' });
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  // An inline form opens where the reader pressed Reply: they type next, so the focus goes there.
  useEffect(() => {
    if (inline) nameRef.current?.focus();
    // Once, when it opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const onSent = inline?.onSent;
  const reported = useRef<CommentState | null>(null);
  useEffect(() => {
    // Each answer once, however often the parent hands a new callback.
    if (!onSent || reported.current === state) return;
    reported.current = state;
    if (state.status === 'published' || state.status === 'pending-moderation') onSent(state);
  }, [state, onSent]);
  // A listener of the form's own runs before React reads the form into FormData for the action.
  // The time on the form counts from the page's load (performance.now), so it needs no clock
  // agreement with the server and cannot start late on a slow device.
  useEffect(() => {
    const form = formRef.current;
    if (!form) return;
    const onSubmit = () => {
      const elapsed = form.elements.namedItem(FORM_ELAPSED_FIELD);
      if (elapsed instanceof HTMLInputElement) elapsed.value = String(Math.round(performance.now()));
      lastSent.current = readCommentForm(new FormData(form));
    };
    form.addEventListener('submit', onSubmit);
    return () => form.removeEventListener('submit', onSubmit);
  }, [lastSent]);
  const latestHeld = state.status === 'pending-moderation' ? state.comment : null;
  const held = useHeldComments(postId, publishedIds, latestHeld);
  // Before hydration (and with JavaScript off) the server's own response carries the held comment.
  const shownHeld = inline ? [] : held.length > 0 ? held : latestHeld ? [latestHeld] : [];
  const Heading = inline ? 'h3' : 'h2';
  const noun = replyTo ? 'reply' : 'comment';

  const values = 'values' in state ? state.values : undefined;
  const errors = state.status === 'invalid' ? state.errors : {};
  const fieldProps = (field: CommentField) => {
    const fieldErrors = errors[field];
    return {
      id: `${id}-${field}`,
      name: field,
      'aria-invalid': fieldErrors ? true : undefined,
      'aria-describedby':
        [fieldErrors ? `${id}-${field}-error` : '', field === 'email' ? `${id}-email-hint` : '']
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
    <section
      className={inline ? 'comment-form inline' : 'comment-form'}
      aria-labelledby={`${id}-heading`}
      onKeyDown={
        inline &&
        ((event) => {
          if (event.key === 'Escape') inline.onCancel();
        })
      }
    >
      {shownHeld.length > 0 && (
        <ol className="comment-list held" aria-label="Your comments awaiting moderation">
          {shownHeld.map((comment) => (
            <li key={`${comment.createdAt}-${comment.id ?? 'x'}`} data-testid="held-comment">
              <article>
                <header>
                  <strong className="comment-author">{comment.authorName}</strong>
                  {typeof comment.parentId === 'number' && (
                    <span className="in-reply-to">
                      in reply to <a href={`#comment-${comment.parentId}`}>an earlier comment</a>
                    </span>
                  )}
                  <span className="held-badge">Awaiting moderation — only you can see this</span>
                </header>
                <CommentBody body={comment.body} />
              </article>
            </li>
          ))}
        </ol>
      )}
      <Heading id={`${id}-heading`}>
        {!replyTo ? 'Leave a comment' : inline ? `Reply to ${replyTo.authorName}` : 'Your reply'}
      </Heading>
      <form action={formAction} noValidate ref={formRef}>
        {replyTo && <input type="hidden" name={PARENT_FIELD} value={replyTo.id} />}
        <input type="hidden" name={FORM_RENDERED_FIELD} value={renderedAt} />
        <input type="hidden" name={FORM_ELAPSED_FIELD} defaultValue="" />
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            {...fieldProps('name')}
            ref={nameRef}
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
          <label htmlFor={`${id}-body`}>{replyTo ? 'Reply' : 'Comment'}</label>
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
        <div className="field checkbox">
          <input id={`${id}-${NOTIFY_FIELD}`} name={NOTIFY_FIELD} type="checkbox" value="on" />
          <label htmlFor={`${id}-${NOTIFY_FIELD}`}>
            E-mail me when someone replies (we send a link to confirm first)
          </label>
        </div>
        <div role="status" aria-live="polite" className="form-status">
          {state.status === 'published' && (
            <p className="success">
              {/* One text node: React marks the seams of adjacent texts, and clients read the answer from this sentence. */}
              {`Thank you — your ${noun} is published. `}
              <a href={`#comment-${state.commentId}`}>See it</a>.
            </p>
          )}
          {state.status === 'pending-moderation' && (
            <p className="success">{`Thank you — your ${noun} will appear once a moderator has approved it.`}</p>
          )}
          {state.status === 'invalid' && <p className="error">Please correct the marked fields.</p>}
          {state.status === 'failed' && <p className="error">{state.message}</p>}
        </div>
        <div className="form-actions">
          <SubmitButton pending={pending} label={replyTo ? 'Post reply' : 'Post comment'} busy="Posting…" />
          {inline && (
            <button type="button" className="secondary" onClick={inline.onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
