import 'server-only';
import { z } from 'zod';
import type { PostState } from '@/db/reads';
import type { Executor } from '@/db/client';
import { tagsInUseElsewhere } from '@/db/tags-in-use';
import { insertPost, postStateAfter, updatePost } from '@/db/writes';
import { tagsForPostChange } from '@/lib/core/cache-tags';
import { MAX_SLUG_LENGTH, MAX_TAG_LENGTH, NAME_PATTERN } from '@/lib/core/route-params';
import { writeContent, type ContentChange, type WriteContext } from '@/lib/invalidation/write-content';
import { rearmPublicationTimer } from './scheduled-publication';

/*
 * Writing posts: each change names exactly the content it touched; the change and its
 * invalidation commit together and the invalidation is applied after (lib/invalidation/commit.ts).
 */

const tagNames = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(NAME_PATTERN, 'Tag names use a-z, 0-9 and single hyphens.')
      .max(MAX_TAG_LENGTH),
  )
  .max(12, 'At most 12 tags per post.')
  .transform((names) => [...new Set(names)].sort());

// PostgreSQL cannot store a NUL in text: let through, it failed the insert with a 500.
const noNul = (value: string) => !value.includes('\u0000');

export const PostChangeInput = z
  .object({
    slug: z.string().trim().regex(NAME_PATTERN, 'A slug uses a-z, 0-9 and single hyphens.').max(MAX_SLUG_LENGTH),
    title: z
      .string()
      .trim()
      .min(1, 'A post needs a title.')
      .max(200)
      .refine(noNul, 'The title contains a NUL character, which cannot be stored.'),
    body: z
      .string()
      .min(1, 'A post needs a body.')
      .max(200_000)
      .refine(noNul, 'The body contains a NUL character, which cannot be stored.'),
    status: z.enum(['draft', 'published']),
    // Dates beyond 4-digit years serialize as "+275760-…", which PostgreSQL refuses with a 500.
    publishedAt: z.coerce
      .date()
      .min(new Date('0001-01-01T00:00:00Z'), 'A publication date must be after year 1.')
      .max(new Date('9999-12-31T23:59:59Z'), 'A publication date must be before year 10000.')
      .nullable(),
    tags: tagNames,
  })
  .partial()
  .strict();

export const NewPostInput = PostChangeInput.required({ slug: true, title: true, body: true });

export type PostChange = z.infer<typeof PostChangeInput>;
export type NewPost = z.infer<typeof NewPostInput>;

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

// As db/reads.ts decides what is published: a future publication time is not yet.
const onPages = (post: PostState, now: Date) =>
  post.status === 'published' && post.publishedAt !== null && post.publishedAt <= now;

/**
 * The tags whose published posts this change adds or removes this post from: the only tags that can
 * come into use or go out of use with it.
 */
export function tagsChangingUse(before: PostState | null, after: PostState, now = new Date()): string[] {
  const had = new Set(before && onPages(before, now) ? before.tags : []);
  const has = new Set(onPages(after, now) ? after.tags : []);
  return [...new Set([...had, ...has])].filter((name) => had.has(name) !== has.has(name)).sort();
}

/**
 * The tags a change from `before` to `after` invalidates, and the event that explains it.
 * `inUseElsewhere`: which of the post's tags another published post carries (`tagsInUseElsewhere`);
 * without it every tag the post joins or leaves is taken to come into or go out of use.
 */
export function describePostChange(
  before: PostState | null,
  after: PostState,
  inUseElsewhere: ReadonlySet<string> = new Set(),
  now = new Date(),
): ContentChange | null {
  const wasPublic = before !== null && onPages(before, now);
  const isPublic = onPages(after, now);
  const id = after.id;
  // A draft or a scheduled post is on no page: writing one changes nothing a visitor can see.
  // A scheduled post's pages are invalidated at its time (lib/posts/scheduled-publication.ts).
  if (!wasPublic && !isPublic) return null;
  const tagsInUseChanged = tagsChangingUse(before, after, now).some((name) => !inUseElsewhere.has(name));

  if (!before || wasPublic !== isPublic || !sameTime(before.publishedAt, after.publishedAt)) {
    const kind = !wasPublic ? 'post-published' : !isPublic ? 'post-unpublished' : 'post-redated';
    return {
      tags: tagsForPostChange({
        id,
        slugs: [...(before ? [before.slug] : []), after.slug],
        listChanged: true,
        tagNames: [...(before?.tags ?? []), ...after.tags],
        tagsInUseChanged,
        // Published or re-dated: a candidate, at its new time, under every tag it carries.
        entered:
          isPublic && after.publishedAt ? { tagNames: after.tags, publishedAt: after.publishedAt, now } : undefined,
      }),
      event: { kind, postId: id, description: `post ${id} ${kind.replace('post-', '')}: “${after.title}”` },
    };
  }

  const gained = after.tags.filter((name) => !before.tags.includes(name));
  const changedTags = [...before.tags.filter((name) => !after.tags.includes(name)), ...gained];
  return {
    tags: tagsForPostChange({
      id,
      slugs: before.slug === after.slug ? [] : [before.slug, after.slug],
      listChanged: false,
      tagNames: changedTags,
      tagsInUseChanged,
      entered:
        after.publishedAt && gained.length > 0 ? { tagNames: gained, publishedAt: after.publishedAt, now } : undefined,
    }),
    event: {
      kind: changedTags.length > 0 ? 'post-retagged' : 'post-edited',
      postId: id,
      description: `post ${id} edited: “${after.title}”`,
    },
  };
}

/** What saving `change` over `before` would invalidate, without saving: the dry run of the editor. */
export function plannedPostChange(
  before: PostState,
  change: PostChange,
  now = new Date(),
  inUseElsewhere: ReadonlySet<string> = new Set(),
): ContentChange | null {
  return describePostChange(before, postStateAfter(before, change, now), inUseElsewhere, now);
}

/** Inside the write's transaction: whether the tags it moves are in use elsewhere, read under lock. */
async function describeWrite(tx: Executor, before: PostState | null, after: PostState): Promise<ContentChange | null> {
  const moved = tagsChangingUse(before, after);
  return describePostChange(before, after, await tagsInUseElsewhere(tx, [after.id], moved, true));
}

export interface PostWriteResult {
  post: PostState;
  invalidated: string[];
}

/** `authorId`: the account writing it; null from the API's token or the shared password. */
export async function createPost(
  input: NewPost,
  context: WriteContext,
  authorId: number | null = null,
): Promise<PostWriteResult> {
  const { result: post, invalidated } = await writeContent(async (tx) => {
    const post = await insertPost({ ...input, authorId }, tx);
    return { result: post, change: await describeWrite(tx, null, post) };
  }, context);
  rearmPublicationTimer();
  return { post, invalidated };
}

export async function changePost(
  id: number,
  change: PostChange,
  context: WriteContext,
): Promise<PostWriteResult | null> {
  const { result, invalidated } = await writeContent(async (tx) => {
    const result = await updatePost(id, change, tx);
    return { result, change: result ? await describeWrite(tx, result.before, result.after) : null };
  }, context);
  rearmPublicationTimer();
  return result ? { post: result.after, invalidated } : null;
}
