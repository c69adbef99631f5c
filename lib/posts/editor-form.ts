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
  | { status: 'refused'; message: string };

/** The submit button's name: its value says whether to save or only to plan the save. */
export const INTENT = 'intent';
export const DRY_RUN = 'dry-run';

/** A stored time as the UTC datetime-local field shows it. */
export function toUtcField(date: Date | null): string {
  return date ? date.toISOString().slice(0, 19) : '';
}
