import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb, type Database } from './client';
import { media, mediaFiles, type Media, type NewMedia } from './schema';

/*
 * Uploaded images: their rows, and their encoded copies when PostgreSQL keeps them
 * (MEDIA_STORE=postgres). Nothing here invalidates a page: an image is new content at a new
 * address, and a page changes only when a post that shows it is saved.
 */

export interface StoredFile {
  file: string;
  contentType: string;
  bytes: Buffer;
}

export async function findMedia(hash: string, db: Database = getDb()): Promise<Media | null> {
  const [row] = await db.select().from(media).where(eq(media.hash, hash)).limit(1);
  return row ?? null;
}

/**
 * Writes the row and, when given, the copies, in one transaction. An image uploaded again (or by
 * two authors at once) is the same hash: the first row stays, and the second writes nothing.
 */
export async function insertMedia(row: NewMedia, files: StoredFile[], db: Database = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    const inserted = await tx.insert(media).values(row).onConflictDoNothing().returning({ hash: media.hash });
    if (inserted.length === 0 || files.length === 0) return;
    await tx.insert(mediaFiles).values(files.map((file) => ({ hash: row.hash, ...file })));
  });
}

export async function readMediaFile(
  hash: string,
  file: string,
  db: Database = getDb(),
): Promise<{ bytes: Buffer; contentType: string } | null> {
  const [row] = await db
    .select({ bytes: mediaFiles.bytes, contentType: mediaFiles.contentType })
    .from(mediaFiles)
    .where(and(eq(mediaFiles.hash, hash), eq(mediaFiles.file, file)))
    .limit(1);
  return row ?? null;
}

/** Every image's row, oldest first: what an export copies (lib/moving/images.ts). */
export async function listMedia(db: Database = getDb()): Promise<Media[]> {
  return db.select().from(media).orderBy(media.createdAt, media.hash);
}
