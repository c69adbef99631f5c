import type { InvalidationEvent } from '@/db/schema';
import { postFileOf } from '@/lib/content/sitemap';
import { config } from './config';

/**
 * The one place cache tag strings are made. Tags name content, never pages: a page depends on
 * whatever content its cached readers read, and a writer invalidates the content it changed.
 * Readers and writers both build tags here, so the two sides cannot drift apart.
 */
export const tags = {
  /** A post's own title, body, tags and published state. */
  post: (id: number) => `post:${id}`,
  /** The published comments of one post (and so its comment count). */
  comments: (postId: number) => `post:${postId}:comments`,
  /** Which posts are published, and in what order: membership of the homepage, feed and sitemap index. */
  postList: 'posts:list',
  /**
   * Which posts of one block of ids (lib/content/sitemap.ts) are published, under which slugs and
   * dates: one sitemap file's content. A post belongs to one block for life, so publishing it
   * leaves every other block's file cached.
   */
  postBlock: (block: number) => `posts:block:${block}`,
  /** Which published posts carry a tag, and in what order. */
  tag: (name: string) => `tag:${name}`,
  /**
   * Which tag names published posts carry (the sitemap's tag pages). A retag can bring a tag into
   * use or take away its last post without touching the list, so `posts:list` does not cover it.
   */
  tagsInUse: 'tags:in-use',
  /**
   * Which published post a slug names. A post page must look up its slug before it knows the post
   * id, and `unstable_cache` needs its tags before it runs; tagging that look-up with `posts:list`
   * would rebuild every post page whenever any post is published.
   */
  slug: (slug: string) => `slug:${slug}`,
  /**
   * Which posts carrying tag `name` and published before a month's end are candidates for the
   * related posts of a post published in `month` (YYYY-MM, UTC): a post page lists earlier posts
   * only, so a post joining the tag changes the choice of later posts alone (relatedTagsFrom).
   */
  related: (name: string, month: string) => `related:${name}:${month}`,
  /**
   * The original design's strategy, kept as a switch for comparison: every write invalidates this
   * one tag, which every cached reader carries.
   */
  everything: 'all',
} as const;

/** A post's month for the related-posts tags: YYYY-MM in UTC. */
export const monthOf = (date: Date) => date.toISOString().slice(0, 7);

/**
 * The related-posts tags of every month from `from`'s to `now`'s, for each tag name: a post that
 * becomes a candidate at `from` (published, tagged or re-dated to it) can enter the related posts
 * of the posts of those tags published after it, and of no other. One tag per month and name.
 */
export function relatedTagsFrom(names: readonly string[], from: Date, now = new Date()): string[] {
  const out: string[] = [];
  if (from > now) return out;
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor <= now) {
    months.push(monthOf(cursor));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  for (const name of names) for (const month of months) out.push(tags.related(name, month));
  return out;
}

/** Tags a post change touches, given what changed. Used by writers so the rules live in one place. */
export function tagsForPostChange(change: {
  id: number;
  slugs: readonly string[];
  listChanged: boolean;
  tagNames: readonly string[];
  /** A tag gained its first published post or lost its last: the sitemap's tag pages change. */
  tagsInUseChanged: boolean;
  /**
   * The tags under which the post became a related-posts candidate (published, tagged or re-dated),
   * and its publication time from then on. A post that stops being one needs nothing here: the
   * pages listing it carry its `post:<id>` tag.
   */
  entered?: { tagNames: readonly string[]; publishedAt: Date; now?: Date };
}): string[] {
  const out = new Set<string>([tags.post(change.id)]);
  for (const slug of change.slugs) out.add(tags.slug(slug));
  if (change.listChanged) out.add(tags.postList);
  // The post's sitemap file lists it by slug and date while it is published.
  if (change.listChanged || change.slugs.length > 0) out.add(tags.postBlock(postFileOf(change.id)));
  for (const name of change.tagNames) out.add(tags.tag(name));
  if (change.tagsInUseChanged) out.add(tags.tagsInUse);
  const { entered } = change;
  if (entered) for (const tag of relatedTagsFrom(entered.tagNames, entered.publishedAt, entered.now)) out.add(tag);
  return [...out];
}

/**
 * The tags a change really invalidates under INVALIDATION_STRATEGY: every writer's, the scheduled
 * publication's and the admin's dry run's, so the three cannot disagree. A change touching more
 * than INVALIDATION_BULK_THRESHOLD tags invalidates the whole site: past a few thousand tags
 * nearly every page is rebuilt anyway, and one tag keeps Redis, the edge and the log bounded.
 */
export function effectiveTags(changed: readonly string[]): string[] {
  return strategyOf(changed).tags;
}

/** A change's invalidation under effectiveTags, its event saying when it became site-wide, and why. */
export function effectiveInvalidation(
  changed: readonly string[],
  event: InvalidationEvent,
): { tags: string[]; event: InvalidationEvent } {
  const { tags: effective, bulkTags } = strategyOf(changed);
  return { tags: effective, event: bulkTags === null ? event : { ...event, bulkTags } };
}

/** The one rule behind both: the tags invalidated, and how many a bulk change touched (null: not one). */
function strategyOf(changed: readonly string[]): { tags: string[]; bulkTags: number | null } {
  if (config.INVALIDATION_STRATEGY === 'global') return { tags: [tags.everything], bulkTags: null };
  const unique = [...new Set(changed)];
  return unique.length > config.INVALIDATION_BULK_THRESHOLD
    ? { tags: [tags.everything], bulkTags: unique.length }
    : { tags: unique, bulkTags: null };
}

export type TagKind = 'post' | 'comments' | 'list' | 'tag' | 'slug' | 'all' | 'other';

/** Classifies a tag for the statistics ("rebuilt because of comments"), inverse of the builders above. */
export function tagKind(tag: string): TagKind {
  if (tag === tags.postList || tag === tags.tagsInUse || /^posts:block:\d+$/.test(tag)) return 'list';
  if (tag === tags.everything) return 'all';
  if (/^post:\d+:comments$/.test(tag)) return 'comments';
  if (/^post:\d+$/.test(tag)) return 'post';
  if (tag.startsWith('tag:') || tag.startsWith('related:')) return 'tag';
  if (tag.startsWith('slug:')) return 'slug';
  return 'other';
}

/**
 * A tag as a cache key at the edge: Varnish's xkey splits keys on spaces and commas, Fastly's
 * Surrogate-Key on spaces, Cloudflare's Cache-Tag on commas. Tag names come from content (a post's
 * tag may hold any character), so everything outside a plain set is percent-encoded; the response
 * headers and the purges both name keys through this, so they always agree.
 */
export function edgeKeyOf(tag: string): string {
  return Array.from(new TextEncoder().encode(tag), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_.:-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}
