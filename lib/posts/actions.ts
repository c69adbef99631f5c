'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { postAuthor } from '@/db/accounts';
import { adminActionWho, reviewRequired, type AdminSession } from '@/lib/admin/auth';
import { postRefusal, publishRefusal } from '@/lib/accounts/roles';
import { databaseCode } from '@/db/errors';
import { redactError } from '@/lib/core/redact';
import { changePost, createPost, NewPostInput, PostChangeInput } from '@/lib/posts/writers';
import { dryRunPostSave } from './dry-run';
import { uploadFailed, uploadImage, type UploadOutcome } from '@/lib/media/upload';
import {
  DRY_RUN,
  EDITOR_FIELDS,
  IMAGE_FIELD,
  INTENT,
  UPLOAD,
  withImage,
  type DropUploadState,
  type EditorField,
  type EditorState,
  type EditorValues,
} from '@/lib/posts/editor-form';

function readValues(form: FormData): EditorValues {
  const text = (name: EditorField) => {
    const value = form.get(name);
    return typeof value === 'string' ? value : '';
  };
  return Object.fromEntries(EDITOR_FIELDS.map((name) => [name, text(name)])) as EditorValues;
}

/**
 * The form's text as the API's input: the same schema, so the same rules and messages. An empty
 * publication time is left out, so publishing takes the current time as the API does; the field
 * is UTC, which datetime-local cannot say by itself.
 */
function asInput(values: EditorValues): Record<string, unknown> {
  return {
    title: values.title,
    slug: values.slug,
    body: values.body,
    status: values.status,
    tags: values.tags
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
    ...(values.publishedAt.trim() !== '' && { publishedAt: `${values.publishedAt.trim()}Z` }),
  };
}

function failed(values: EditorValues, error: unknown): EditorState {
  const code = databaseCode(error);
  if (code === '23505')
    return { status: 'invalid', values, errors: { slug: ['Another post already uses that slug.'] } };
  console.error('[admin] saving a post failed', redactError(error));
  return {
    status: 'failed',
    values,
    message: 'The post could not be saved; nothing was changed. Please try again in a minute.',
  };
}

type Outcome = { id: number; invalidated: string[] } | { errors: Partial<Record<string, string[]>> } | null;

async function write(
  session: AdminSession,
  review: boolean,
  id: number | null,
  input: Record<string, unknown>,
): Promise<Outcome> {
  if (id === null) {
    const parsed = NewPostInput.safeParse(input);
    if (!parsed.success) return { errors: z.flattenError(parsed.error).fieldErrors };
    const refused = publishRefusal(session, parsed.data.status, review);
    if (refused) return { errors: { status: [refused] } };
    const { post, invalidated } = await createPost(parsed.data, 'server-action', session.accountId);
    return { id: post.id, invalidated };
  }
  const parsed = PostChangeInput.safeParse(input);
  if (!parsed.success) return { errors: z.flattenError(parsed.error).fieldErrors };
  const refused = publishRefusal(session, parsed.data.status, review);
  if (refused) return { errors: { status: [refused] } };
  const result = await changePost(id, parsed.data, 'server-action');
  return result && { id: result.post.id, invalidated: result.invalidated };
}

/** The dry run: what saving would invalidate and which cached pages carry it, with nothing saved. */
async function plan(id: number, values: EditorValues): Promise<EditorState> {
  const parsed = PostChangeInput.safeParse(asInput(values));
  if (!parsed.success) return { status: 'invalid', values, errors: z.flattenError(parsed.error).fieldErrors };
  const planned = await dryRunPostSave(id, parsed.data);
  if (!planned) return { status: 'failed', values, message: 'This post no longer exists.' };
  return { status: 'planned', values, summary: planned.summary, tags: planned.tags };
}

/** The image the form carries, stored; a browser sends an empty file part when none was chosen. */
async function storeImage(form: FormData, uploadedBy: number | null): Promise<UploadOutcome> {
  const file = form.get(IMAGE_FIELD);
  if (!(file instanceof File) || (file.size === 0 && file.name === ''))
    return { ok: false, status: 422, error: 'Choose an image to upload first.' };
  try {
    return await uploadImage(file, { uploadedBy });
  } catch (error) {
    return uploadFailed(error);
  }
}

/**
 * "Upload image" without JavaScript (or with it, from the button): the image is stored and its
 * Markdown added at the end of the body; the post itself is not saved, and everything typed is
 * sent back as it was, so no unsaved text is lost on the way.
 */
async function addImage(values: EditorValues, form: FormData, uploadedBy: number | null): Promise<EditorState> {
  const outcome = await storeImage(form, uploadedBy);
  if (!outcome.ok) return { status: 'invalid', values, errors: { [IMAGE_FIELD]: [outcome.error] } };
  return {
    status: 'uploaded',
    values: { ...values, body: withImage(values.body, outcome.image.markdown) },
    message: `The image (${outcome.image.width} × ${outcome.image.height}) was added at the end of the body. Save the post to publish it with the post.`,
  };
}

/** An image dropped on the body (JavaScript): stored, its Markdown sent back to insert where it fell. */
export const uploadDroppedImage = adminActionWho(
  () => true,
  async (session, form: FormData): Promise<DropUploadState> => {
    const outcome = await storeImage(form, session.accountId);
    return outcome.ok
      ? { status: 'uploaded', markdown: outcome.image.markdown }
      : { status: 'refused', message: outcome.error };
  },
);

export const savePost = adminActionWho(
  () => true,
  async (session, id: number | null, _previous: EditorState, form: FormData): Promise<EditorState> => {
    const values = readValues(form);
    // Checked on every call, not only by the page: the page may be minutes old, the post published since.
    const review = await reviewRequired();
    const owned = id === null ? null : await postAuthor(id);
    const notYours = owned && postRefusal(session, owned, review);
    if (notYours) return { status: 'refused', message: notYours };
    if (form.get(INTENT) === UPLOAD) return addImage(values, form, session.accountId);
    if (id !== null && form.get(INTENT) === DRY_RUN) {
      try {
        return await plan(id, values);
      } catch (error) {
        console.error('[admin] planning a save failed', redactError(error));
        return {
          status: 'failed',
          values,
          message: 'The effect could not be worked out; nothing was changed. Please try again in a minute.',
        };
      }
    }
    let outcome;
    try {
      outcome = await write(session, review, id, asInput(values));
    } catch (error) {
      return failed(values, error);
    }
    if (!outcome) return { status: 'failed', values, message: 'This post no longer exists.' };
    if ('errors' in outcome) return { status: 'invalid', values, errors: outcome.errors };
    // The tags really invalidated travel with the redirect, to be set beside the dry run's.
    const query = new URLSearchParams({ saved: outcome.invalidated.join(' ') });
    // Outside the try: redirect() throws to do its work.
    redirect(`/admin/posts/${outcome.id}/edit?${query}`);
  },
);
