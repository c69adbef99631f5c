'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { adminAction } from '@/lib/admin/auth';
import { databaseCode } from '@/lib/admin-api';
import { changePost, createPost, NewPostInput, PostChangeInput } from '@/lib/posts-admin';
import { EDITOR_FIELDS, type EditorField, type EditorState, type EditorValues } from '@/lib/admin/post-form';

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
    tags: values.tags.split(',').map((name) => name.trim()).filter((name) => name !== ''),
    ...(values.publishedAt.trim() !== '' && { publishedAt: `${values.publishedAt.trim()}Z` }),
  };
}

function failed(values: EditorValues, error: unknown): EditorState {
  const code = databaseCode(error);
  if (code === '23505') return { status: 'invalid', values, errors: { slug: ['Another post already uses that slug.'] } };
  console.error('[admin] saving a post failed', error);
  return { status: 'failed', values, message: 'The post could not be saved; nothing was changed. Please try again in a minute.' };
}

async function write(id: number | null, input: Record<string, unknown>): Promise<{ id: number } | { errors: Partial<Record<string, string[]>> } | null> {
  if (id === null) {
    const parsed = NewPostInput.safeParse(input);
    if (!parsed.success) return { errors: z.flattenError(parsed.error).fieldErrors };
    return { id: (await createPost(parsed.data, 'server-action')).post.id };
  }
  const parsed = PostChangeInput.safeParse(input);
  if (!parsed.success) return { errors: z.flattenError(parsed.error).fieldErrors };
  const result = await changePost(id, parsed.data, 'server-action');
  return result && { id: result.post.id };
}

export const savePost = adminAction(async (id: number | null, _previous: EditorState, form: FormData): Promise<EditorState> => {
  const values = readValues(form);
  let outcome;
  try {
    outcome = await write(id, asInput(values));
  } catch (error) {
    return failed(values, error);
  }
  if (!outcome) return { status: 'failed', values, message: 'This post no longer exists.' };
  if ('errors' in outcome) return { status: 'invalid', values, errors: outcome.errors };
  // Outside the try: redirect() throws to do its work.
  redirect(`/admin/posts/${outcome.id}/edit?saved=1`);
});
