'use client';

import { useActionState, useId, useState } from 'react';
import {
  DRY_RUN,
  IMAGE_FIELD,
  INTENT,
  UPLOAD,
  type DropUploadState,
  type EditorField,
  type EditorState,
  type EditorValues,
} from '@/lib/posts/editor-form';
import { SubmitButton } from '@/components/SubmitButton';

type Props = {
  action: (previous: EditorState, form: FormData) => Promise<EditorState>;
  /** Stores an image dropped on the body and answers its Markdown. */
  uploadDropped: (form: FormData) => Promise<DropUploadState>;
  /** The largest image the server accepts (MEDIA_MAX_MB): a larger one is refused here, before it is sent. */
  maxImageBytes: number;
  initial: EditorValues;
  submitLabel: string;
  /** Offer the dry run: only a stored post has a save whose effect can be planned. */
  dryRun?: boolean;
};

const ACCEPTED_IMAGES = 'image/jpeg,image/png,image/webp,image/gif,image/avif';
const MB = 1024 * 1024;

/** The image's Markdown in a paragraph of its own, at the body's cursor. */
function insertAtCursor(textarea: HTMLTextAreaElement, markdown: string): void {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const before = value.slice(0, start);
  const after = value.slice(end);
  const lead = before === '' || before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
  const trail = after === '' ? '\n' : after.startsWith('\n\n') ? '' : after.startsWith('\n') ? '\n' : '\n\n';
  textarea.setRangeText(`${lead}${markdown}${trail}`, start, end, 'end');
  textarea.focus();
}

export function PostEditor({ action, uploadDropped, maxImageBytes, initial, submitLabel, dryRun = false }: Props) {
  const [state, formAction, pending] = useActionState<EditorState, FormData>(action, { status: 'idle' });
  const id = useId();
  // What the user typed survives a refusal: the form is reset to these after each answer.
  const values = 'values' in state ? state.values : initial;
  const errors = state.status === 'invalid' ? state.errors : {};
  // Checks and drops made in the browser answer here, without a round trip through the form's state.
  const [imageNote, setImageNote] = useState<{
    state: EditorState;
    kind: 'error' | 'busy' | 'done';
    text: string;
  } | null>(null);
  // A note belongs to the answer it was made after: the form's next answer replaces it.
  const note = imageNote?.state === state ? imageNote : null;
  const imageError = note?.kind === 'error' ? note.text : errors[IMAGE_FIELD]?.join(' ');
  const tooLarge = (file: File) =>
    file.size > maxImageBytes
      ? `The file is ${(file.size / MB).toFixed(1)} MB; the largest image accepted is ${maxImageBytes / MB} MB. Make it smaller and upload it again.`
      : null;

  const checkChosenImage = (event: React.MouseEvent<HTMLButtonElement>) => {
    const file = event.currentTarget.form?.querySelector<HTMLInputElement>(`input[name="${IMAGE_FIELD}"]`)?.files?.[0];
    const refusal = file ? tooLarge(file) : null;
    if (!refusal) return;
    event.preventDefault();
    setImageNote({ state, kind: 'error', text: refusal });
  };

  const dropImage = async (event: React.DragEvent<HTMLTextAreaElement>) => {
    const file = event.dataTransfer.files[0];
    // Dropped text is the browser's to insert, as always.
    if (!file) return;
    event.preventDefault();
    const textarea = event.currentTarget;
    const refusal = tooLarge(file);
    if (refusal) {
      setImageNote({ state, kind: 'error', text: refusal });
      return;
    }
    setImageNote({ state, kind: 'busy', text: `Uploading ${file.name}…` });
    const form = new FormData();
    form.set(IMAGE_FIELD, file);
    let answer: DropUploadState;
    try {
      answer = await uploadDropped(form);
    } catch {
      answer = { status: 'refused', message: 'The image could not be sent. Check the connection and drop it again.' };
    }
    if (answer.status === 'refused') {
      setImageNote({ state, kind: 'error', text: answer.message });
      return;
    }
    insertAtCursor(textarea, answer.markdown);
    setImageNote({
      state,
      kind: 'done',
      text: `${file.name} was added to the body. Save the post to publish it with the post.`,
    });
  };

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
      {field(
        'body',
        'Body (Markdown)',
        (props) => (
          <textarea
            rows={16}
            required
            {...props}
            onDragOver={(event) => {
              if (event.dataTransfer.types.includes('Files')) event.preventDefault();
            }}
            onDrop={(event) => void dropImage(event)}
          />
        ),
        'Drop an image here to upload it and insert it at the cursor.',
      )}
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
        {state.status === 'uploaded' && !note && <p className="success">{state.message}</p>}
        {note && note.kind !== 'error' && <p className={note.kind === 'done' ? 'success' : undefined}>{note.text}</p>}
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
      {/* After the save buttons: Enter in a field must save, not upload. */}
      <div className="field">
        <label htmlFor={`${id}-${IMAGE_FIELD}`}>Image</label>
        <input
          type="file"
          id={`${id}-${IMAGE_FIELD}`}
          name={IMAGE_FIELD}
          accept={ACCEPTED_IMAGES}
          aria-describedby={[`${id}-image-hint`, imageError && `${id}-image-error`].filter(Boolean).join(' ')}
          {...(imageError && { 'aria-invalid': true })}
        />
        <p id={`${id}-image-hint`} className="hint">
          JPEG, PNG, WebP, GIF or AVIF, up to {maxImageBytes / MB} MB. Uploading adds it at the end of the body and
          saves nothing else.
        </p>
        {imageError && (
          <p id={`${id}-image-error`} className="field-error" aria-live="polite">
            {imageError}
          </p>
        )}
        {/* No validation: an image can be added before the post has a title. */}
        <button type="submit" name={INTENT} value={UPLOAD} formNoValidate disabled={pending} onClick={checkChosenImage}>
          Upload image
        </button>
      </div>
    </form>
  );
}
