import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '@/db/client';
import { listMedia } from '@/db/media';
import { parseMediaFile, fullSizeFile, variantFile, variantWidths, type MediaType } from '@/lib/media/urls';
import { mediaStore, postgresMediaStore, type MediaStore } from '@/lib/media/store';
import { config } from '@/lib/core/config';

/*
 * Uploaded images in an export: every copy of every image as a file, `images/<hash>/<file>` (the
 * same names as their addresses, /media/<hash>/<file>, so a post's Markdown still names them), and
 * a manifest entry with what the row holds. Read back, an image the blog does not hold yet is kept
 * through the store the blog uses, at the same address: the posts that show it need no change.
 */

export interface ManifestImage {
  hash: string;
  type: MediaType;
  width: number;
  height: number;
  bytes: number;
  originalName: string;
  createdAt: string;
  /** Its copies' file names, under images/<hash>/: the full size first. */
  files: string[];
  /** The posts whose bodies show it (by its full size's address). */
  postIds: number[];
}

/** The store the blog's settings name; for PostgreSQL, on the script's own connection. */
export function storeFor(db: Database): Promise<MediaStore> {
  return config.MEDIA_STORE === 'postgres' ? Promise.resolve(postgresMediaStore(db)) : mediaStore();
}

export async function exportImages(
  db: Database,
  store: MediaStore,
  dir: string,
  shownBy: ReadonlyMap<string, number[]>,
): Promise<ManifestImage[]> {
  const images: ManifestImage[] = [];
  for (const row of await listMedia(db)) {
    const type = row.type as MediaType;
    const names = [
      fullSizeFile(row.width, row.height, type),
      ...variantWidths(row.width).map((w) => variantFile(w, type)),
    ];
    const files: string[] = [];
    await mkdir(path.join(dir, 'images', row.hash), { recursive: true });
    for (const name of names) {
      const copy = await store.read(row.hash, name);
      if (!copy) continue;
      await writeFile(path.join(dir, 'images', row.hash, name), copy.bytes);
      files.push(name);
    }
    images.push({
      hash: row.hash,
      type,
      width: row.width,
      height: row.height,
      bytes: row.bytes,
      originalName: row.originalName,
      createdAt: row.createdAt.toISOString(),
      files,
      postIds: shownBy.get(row.hash) ?? [],
    });
  }
  return images;
}

export interface ImagesRead {
  added: number;
  present: number;
  skipped: { what: string; reason: string }[];
}

/** The export's images the blog lacks, kept through `store`; one it holds already is left as it is. */
export async function importImages(
  store: MediaStore,
  dir: string,
  images: readonly ManifestImage[],
): Promise<ImagesRead> {
  const read: ImagesRead = { added: 0, present: 0, skipped: [] };
  for (const image of images) {
    if (!/^[0-9a-f]{64}$/.test(image.hash)) {
      read.skipped.push({ what: `image ${String(image.hash).slice(0, 80)}`, reason: 'not an image address' });
      continue;
    }
    if (await store.find(image.hash)) {
      read.present += 1;
      continue;
    }
    const files = [];
    for (const name of image.files) {
      const kind = parseMediaFile(image.hash, name);
      if (!kind) continue;
      const bytes = await readFile(path.join(dir, 'images', image.hash, name)).catch(() => null);
      if (bytes) files.push({ name, contentType: kind.contentType, bytes });
    }
    if (files.length === 0 || files[0]!.name !== fullSizeFile(image.width, image.height, image.type)) {
      read.skipped.push({ what: `image ${image.hash}`, reason: 'its full-size file is missing from the export' });
      continue;
    }
    await store.save(
      {
        hash: image.hash,
        type: image.type,
        width: image.width,
        height: image.height,
        bytes: image.bytes,
        originalName: image.originalName,
        createdAt: new Date(image.createdAt),
      },
      files,
    );
    read.added += 1;
  }
  return read;
}
