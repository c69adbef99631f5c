import type { Database, Executor } from '@/db/client';
import {
  analyzeImported,
  ensureAuthors,
  ensureTags,
  findImportedComments,
  findImportedPosts,
  insertImportedComments,
  insertImportedPosts,
  lockImport,
  markImportedAnnounced,
  replaceImportedTags,
  slugsLike,
  slugsWrittenHere,
  updateImportedPost,
  type CommentValues,
  type ImportedPostRow,
  type PostValues,
} from '@/db/imports';
import { writeWithInvalidation } from '@/db/outbox';
import type { PostState } from '@/db/reads';
import { NO_PASSWORD } from '@/lib/accounts/passwords';
import { effectiveInvalidation, tags as cacheTags } from '@/lib/core/cache-tags';
import { describePostChange } from '@/lib/posts/writers';
import type { Archive, ArchiveComment, ArchivePost, Skipped } from './archive';
import { uniqueSlug } from './names';

/*
 * Writes an archive into the database as one change: every post, tag link, account and comment in
 * one transaction, with one invalidation in the outbox naming what became visible (past
 * INVALIDATION_BULK_THRESHOLD tags, the whole site: see "Changes of any size"). A running server's
 * outbox sweep applies it within INVALIDATION_SWEEP_MS, so the posts show at once, and the pages
 * are cached again from their next request; a stopped one applies it at its start.
 *
 * Run again with the same archive it doubles nothing: a post already imported (same source, same
 * id there) is updated when the archive's version differs and left alone otherwise; a comment
 * already imported is left as it is, whatever a moderator did to it here since.
 */

export interface ImportReport {
  source: string;
  posts: { added: number; updated: number; unchanged: number };
  comments: { added: number; unchanged: number };
  authors: { added: number; existing: number };
  tags: number;
  skipped: Skipped[];
  notes: string[];
  /** The invalidation written with the import: how many tags, or that it was the whole site. */
  invalidation: { tags: number; wholeSite: boolean } | null;
}

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

function stateOf(row: ImportedPostRow): PostState {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    status: row.status,
    publishedAt: row.publishedAt,
    tags: row.tags,
  };
}

function unchanged(row: ImportedPostRow, values: Omit<PostValues, 'sourceId'>, tags: readonly string[]): boolean {
  return (
    row.slug === values.slug &&
    row.title === values.title &&
    row.body === values.body &&
    row.status === values.status &&
    sameTime(row.publishedAt, values.publishedAt) &&
    sameTime(row.updatedAt, values.updatedAt) &&
    row.authorId === values.authorId &&
    [...row.tags].sort().join(' ') === [...tags].sort().join(' ')
  );
}

/** A post already imported keeps its slug while the archive still asks for it (or it took `-N` of it). */
function keepsSlug(current: string, wanted: string): boolean {
  return current === wanted || new RegExp(`^${wanted}-\\d+$`).test(current);
}

/** Parents before their replies: a reply's parent id must exist when the reply is inserted. */
function inThreadOrder(comments: readonly ArchiveComment[], known: ReadonlySet<string>): ArchiveComment[][] {
  const waves: ArchiveComment[][] = [];
  const placed = new Set(known);
  let rest = [...comments];
  while (rest.length > 0) {
    const wave = rest.filter((c) => c.parentSourceId === null || placed.has(c.parentSourceId));
    if (wave.length === 0) {
      // Parents that never arrive (a loop, a parent on another post): the rest stand alone.
      for (const c of rest) waves.push([{ ...c, parentSourceId: null, parentRemoved: true }]);
      break;
    }
    waves.push(wave);
    for (const c of wave) placed.add(c.sourceId);
    const inWave = new Set(wave);
    rest = rest.filter((c) => !inWave.has(c));
  }
  return waves;
}

/** An archive refused as a whole, with what to do. */
export class ImportRefused extends Error {}

/**
 * A Freshpress export imported into the database it came from would add every post again (the posts
 * written there carry no source): refused when most of its slugs are posts written here.
 */
async function refuseOwnExport(tx: Executor, archive: Archive): Promise<void> {
  if (!archive.source.startsWith('freshpress:') || archive.posts.length === 0) return;
  const here = await slugsWrittenHere(
    tx,
    archive.posts.map((post) => post.slug),
  );
  if (here * 2 > archive.posts.length)
    throw new ImportRefused(
      `${here} of the export's ${archive.posts.length} posts are already here, written in this blog: ` +
        'this looks like the database the export came from. Import it into another database.',
    );
}

export async function importArchive(db: Database, archive: Archive, now = new Date()): Promise<ImportReport> {
  const report: ImportReport = {
    source: archive.source,
    posts: { added: 0, updated: 0, unchanged: 0 },
    comments: { added: 0, unchanged: 0 },
    authors: { added: 0, existing: 0 },
    tags: 0,
    skipped: [...archive.skipped],
    notes: [...archive.notes],
    invalidation: null,
  };
  const { recorded } = await writeWithInvalidation(async (tx) => {
    const changed = await writePosts(tx, archive, report, now);
    return {
      result: null,
      invalidation:
        changed.size === 0
          ? null
          : effectiveInvalidation([...changed], {
              kind: 'post-published',
              description:
                `import from ${archive.source}: ${report.posts.added} posts added, ${report.posts.updated} updated, ` +
                `${report.comments.added} comments added`,
            }),
    };
  }, db);
  if (recorded)
    report.invalidation = { tags: recorded.tags.length, wholeSite: recorded.tags.includes(cacheTags.everything) };
  await analyzeImported(db);
  return report;
}

/** Writes posts, accounts, tags and comments; returns the cache tags of what a visitor can now see differently. */
async function writePosts(tx: Executor, archive: Archive, report: ImportReport, now: Date): Promise<Set<string>> {
  const { source } = archive;
  const changedTags = new Set<string>();
  await lockImport(tx, source);
  await refuseOwnExport(tx, archive);
  const existing = new Map((await findImportedPosts(tx, source)).map((row) => [row.sourceId, row]));

  const authors = await ensureAuthors(tx, archive.authors, NO_PASSWORD);
  report.authors = { added: authors.created, existing: archive.authors.length - authors.created };
  const authorId = new Map(archive.authors.map((a) => [a.key, authors.ids.get(a.email) ?? null]));

  const tagIds = await ensureTags(tx, [...new Set(archive.posts.flatMap((p) => p.tags))]);
  report.tags = tagIds.size;

  const taken = await slugsLike(
    tx,
    archive.posts.map((p) => p.slug),
  );
  const fresh: PostValues[] = [];
  const freshPosts: ArchivePost[] = [];
  const tagLinks = new Map<number, number[]>();
  const touched: number[] = [];
  const seen = new Set<string>();
  for (const post of archive.posts) {
    if (seen.has(post.sourceId)) {
      report.skipped.push({ what: `post ${post.sourceId}`, reason: 'its id appears twice in the archive' });
      continue;
    }
    seen.add(post.sourceId);
    const before = existing.get(post.sourceId);
    const slug = before && keepsSlug(before.slug, post.slug) ? before.slug : uniqueSlug(post.slug, taken);
    if (!before && slug !== post.slug)
      report.notes.push(`post ${post.sourceId}: the slug ${post.slug} was taken, it is ${slug}`);
    const values = {
      slug,
      title: post.title,
      body: post.body,
      status: post.status,
      publishedAt: post.publishedAt,
      updatedAt: post.updatedAt ?? before?.updatedAt ?? now,
      authorId: post.authorKey === null ? null : (authorId.get(post.authorKey) ?? null),
    };
    if (!before) {
      fresh.push({ sourceId: post.sourceId, ...values });
      freshPosts.push(post);
      continue;
    }
    if (unchanged(before, values, post.tags)) {
      report.posts.unchanged++;
      continue;
    }
    await updateImportedPost(tx, before.id, values);
    tagLinks.set(
      before.id,
      post.tags.flatMap((name) => tagIds.get(name) ?? []),
    );
    touched.push(before.id);
    report.posts.updated++;
    const change = describePostChange(
      stateOf(before),
      { ...stateOf(before), ...values, tags: post.tags },
      new Set(),
      now,
    );
    for (const tag of change?.tags ?? []) changedTags.add(tag);
  }

  const inserted = await insertImportedPosts(tx, source, fresh);
  report.posts.added = inserted.size;
  for (const [i, post] of freshPosts.entries()) {
    const id = inserted.get(post.sourceId)!;
    tagLinks.set(
      id,
      post.tags.flatMap((name) => tagIds.get(name) ?? []),
    );
    touched.push(id);
    const values = fresh[i]!;
    const change = describePostChange(null, { id, ...values, tags: post.tags }, new Set(), now);
    for (const tag of change?.tags ?? []) changedTags.add(tag);
  }
  await replaceImportedTags(tx, tagLinks);
  await markImportedAnnounced(tx, touched);

  const postIds = new Map<string, { id: number; public: boolean }>();
  const isPublic = (status: string, at: Date | null) => status === 'published' && at !== null && at <= now;
  for (const row of existing.values())
    postIds.set(row.sourceId, { id: row.id, public: isPublic(row.status, row.publishedAt) });
  for (const post of archive.posts) {
    const id = inserted.get(post.sourceId) ?? existing.get(post.sourceId)?.id;
    if (id !== undefined) postIds.set(post.sourceId, { id, public: isPublic(post.status, post.publishedAt) });
  }
  await writeComments(tx, archive, postIds, report, changedTags);
  return changedTags;
}

async function writeComments(
  tx: Executor,
  archive: Archive,
  postIds: ReadonlyMap<string, { id: number; public: boolean }>,
  report: ImportReport,
  changedTags: Set<string>,
): Promise<void> {
  const commentIds = await findImportedComments(tx, archive.source);
  const fresh: ArchiveComment[] = [];
  for (const comment of archive.comments) {
    if (commentIds.has(comment.sourceId)) {
      report.comments.unchanged++;
      continue;
    }
    if (!postIds.has(comment.postSourceId)) {
      report.skipped.push({
        what: `comment ${comment.sourceId}`,
        reason: `its post (${comment.postSourceId}) was not imported`,
      });
      continue;
    }
    fresh.push(comment);
  }
  for (const wave of inThreadOrder(fresh, new Set(commentIds.keys()))) {
    const rows: CommentValues[] = wave.map((comment) => ({
      sourceId: comment.sourceId,
      postId: postIds.get(comment.postSourceId)!.id,
      parentId: comment.parentSourceId === null ? null : (commentIds.get(comment.parentSourceId) ?? null),
      parentRemoved: comment.parentRemoved,
      authorName: comment.authorName,
      authorEmail: comment.authorEmail,
      body: comment.body,
      status: comment.status,
      createdAt: comment.createdAt,
    }));
    const inserted = await insertImportedComments(tx, archive.source, rows);
    for (const [sourceId, id] of inserted) commentIds.set(sourceId, id);
    report.comments.added += inserted.size;
    for (const comment of wave) {
      const post = postIds.get(comment.postSourceId)!;
      if (comment.status === 'published' && post.public) changedTags.add(cacheTags.comments(post.id));
    }
  }
}
