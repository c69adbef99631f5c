import 'server-only';
import { findMedia, insertMedia, readMediaFile } from '@/db/media';
import type { Database } from '@/db/client';
import type { Media, NewMedia } from '@/db/schema';
import { config } from '@/lib/core/config';
import { processSingleton } from '@/lib/core/process-singleton';
import type { ProcessedFile } from './process';

/*
 * Where the encoded copies of images live. The rows describing images are always in PostgreSQL
 * (db/media.ts); the copies are either beside them (the default: one backup, every host sees
 * them) or in an S3-compatible bucket. Both are read through this app's /media route, never
 * from the bucket's own address: the pages' image policy stays this origin, and the bucket can
 * stay private.
 */

export interface MediaStore {
  readonly kind: 'postgres' | 's3';
  /** Keeps the copies and the row, the row last (or in the same transaction). */
  save(row: NewMedia, files: ProcessedFile[]): Promise<void>;
  read(hash: string, file: string): Promise<{ bytes: Buffer; contentType: string } | null>;
  find(hash: string): Promise<Media | null>;
}

/** The copies beside the rows; `db` for tests, the app's database otherwise. */
export function postgresMediaStore(db?: Database): MediaStore {
  return {
    kind: 'postgres',
    save: (row, files) =>
      insertMedia(
        row,
        files.map(({ name, contentType, bytes }) => ({ file: name, contentType, bytes })),
        db,
      ),
    read: (hash, file) => readMediaFile(hash, file, db),
    find: (hash) => findMedia(hash, db),
  };
}

/** The store MEDIA_STORE names; the S3 client is loaded only when it is the one. */
export function mediaStore(): Promise<MediaStore> {
  return processSingleton('media.store', () =>
    config.MEDIA_STORE === 's3'
      ? import('./s3-store').then(({ s3MediaStore }) =>
          s3MediaStore({
            endpoint: config.MEDIA_S3_ENDPOINT,
            region: config.MEDIA_S3_REGION,
            bucket: config.MEDIA_S3_BUCKET!,
            accessKeyId: config.MEDIA_S3_ACCESS_KEY_ID!,
            secretAccessKey: config.MEDIA_S3_SECRET_ACCESS_KEY!,
          }),
        )
      : Promise.resolve(postgresMediaStore()),
  );
}
