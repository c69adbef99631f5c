import 'server-only';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Database } from '@/db/client';
import { findMedia, insertMedia } from '@/db/media';
import type { MediaStore } from './store';

export interface S3Settings {
  /** Unset: AWS itself. Set: another S3-compatible service, addressed by path (bucket in the path, not the host). */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Each copy is the object `<hash>/<file>`, the same path as its address under /media. */
export const objectKey = (hash: string, file: string) => `${hash}/${file}`;

/** `db` (where the rows go) for tests, the app's database otherwise. */
export function s3MediaStore(settings: S3Settings, db?: Database): MediaStore {
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.endpoint !== undefined,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
  });
  return {
    kind: 's3',
    async save(row, files) {
      await Promise.all(
        files.map((file) =>
          client.send(
            new PutObjectCommand({
              Bucket: settings.bucket,
              Key: objectKey(row.hash, file.name),
              Body: file.bytes,
              ContentType: file.contentType,
              CacheControl: 'public, max-age=31536000, immutable',
            }),
          ),
        ),
      );
      // A failure here leaves copies no row names: harmless, and the same upload writes them again.
      await insertMedia(row, [], db);
    },
    async read(hash, file) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: objectKey(hash, file) }));
        if (!object.Body) return null;
        return {
          bytes: Buffer.from(await object.Body.transformToByteArray()),
          contentType: object.ContentType ?? 'application/octet-stream',
        };
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
        throw error;
      }
    },
    find: (hash) => findMedia(hash, db),
  };
}
