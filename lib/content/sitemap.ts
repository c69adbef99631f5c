import { MAX_ID } from '@/lib/core/route-params';

/*
 * The sitemap as files of at most SITEMAP_MAX_URLS addresses, listed by an index at /sitemap.xml
 * (the protocol allows 50,000 URLs and 50 MB a file). Posts are split by id: file n holds the
 * published posts whose ids fall in block n. An id never changes, so a post stays in one file for
 * life, a new post lands in the newest block, and publishing it rebuilds that file and the index
 * only — a split by position in the list would move every later post to another file on each
 * publication. A block can hold fewer posts than its size (drafts, deleted posts), never more.
 *
 * The homepage and the tag pages are files of their own ("pages"), chunked in name order: they
 * change when tags come into or go out of use, not when posts are published.
 *
 * Pure: no database, no Next; the readers (lib/content/readers.ts) and the tag rules
 * (lib/core/cache-tags.ts) build on it.
 */

/** The protocol's limit of addresses per file. Every file here holds at most this many. */
export const SITEMAP_MAX_URLS = 50_000;

/** The highest file number of either kind that can hold anything: the block of the highest id. */
export const MAX_SITEMAP_FILE = Math.ceil(MAX_ID / SITEMAP_MAX_URLS);

export type SitemapFileKind = 'posts' | 'pages';

export interface SitemapFile {
  kind: SitemapFileKind;
  /** 1-based. */
  n: number;
}

/** The posts file (block) that a post id belongs to, for life. */
export function postFileOf(id: number): number {
  return Math.floor((id - 1) / SITEMAP_MAX_URLS) + 1;
}

/** The ids (inclusive) a posts file may hold. */
export function idRangeOf(n: number): { first: number; last: number } {
  return { first: (n - 1) * SITEMAP_MAX_URLS + 1, last: Math.min(n * SITEMAP_MAX_URLS, MAX_ID) };
}

/**
 * The tags (in name order) that pages file n lists: the homepage takes the first place of file 1,
 * so every file holds at most SITEMAP_MAX_URLS addresses.
 */
export function tagSliceOf(n: number): { offset: number; limit: number } {
  return n === 1
    ? { offset: 0, limit: SITEMAP_MAX_URLS - 1 }
    : { offset: (n - 1) * SITEMAP_MAX_URLS - 1, limit: SITEMAP_MAX_URLS };
}

/** How many pages files the homepage and `tagCount` tag pages take. */
export function pagesFileCount(tagCount: number): number {
  return Math.ceil((1 + tagCount) / SITEMAP_MAX_URLS);
}

export function sitemapFileName(file: SitemapFile): string {
  return `${file.kind}-${file.n}.xml`;
}

export function sitemapFilePath(file: SitemapFile): string {
  return `/sitemaps/${sitemapFileName(file)}`;
}

/**
 * "posts-3.xml" → { kind: 'posts', n: 3 }; anything else (leading zeros, numbers past the last
 * possible block, other names) → null, before any query or cache read.
 */
export function parseSitemapFileName(raw: string): SitemapFile | null {
  const match = /^(posts|pages)-([1-9]\d{0,4})\.xml$/.exec(raw);
  if (!match) return null;
  const n = Number(match[2]);
  return n <= MAX_SITEMAP_FILE ? { kind: match[1] as SitemapFileKind, n } : null;
}

export interface SitemapIndex {
  /** Post files holding at least one published post, with the newest publication time in each. */
  posts: { n: number; lastmod: string }[];
  /** Files of the homepage and the tag pages: at least one. */
  pagesFiles: number;
}

export interface SitemapPost {
  slug: string;
  publishedAt: string;
}

/**
 * The index's entries. A posts file's lastmod is the newest publication time in it (its newest
 * <lastmod>). A pages file has none: the homepage and tag pages carry no date of their own, and
 * giving it the newest post's time would claim it changed with every post while it did not.
 */
export function sitemapIndexEntries(siteUrl: string, index: SitemapIndex): { loc: string; lastmod?: string }[] {
  return [
    ...Array.from({ length: index.pagesFiles }, (_, i) => ({
      loc: `${siteUrl}${sitemapFilePath({ kind: 'pages', n: i + 1 })}`,
    })),
    ...index.posts.map((file) => ({
      loc: `${siteUrl}${sitemapFilePath({ kind: 'posts', n: file.n })}`,
      lastmod: file.lastmod,
    })),
  ];
}

export function postUrls(siteUrl: string, posts: readonly SitemapPost[]): SitemapUrl[] {
  return posts.map((post) => ({ loc: `${siteUrl}/posts/${post.slug}`, lastmod: post.publishedAt, priority: 0.8 }));
}

/** Pages file `n`: the homepage first in file 1, then tag pages. */
export function pageUrls(siteUrl: string, n: number, tagNames: readonly string[]): SitemapUrl[] {
  return [
    ...(n === 1 ? [{ loc: `${siteUrl}/`, changefreq: 'daily' as const, priority: 1 }] : []),
    ...tagNames.map((name) => ({ loc: `${siteUrl}/tags/${encodeURIComponent(name)}`, priority: 0.4 })),
  ];
}

/** A sitemap file or the index as an answer; null (a file that holds nothing) is a 404, which is not cached. */
export function sitemapResponse(xml: string | null): Response {
  if (xml === null) return new Response('Not found\n', { status: 404, headers: { 'Content-Type': 'text/plain' } });
  return new Response(xml, { headers: { 'Content-Type': 'application/xml; charset=utf-8' } });
}

export interface SitemapUrl {
  loc: string;
  lastmod?: string;
  changefreq?: 'daily';
  priority?: number;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"';

export function renderUrlset(urls: readonly SitemapUrl[]): string {
  const parts = [HEAD, `<urlset ${NS}>\n`];
  for (const url of urls) {
    parts.push(`<url>\n<loc>${escapeXml(url.loc)}</loc>\n`);
    if (url.lastmod) parts.push(`<lastmod>${url.lastmod}</lastmod>\n`);
    if (url.changefreq) parts.push(`<changefreq>${url.changefreq}</changefreq>\n`);
    if (url.priority !== undefined) parts.push(`<priority>${url.priority}</priority>\n`);
    parts.push('</url>\n');
  }
  parts.push('</urlset>\n');
  return parts.join('');
}

export function renderSitemapIndex(files: readonly { loc: string; lastmod?: string }[]): string {
  const parts = [HEAD, `<sitemapindex ${NS}>\n`];
  for (const file of files) {
    parts.push(`<sitemap>\n<loc>${escapeXml(file.loc)}</loc>\n`);
    if (file.lastmod) parts.push(`<lastmod>${file.lastmod}</lastmod>\n`);
    parts.push('</sitemap>\n');
  }
  parts.push('</sitemapindex>\n');
  return parts.join('');
}
