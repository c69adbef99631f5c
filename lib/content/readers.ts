import 'server-only';
import { unstable_cache } from 'next/cache';
import {
  countPublishedPosts,
  countPublishedPostsByTag,
  countTagsInUse,
  findPublishedPostIdBySlug,
  getPostSummaries,
  getPostTitles,
  getPublicPostSlug,
  getPublishedPost,
  listHiddenAncestors,
  listNewestPublishedSlugs,
  listPublishedComments,
  listPublishedIdBlocks,
  listPublishedPostIds,
  listPublishedPostIdsByTag,
  listRelatedPostIds,
  listSitemapPostsInIdRange,
  listTagsInUse,
  listTagsInUseSlice,
  tagExists,
  type PostRow,
} from '@/db/reads';
import { missingParents, type HiddenComment, type ThreadComment } from '@/lib/comments/thread';
import { monthOf, tags } from '@/lib/core/cache-tags';
import { excerptFromMarkdown } from './excerpt';
import { renderMarkdown } from './markdown';
import {
  idRangeOf,
  pagesFileCount,
  SITEMAP_MAX_URLS,
  sitemapFileName,
  tagSliceOf,
  type SitemapIndex,
  type SitemapPost,
} from './sitemap';

/*
 * The cached readers behind every cached page. Each states its key, tags and lifetime first.
 * Lifetimes are long on purpose: freshness comes from tag invalidation when content changes,
 * not from expiry. Results cross a JSON boundary in the cache, so dates are ISO strings here.
 *
 * Never call one of these from inside another's function: a nested unstable_cache skips its own
 * cache and its tags never reach the page entry. Lists therefore read in two sequential steps.
 */

export const CONTENT_LIFETIME_SECONDS = 60 * 60 * 24 * 7;
export const PAGE_SIZE = 10;
export const FEED_SIZE = 20;
export const RELATED_POSTS = 3;

function cached<T>(key: readonly (string | number)[], tagList: readonly string[], read: () => Promise<T>): Promise<T> {
  return unstable_cache(read, key.map(String), {
    // Every entry also carries the global tag, so the original design's "every write invalidates
    // everything" strategy can be switched on for comparison without touching any reader.
    tags: [...tagList, tags.everything],
    revalidate: CONTENT_LIFETIME_SECONDS,
  })();
}

export interface PostSummary {
  id: number;
  slug: string;
  title: string;
  excerpt: string;
  publishedAt: string;
  tags: string[];
  commentCount: number;
  author: string | null;
}

export interface PostDetail {
  id: number;
  slug: string;
  title: string;
  html: string;
  excerpt: string;
  publishedAt: string;
  updatedAt: string;
  tags: string[];
  author: string | null;
}

export type PublicComment = ThreadComment;

/** A post's published comments, and the hidden ones some of them answer (lib/comments/thread.ts). */
export interface PostComments {
  published: PublicComment[];
  hidden: HiddenComment[];
}

export interface PostListPage {
  posts: PostSummary[];
  page: number;
  pageCount: number;
  total: number;
}

function toSummaries(rows: Awaited<ReturnType<typeof getPostSummaries>>): PostSummary[] {
  return rows.map(({ lead, publishedAt, ...row }) => ({
    ...row,
    excerpt: excerptFromMarkdown(lead),
    publishedAt: publishedAt.toISOString(),
  }));
}

/** Step two of every list: the rows of the posts it shows, tagged by each of those posts. */
function readSummaries(ids: readonly number[]): Promise<PostSummary[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return cached(
    ['post-summaries', ids.join(',')],
    ids.flatMap((id) => [tags.post(id), tags.comments(id)]),
    async () => toSummaries(await getPostSummaries(ids)),
  );
}

function pageCountOf(total: number): number {
  return Math.max(1, Math.ceil(total / PAGE_SIZE));
}

/*
 * A list page past the end, or of a tag nobody uses, is decided by a count cached once per list, so
 * made-up page numbers and tags add no entries of their own: a lookup that finds nothing comes
 * back as null, and null results are not stored (lib/page-cache/entries.ts).
 */

/** Page `page` (1-based) of the newest published posts, or null past the last page. */
export async function getLatestPosts(page: number): Promise<PostListPage | null> {
  const total = await cached(['published-count'], [tags.postList], countPublishedPosts);
  const pageCount = pageCountOf(total);
  if (page > pageCount) return null;
  const ids = await cached(['latest-ids', page], [tags.postList], () =>
    listPublishedPostIds(PAGE_SIZE, (page - 1) * PAGE_SIZE),
  );
  return { posts: await readSummaries(ids), page, pageCount, total };
}

/** Page `page` of one tag's posts, or null when no published post carries the tag. */
export async function getTaggedPosts(name: string, page: number): Promise<PostListPage | null> {
  const total = await cached(['tag-count', name], [tags.tag(name)], async () => {
    const count = (await tagExists(name)) ? await countPublishedPostsByTag(name) : 0;
    return count === 0 ? null : count;
  });
  if (total === null || page > pageCountOf(total)) return null;
  const ids = await cached(['tag-ids', name, page], [tags.tag(name)], () =>
    listPublishedPostIdsByTag(name, PAGE_SIZE, (page - 1) * PAGE_SIZE),
  );
  return { posts: await readSummaries(ids), page, pageCount: pageCountOf(total), total };
}

export async function getPost(slug: string): Promise<PostDetail | null> {
  const id = await cached(['post-id-by-slug', slug], [tags.slug(slug)], () => findPublishedPostIdBySlug(slug));
  if (id === null) return null;
  return cached(['post', id], [tags.post(id)], async () => {
    const row = await getPublishedPost(id);
    return row ? toPostDetail(row) : null;
  });
}

export interface RelatedPost {
  id: number;
  slug: string;
  title: string;
  publishedAt: string;
}

/**
 * The posts shown under `post` as related (db/reads.ts `listRelatedPostIds`), in two steps like a
 * list. The choice depends on the post's own tags and date (`post:<id>`) and on which earlier posts
 * carry those tags (`related:<tag>:<month>`, invalidated only by a post becoming a candidate at or
 * before this post's month); what is shown of the chosen ones, on their title, slug and date
 * (`post:<id>` of each). Not on their comments: the list shows no counts.
 */
export async function getRelatedPosts(post: PostDetail): Promise<RelatedPost[]> {
  if (post.tags.length === 0) return [];
  const month = monthOf(new Date(post.publishedAt));
  const ids = await cached(
    ['related-ids', post.id],
    [tags.post(post.id), ...post.tags.map((name) => tags.related(name, month))],
    () => listRelatedPostIds(post.id, new Date(post.publishedAt), RELATED_POSTS),
  );
  if (ids.length === 0) return [];
  return cached(['related-items', ids.join(',')], ids.map(tags.post), async () =>
    (await getPostTitles(ids)).map((row) => ({ ...row, publishedAt: row.publishedAt.toISOString() })),
  );
}

/** The one way a stored post becomes what Article renders: the public page and the admin preview. */
export function toPostDetail(row: PostRow): PostDetail {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    html: renderMarkdown(row.body),
    excerpt: excerptFromMarkdown(row.body),
    publishedAt: row.publishedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    tags: row.tags,
    author: row.author,
  };
}

/**
 * One entry per post, replies included: a hidden comment shows on the page only as the place its
 * published replies hang from, and changes to it that move them invalidate the same tag.
 */
export function getComments(postId: number): Promise<PostComments> {
  return cached(['comment-thread', postId], [tags.comments(postId)], async () => {
    const rows = await listPublishedComments(postId);
    const published = rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
    const hidden = await listHiddenAncestors(postId, missingParents(published));
    return { published, hidden: hidden.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })) };
  });
}

export type FeedItem = Omit<PostSummary, 'commentCount'>;

/**
 * The feed shows no comment counts, so its items depend on the posts alone: tagged like the list
 * rows it would otherwise share, it was rebuilt, byte for byte the same, on every comment.
 */
export async function getFeedPosts(): Promise<FeedItem[]> {
  const ids = await cached(['feed-ids'], [tags.postList], () => listPublishedPostIds(FEED_SIZE, 0));
  if (ids.length === 0) return [];
  return cached(['feed-items', ids.join(',')], ids.map(tags.post), async () =>
    toSummaries(await getPostSummaries(ids)).map(({ commentCount: _count, ...item }) => item),
  );
}

/*
 * The sitemap, in files (lib/content/sitemap.ts). Each posts file depends on its own block of ids
 * only, so publishing a post rebuilds the file it lands in and the index, and no other file. A
 * file that holds nothing comes back as null: not listed by the index, a 404 and no cache entry.
 */

export function getSitemapIndex(): Promise<SitemapIndex> {
  return cached(['sitemap-index'], [tags.postList, tags.tagsInUse], async () => ({
    posts: (await listPublishedIdBlocks(SITEMAP_MAX_URLS)).map((row) => ({
      n: row.block,
      lastmod: row.newest.toISOString(),
    })),
    pagesFiles: pagesFileCount(await countTagsInUse()),
  }));
}

/** The published posts of posts file `n`, in id order, or null when it holds none. */
export function getSitemapPosts(n: number): Promise<SitemapPost[] | null> {
  return cached(['sitemap-posts', n], [tags.postBlock(n)], async () => {
    const { first, last } = idRangeOf(n);
    const rows = await listSitemapPostsInIdRange(first, last);
    if (rows.length === 0) return null;
    return rows.map((row) => ({ slug: row.slug, publishedAt: row.publishedAt.toISOString() }));
  });
}

/** The tag names of pages file `n` (file 1 also lists the homepage), or null past the last file. */
export function getSitemapTags(n: number): Promise<string[] | null> {
  return cached(['sitemap-tags', n], [tags.tagsInUse], async () => {
    const { offset, limit } = tagSliceOf(n);
    const names = await listTagsInUseSlice(offset, limit);
    return names.length === 0 && n > 1 ? null : names;
  });
}

/** Build-time only: which pages `next build` renders ahead of the first visitor. */
export function getPrerenderedSlugs(): Promise<string[]> {
  return listNewestPublishedSlugs(20);
}

export function getPrerenderedTags(): Promise<string[]> {
  return listTagsInUse();
}

export async function getPrerenderedSitemapFiles(): Promise<string[]> {
  const [blocks, tagCount] = await Promise.all([listPublishedIdBlocks(SITEMAP_MAX_URLS), countTagsInUse()]);
  return [
    ...Array.from({ length: pagesFileCount(tagCount) }, (_, i) => sitemapFileName({ kind: 'pages', n: i + 1 })),
    ...blocks.map((row) => sitemapFileName({ kind: 'posts', n: row.block })),
  ];
}

/** Uncached: the statistics link posts by id, and only an operator follows those links. */
export function getPublishedPostSlugById(id: number): Promise<string | null> {
  return getPublicPostSlug(id);
}

/** The benchmark's baseline: the same list with every query run again, as an app without a cache would. */
export async function getLatestPostsUncached(page: number): Promise<{ posts: PostSummary[] }> {
  const ids = await listPublishedPostIds(PAGE_SIZE, (page - 1) * PAGE_SIZE);
  return { posts: toSummaries(await getPostSummaries(ids)) };
}
