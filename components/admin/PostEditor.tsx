'use client';

import { useActionState, useId } from 'react';
import { DRY_RUN, INTENT, type EditorField, type EditorState, type EditorValues } from '@/lib/posts/editor-form';
import { SubmitButton } from '@/components/SubmitButton';

type Props = {
  action: (previous: EditorState, form: FormData) => Promise<EditorState>;
  initial: EditorValues;
  submitLabel: string;
  /** Offer the dry run: only a stored post has a save whose effect can be planned. */
  dryRun?: boolean;
};

export function PostEditor({ action, initial, submitLabel, dryRun = false }: Props) {
  const [state, formAction, pending] = useActionState<EditorState, FormData>(action, { status: 'idle' });
  const id = useId();
  // What the user typed survives a refusal: the form is reset to these after each answer.
  const values = 'values' in state ? state.values : initial;
  const errors = state.status === 'invalid' ? state.errors : {};

  const field = (
    name: EditorField,
    label: string,
    input: (props: {
      id: string;
      name: string;
      defaultValue: string;
      'aria-invalid'?: true;
      'aria-describedby'?: string;
    }) => React.ReactNode,
    hint?: string,
  ) => {
    const messages = errors[name];
    const errorId = `${id}-${name}-error`;
    const hintId = `${id}-${name}-hint`;
    const describedBy = [messages && errorId, hint && hintId].filter(Boolean).join(' ') || undefined;
    return (
      <div className="field">
        <label htmlFor={`${id}-${name}`}>{label}</label>
        {input({
          id: `${id}-${name}`,
          name,
          defaultValue: values[name],
          ...(messages && { 'aria-invalid': true }),
          ...(describedBy && { 'aria-describedby': describedBy }),
        })}
        {hint && (
          <p id={hintId} className="hint">
            {hint}
          </p>
        )}
        {messages && (
          <p id={errorId} className="field-error" aria-live="polite">
            {messages.join(' ')}
          </p>
        )}
      </div>
    );
  };

  return (
    <form action={formAction} className="comment-form">
      {field('title', 'Title', (props) => (
        <input type="text" required {...props} />
      ))}
      {field(
        'slug',
        'Slug',
        (props) => (
          <input type="text" required {...props} />
        ),
        'The address: /posts/<slug>.',
      )}
      {field('body', 'Body (Markdown)', (props) => (
        <textarea rows={16} required {...props} />
      ))}
      {field(
        'tags',
        'Tags',
        (props) => (
          <input type="text" {...props} />
        ),
        'Separated by commas.',
      )}
      {field('status', 'Status', (props) => (
        <select {...props}>
          <option value="draft">Draft</option>
          <option value="published">Published</option>
        </select>
      ))}
      {field(
        'publishedAt',
        'Publication time (UTC)',
        (props) => (
          <input type="datetime-local" step={1} {...props} />
        ),
        'Empty: now, when published. A future time schedules the post.',
      )}
      <div className="form-status" role="status" aria-live="polite">
        {(state.status === 'failed' || state.status === 'refused') && <p className="error">{state.message}</p>}
        {state.status === 'planned' && (
          <p>
            {state.summary} Not saved yet{state.tags.length > 0 && <>; it would invalidate {state.tags.join(', ')}</>}.
          </p>
        )}
      </div>
      {/* First in the form, so Enter in a field saves. */}
      <SubmitButton pending={pending} label={submitLabel} busy="Saving…" />
      {dryRun && (
        <button type="submit" name={INTENT} value={DRY_RUN} disabled={pending}>
          Preview the effect
        </button>
      )}
    </form>
  );
}
