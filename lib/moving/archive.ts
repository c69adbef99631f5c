/*
 * A blog as it moves in or out: what an importer (a WordPress export, a Freshpress export) reads
 * and what lib/moving/import.ts writes. Every post and comment carries its id where it came from,
 * so the same archive imported twice finds what it wrote the first time.
 */

export interface ArchiveAuthor {
  /** How the archive's posts name their author (a WordPress login, a Freshpress account id). */
  key: string;
  email: string;
  name: string;
}

export interface ArchivePost {
  sourceId: string;
  slug: string;
  title: string;
  body: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  /** Null when the archive does not say: the time of the import, and the next import keeps it. */
  updatedAt: Date | null;
  tags: string[];
  authorKey: string | null;
}

export interface ArchiveComment {
  sourceId: string;
  postSourceId: string;
  /** The comment it answers; when that one is not in the archive, `parentRemoved` and the reply says so. */
  parentSourceId: string | null;
  parentRemoved: boolean;
  authorName: string;
  authorEmail: string;
  body: string;
  status: 'pending' | 'published' | 'spam';
  createdAt: Date;
}

/** Something left out, and why: the import's report lists each one. */
export interface Skipped {
  what: string;
  reason: string;
}

export interface Archive {
  /** Names the blog the archive came from: with each source id, the key of what it imports. */
  source: string;
  authors: ArchiveAuthor[];
  posts: ArchivePost[];
  comments: ArchiveComment[];
  /** Files the posts refer to by address (they keep pointing there). */
  attachments: { sourceId: string; url: string }[];
  skipped: Skipped[];
  /** What was changed on the way in without leaving anything out (a tag renamed, a slug made unique…). */
  notes: string[];
}
