import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import type { Database } from '@/db/client';
import { parseFullSizeUrl } from '@/lib/media/urls';
import type { MediaStore } from '@/lib/media/store';
import { exportImages, type ManifestImage } from './images';
import { commentsOf, exportedAccounts, postsAfter } from '@/db/exports';
import type { Archive, ArchiveComment, ArchivePost } from './archive';

/*
 * A blog written out so that it can be read without Freshpress: one Markdown file per post (front
 * matter for its title, slug, state, dates, tags, author and comments; the body as written), and
 * manifest.json holding the same posts, comments with their threading, the authors (no password
 * hashes), the tags and the images the posts show. `readExport` reads it back into an archive that
 * lib/moving/import.ts imports: the round trip tests/integration/export.test.ts checks.
 *
 * Images: every uploaded image is copied, all its sizes, under images/ (./images.ts); images from
 * elsewhere are listed by address, with the posts that show them, and stay where they are.
 */

export const EXPORT_FORMAT = 'freshpress-export';
export const EXPORT_VERSION = 1;
const PAGE = 1000;

export interface ManifestComment {
  id: number;
  postId: number;
  parentId: number | null;
  parentRemoved: boolean;
  authorName: string;
  authorEmail: string;
  status: 'pending' | 'published' | 'spam';
  createdAt: string;
  body: string;
}

export interface Manifest {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  site: string;
  authors: { id: number; name: string; email: string; role: string; removed: boolean }[];
  tags: string[];
  posts: {
    id: number;
    file: string;
    slug: string;
    title: string;
    status: 'draft' | 'published';
    publishedAt: string | null;
    updatedAt: string;
    tags: string[];
    authorId: number | null;
  }[];
  comments: ManifestComment[];
  /** The uploaded images, their files under images/<hash>/. */
  images: ManifestImage[];
  /** Images the posts show from other addresses: not copied. */
  externalImages: { url: string; postIds: number[] }[];
  notes: string[];
}

/** What each post's front matter holds; the body follows it. */
interface FrontMatter {
  id: number;
  title: string;
  slug: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  updatedAt: Date;
  tags: string[];
  author: { id: number; name: string; email: string } | null;
  comments: {
    id: number;
    parentId: number | null;
    parentRemoved: boolean;
    author: string;
    email: string;
    status: 'pending' | 'published' | 'spam';
    date: Date;
    body: string;
  }[];
}

function imagesOf(body: string): string[] {
  const urls = new Set<string>();
  for (const match of body.matchAll(/<img\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)) urls.add(match[1]!);
  for (const match of body.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^)]*["'])?\s*\)/g)) urls.add(match[1]!);
  return [...urls];
}

export interface ExportSummary {
  posts: number;
  comments: number;
  authors: number;
  images: number;
  externalImages: number;
}

/** Writes the blog into `dir` (which must exist and be empty: the caller checks); `store` holds its uploaded images. */
export async function exportBlog(db: Database, dir: string, site: string, store: MediaStore): Promise<ExportSummary> {
  const accounts = await exportedAccounts(db);
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const manifest: Manifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    site,
    authors: accounts.map((a) => ({
      id: a.id,
      name: a.name,
      email: a.email,
      role: a.role,
      removed: a.removedAt !== null,
    })),
    tags: [],
    posts: [],
    comments: [],
    images: [],
    externalImages: [],
    notes: [],
  };
  const tags = new Set<string>();
  const images = new Map<string, number[]>();
  await mkdir(path.join(dir, 'posts'), { recursive: true });
  for (let after = 0; ;) {
    const page = await postsAfter(db, after, PAGE);
    if (page.length === 0) break;
    after = page.at(-1)!.id;
    const postComments = await commentsOf(
      db,
      page.map((p) => p.id),
    );
    const commentsByPost = new Map<number, typeof postComments>();
    for (const c of postComments) commentsByPost.set(c.postId, [...(commentsByPost.get(c.postId) ?? []), c]);
    for (const post of page) {
      const postTags = post.tagNames.split(' ').filter(Boolean);
      for (const name of postTags) tags.add(name);
      for (const url of imagesOf(post.body)) images.set(url, [...(images.get(url) ?? []), post.id]);
      const own = commentsByPost.get(post.id) ?? [];
      const author = post.authorId === null ? null : (byId.get(post.authorId) ?? null);
      const file = `posts/${post.slug}.md`;
      const front: FrontMatter = {
        id: post.id,
        title: post.title,
        slug: post.slug,
        status: post.status,
        publishedAt: post.publishedAt,
        updatedAt: post.updatedAt,
        tags: postTags,
        author: author && { id: author.id, name: author.name, email: author.email },
        comments: own.map((c) => ({
          id: c.id,
          parentId: c.parentId,
          parentRemoved: c.parentRemoved,
          author: c.authorName,
          email: c.authorEmail,
          status: c.status,
          date: c.createdAt,
          body: c.body,
        })),
      };
      // One newline always added, and taken off when read: the body comes back byte for byte.
      await writeFile(path.join(dir, file), matter.stringify(`${post.body}\n`, front));
      manifest.posts.push({
        id: post.id,
        file,
        slug: post.slug,
        title: post.title,
        status: post.status,
        publishedAt: post.publishedAt?.toISOString() ?? null,
        updatedAt: post.updatedAt.toISOString(),
        tags: postTags,
        authorId: post.authorId,
      });
      for (const c of own)
        manifest.comments.push({
          id: c.id,
          postId: c.postId,
          parentId: c.parentId,
          parentRemoved: c.parentRemoved,
          authorName: c.authorName,
          authorEmail: c.authorEmail,
          status: c.status,
          createdAt: c.createdAt.toISOString(),
          body: c.body,
        });
    }
  }
  manifest.tags = [...tags].sort();
  const shownBy = new Map<string, number[]>();
  for (const [url, postIds] of images) {
    const upload = parseFullSizeUrl(url);
    if (upload) shownBy.set(upload.hash, [...(shownBy.get(upload.hash) ?? []), ...postIds]);
    else manifest.externalImages.push({ url, postIds });
  }
  manifest.images = await exportImages(db, store, dir, shownBy);
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    posts: manifest.posts.length,
    comments: manifest.comments.length,
    authors: manifest.authors.length,
    images: manifest.images.length,
    externalImages: manifest.externalImages.length,
  };
}

export class UnreadableArchive extends Error {}

const date = (value: unknown): Date | null => {
  if (value === null || value === undefined || value === '') return null;
  const parsed = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(parsed.getTime()) ? null : parsed;
};

/** The uploaded images an export holds (./images.ts reads their files). */
export async function readExportImages(dir: string): Promise<ManifestImage[]> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Partial<Manifest>;
  return Array.isArray(manifest.images) ? manifest.images : [];
}

/**
 * An export read back: the manifest for the authors and the files, each post's file for its
 * content and comments (so a post edited in its file comes back edited).
 */
export async function readExport(dir: string): Promise<Archive> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new UnreadableArchive(`${dir} holds no readable manifest.json: is it a directory npm run export wrote?`);
  }
  if (manifest.format !== EXPORT_FORMAT || manifest.version !== EXPORT_VERSION)
    throw new UnreadableArchive(`${dir}/manifest.json is not a Freshpress export of version ${EXPORT_VERSION}.`);
  const archive: Archive = {
    source: `freshpress:${manifest.site}`,
    authors: manifest.authors.map((a) => ({ key: String(a.id), email: a.email, name: a.name })),
    posts: [],
    comments: [],
    attachments: [],
    skipped: [],
    notes: [],
  };
  for (const entry of manifest.posts) {
    let parsed: matter.GrayMatterFile<string>;
    try {
      parsed = matter(await readFile(path.join(dir, entry.file), 'utf8'));
    } catch (error) {
      archive.skipped.push({
        what: `post ${entry.id} (${entry.file})`,
        reason: `unreadable: ${(error as Error).message}`,
      });
      continue;
    }
    const front = parsed.data as Partial<FrontMatter>;
    const status = front.status === 'published' ? 'published' : 'draft';
    const post: ArchivePost = {
      sourceId: String(front.id ?? entry.id),
      slug: String(front.slug ?? entry.slug),
      title: String(front.title ?? entry.title),
      body: parsed.content.replace(/\n$/, ''),
      status,
      publishedAt: date(front.publishedAt),
      updatedAt: date(front.updatedAt),
      tags: (front.tags ?? []).map(String).sort(),
      authorKey: front.author ? String(front.author.id) : null,
    };
    if (status === 'published' && !post.publishedAt) {
      archive.skipped.push({ what: `post ${post.sourceId} (${entry.file})`, reason: 'published without a date' });
      continue;
    }
    archive.posts.push(post);
    for (const c of front.comments ?? []) {
      const comment: ArchiveComment = {
        sourceId: String(c.id),
        postSourceId: post.sourceId,
        parentSourceId: c.parentId === null || c.parentId === undefined ? null : String(c.parentId),
        parentRemoved: c.parentRemoved === true,
        authorName: String(c.author),
        authorEmail: String(c.email ?? ''),
        body: String(c.body),
        status: c.status === 'pending' || c.status === 'spam' ? c.status : 'published',
        createdAt: date(c.date) ?? new Date(0),
      };
      archive.comments.push(comment);
    }
  }
  return archive;
}
