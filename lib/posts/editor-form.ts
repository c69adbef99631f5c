/*
 * The post editor's fields and states, shared by the form (a client component) and its server
 * action. The rules themselves are lib/posts/writers.ts's schemas, which the API uses too.
 */

export const EDITOR_FIELDS = ['title', 'slug', 'body', 'tags', 'status', 'publishedAt'] as const;
export type EditorField = (typeof EDITOR_FIELDS)[number];
export type EditorValues = Record<EditorField, string>;

export type EditorState =
  | { status: 'idle' }
  | { status: 'invalid'; values: EditorValues; errors: Partial<Record<string, string[]>> }
  /** The dry run's answer: nothing saved, the typed values kept. */
  | { status: 'planned'; values: EditorValues; summary: string; tags: string[] }
  | { status: 'failed'; values: EditorValues; message: string }
  /** An image stored and its Markdown added to the body: nothing saved yet, the typed values kept. */
  | { status: 'uploaded'; values: EditorValues; message: string }
  | { status: 'refused'; message: string };

/** The submit button's name: its value says whether to save or only to plan the save. */
export const INTENT = 'intent';
export const DRY_RUN = 'dry-run';
/** The other button's value: store the chosen image and add it to the body, saving nothing else. */
export const UPLOAD = 'upload';
/** The file control's name, in the editor form and in a dropped image's upload. */
export const IMAGE_FIELD = 'image';

/** What dropping an image on the body answers: the Markdown to insert where it was dropped, or why not. */
export type DropUploadState = { status: 'uploaded'; markdown: string } | { status: 'refused'; message: string };

/** The image's Markdown after the body's text, in a paragraph of its own. */
export function withImage(body: string, markdown: string): string {
  const text = body.replace(/\s+$/, '');
  return text === '' ? `${markdown}\n` : `${text}\n\n${markdown}\n`;
}

/** A stored time as the UTC datetime-local field shows it. */
export function toUtcField(date: Date | null): string {
  return date ? date.toISOString().slice(0, 19) : '';
}
