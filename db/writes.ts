import 'server-only';
import { eq, inArray, sql } from 'drizzle-orm';
import { getDb, type Executor } from './client';
import { hasPublishedReplyBelow, readPostState, type PostState } from './reads';
import { markAnnouncedIfDue } from './scheduled';
import { comments, postTags, posts, tags, type CommentStatus } from './schema';
import { isPublished } from './visibility';

/*
 * Content writes. Each returns what a writer needs to name the tags it must invalidate; the
 * invalidation itself is lib/invalidation/write-content.ts's, after the transaction commits.
 */

export interface InsertedComment {
  id: number;
  postId: number;
  /** The comment it answers; null for a comment of its own. */
  parentId: number | null;
  status: CommentStatus;
  createdAt: Date;
}

/** Why nothing was inserted: the post is not public, or the comment answered is not a published one of it. */
export type InsertRefusal = 'closed' | 'no-parent';

/**
 * Inserts only when the post is public (isPublished: neither a draft nor scheduled) and, for a
 * reply, when the comment it answers is a published comment of the same post, in one statement:
 * a comment can never be attached to a draft, nor a reply to a comment being hidden or deleted,
 * between a check and an insert (the parent is read FOR SHARE, so a moderator's change waits for
 * this insert, or this insert sees the change). The answer to a forged one tells nothing of a
 * scheduled post, nor of a pending or spam comment: each is refused as if it did not exist.
 */
export async function insertCommentOnPublishedPost(
  input: {
    postId: number;
    parentId?: number | null;
    authorName: string;
    authorEmail: string;
    body: string;
    status: CommentStatus;
  },
  db: Executor = getDb(),
): Promise<InsertedComment | InsertRefusal> {
  const parentId = input.parentId ?? null;
  const rows = await db.execute<{
    open: boolean;
    parent_ok: boolean;
    id: number | null;
    post_id: number;
    parent_id: number | null;
    status: CommentStatus;
    created_at: string;
  }>(sql`
    with target as (
      select
        exists (select 1 from ${posts} where ${posts.id} = ${input.postId} and ${isPublished}) as open,
        (${parentId}::int is null or exists (
          select 1 from ${comments} parent
          where parent.id = ${parentId}::int and parent.post_id = ${input.postId} and parent.status = 'published'
          for share)) as parent_ok
    ), inserted as (
      insert into ${comments} (post_id, parent_id, author_name, author_email, body, status)
      select ${input.postId}, ${parentId}::int, ${input.authorName}, ${input.authorEmail}, ${input.body}, ${input.status}
      from target where open and parent_ok
      returning id, post_id, parent_id, status, created_at
    )
    select target.open, target.parent_ok, inserted.* from target left join inserted on true`);
  const row = rows[0];
  if (!row?.open) return 'closed';
  if (!row.parent_ok || row.id === null) return 'no-parent';
  return {
    id: row.id,
    postId: row.post_id,
    parentId: row.parent_id,
    status: row.status,
    createdAt: new Date(row.created_at),
  };
}

/**
 * Whether the post already has this comment (same words, ignoring case and spacing), under a
 * transaction-scoped lock on that text, so two identical submissions arriving together cannot
 * both see "no" before either is stored. Call inside the transaction that inserts.
 */
export async function lockAndFindSameComment(postId: number, body: string, db: Executor): Promise<boolean> {
  const normalised = sql`lower(regexp_replace(${body}::text, '[[:space:]]+', ' ', 'g'))`;
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`comment:${postId}:`} || ${normalised}, 0))`);
  const rows = await db.execute<{ found: number }>(sql`
    select 1 as found from ${comments}
    where post_id = ${postId} and lower(regexp_replace(body, '[[:space:]]+', ' ', 'g')) = ${normalised}
    limit 1`);
  return rows.length > 0;
}

/** Returns the status before the change, read under a row lock so concurrent moderators agree. */
export async function setCommentStatus(
  id: number,
  status: CommentStatus,
  db: Executor = getDb(),
): Promise<{ postId: number; previous: CommentStatus } | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ postId: comments.postId, status: comments.status })
      .from(comments)
      .where(eq(comments.id, id))
      .for('update');
    if (!row) return null;
    await tx.update(comments).set({ status }).where(eq(comments.id, id));
    return { postId: row.postId, previous: row.status };
  });
}

/**
 * A deleted comment's replies stay (drizzle/0004: marked `parent_removed`, their `parent_id`
 * emptied). `repliesShown` says whether a published reply hung under it, at any depth: a comment
 * that is not published itself then stood in its thread as "This comment was removed.", and
 * deleting it moves those replies on the page.
 */
export async function deleteComment(
  id: number,
  db: Executor = getDb(),
): Promise<{ postId: number; previous: CommentStatus; repliesShown: boolean } | null> {
  // Every part of one statement reads the same snapshot: the replies below as they were before the delete.
  const rows = await db.execute<{ post_id: number; status: CommentStatus; replies_shown: boolean }>(sql`
    with gone as (delete from ${comments} where id = ${id} returning post_id, status)
    select gone.post_id, gone.status, ${hasPublishedReplyBelow(sql`${id}::int`)} as replies_shown
    from gone`);
  const row = rows[0];
  return row ? { postId: row.post_id, previous: row.status, repliesShown: row.replies_shown } : null;
}

export interface PostWrite {
  slug?: string;
  title?: string;
  body?: string;
  status?: 'draft' | 'published';
  publishedAt?: Date | null;
  tags?: readonly string[];
}

/**
 * The state `change` leaves `before` in, without writing it: the update's own rule (publishing a
 * post never published takes the current time), so the admin's dry run plans the same change.
 */
export function postStateAfter(before: PostState, change: PostWrite, now: Date): PostState {
  const publishing = change.status === 'published' && before.status !== 'published';
  return {
    id: before.id,
    slug: change.slug ?? before.slug,
    title: change.title ?? before.title,
    status: change.status ?? before.status,
    publishedAt:
      change.publishedAt !== undefined
        ? change.publishedAt
        : publishing && before.publishedAt === null
          ? now
          : before.publishedAt,
    tags: change.tags ? [...change.tags] : before.tags,
  };
}

async function replaceTags(tx: Executor, postId: number, names: readonly string[]): Promise<void> {
  await tx.delete(postTags).where(eq(postTags.postId, postId));
  if (names.length === 0) return;
  await tx
    .insert(tags)
    .values(names.map((name) => ({ name })))
    .onConflictDoNothing();
  const tagRows = await tx
    .select({ id: tags.id })
    .from(tags)
    .where(inArray(tags.name, [...names]));
  await tx.insert(postTags).values(tagRows.map((t) => ({ postId, tagId: t.id })));
}

/** Creates a post and returns its state; throws on a duplicate slug (unique violation 23505). */
export async function insertPost(
  input: Required<Pick<PostWrite, 'slug' | 'title' | 'body'>> & PostWrite & { authorId?: number | null },
  db: Executor = getDb(),
): Promise<PostState> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(posts)
      .values({
        slug: input.slug,
        title: input.title,
        body: input.body,
        status: input.status ?? 'draft',
        publishedAt: input.publishedAt ?? (input.status === 'published' ? new Date() : null),
        authorId: input.authorId ?? null,
      })
      .returning({ id: posts.id });
    if (!row) throw new Error('insert into posts returned no row');
    await replaceTags(tx, row.id, input.tags ?? []);
    await markAnnouncedIfDue(tx, row.id);
    const state = await readPostState(tx, row.id, false);
    if (!state) throw new Error('a post vanished inside its own transaction');
    return state;
  });
}

/** Applies a change and returns the post's state before and after it, read in the same transaction. */
export async function updatePost(
  id: number,
  change: PostWrite,
  db: Executor = getDb(),
): Promise<{ before: PostState; after: PostState } | null> {
  return db.transaction(async (tx) => {
    const before = await readPostState(tx, id, true);
    if (!before) return null;
    const now = new Date();
    const values = {
      ...(change.slug !== undefined && { slug: change.slug }),
      ...(change.title !== undefined && { title: change.title }),
      ...(change.body !== undefined && { body: change.body }),
      ...(change.status !== undefined && { status: change.status }),
      publishedAt: postStateAfter(before, change, now).publishedAt,
      updatedAt: now,
    };
    await tx.update(posts).set(values).where(eq(posts.id, id));
    if (change.tags !== undefined) await replaceTags(tx, id, change.tags);
    await markAnnouncedIfDue(tx, id);
    const after = await readPostState(tx, id, false);
    if (!after) throw new Error('a post vanished inside its own transaction');
    return { before, after };
  });
}
