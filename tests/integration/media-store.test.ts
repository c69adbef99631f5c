import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { sql } from 'drizzle-orm';
import S3rver from 's3rver';
import sharp from 'sharp';
import { freePort } from '@/lib/core/free-port';
import { s3MediaStore } from '@/lib/media/s3-store';
import { postgresMediaStore, type MediaStore } from '@/lib/media/store';
import { uploadImage } from '@/lib/media/upload';
import { picture, pngHtmlPolyglot, SVG_WITH_SCRIPT } from '../support/images';
import { seededDatabaseForFile } from '../support/test-database';

const database = seededDatabaseForFile('media_store');

const asFile = (bytes: Buffer, name: string) => new File([new Uint8Array(bytes)], name);

async function rows(): Promise<{ images: number; files: number }> {
  const [row] = await database.db.execute<{ images: number; files: number }>(
    sql`select (select count(*)::int from media) as images, (select count(*)::int from media_files) as files`,
  );
  return row!;
}

/** What every store must do, given a way to count what it holds. */
function storeBehaviour(name: string, store: () => MediaStore, held: () => Promise<number>, width: number) {
  test(`${name}: an upload keeps its row and every copy, and each copy reads back as the image`, async () => {
    const before = await held();
    const uploaded = await uploadImage(asFile(await picture('png', width, 350), 'harbour-at-dusk.png'), {
      store: store(),
    });
    assert.ok(uploaded.ok, !uploaded.ok ? uploaded.error : '');
    const { image } = uploaded;
    assert.match(image.url, new RegExp(`^/media/[0-9a-f]{64}/${width}x350\\.png$`));
    assert.equal(image.markdown, `![harbour at dusk](${image.url})`);
    assert.deepEqual(
      image.variants.map((variant) => variant.width),
      [320, 640],
    );
    assert.equal(await held(), before + 3);
    const full = await store().read(image.hash, `${width}x350.png`);
    assert.ok(full);
    const { width: storedWidth, height: storedHeight } = await sharp(full.bytes).metadata();
    assert.deepEqual([storedWidth, storedHeight], [width, 350]);
    const small = await store().read(image.hash, '320w.png');
    assert.equal((await sharp(small!.bytes).metadata()).width, 320);
    assert.equal(await store().read(image.hash, '960w.png'), null);
    assert.equal(await store().read('f'.repeat(64), `${width}x350.png`), null);

    const again = await uploadImage(asFile(await picture('png', width, 350), 'same.png'), { store: store() });
    assert.ok(again.ok);
    assert.equal(again.image.url, image.url);
    assert.equal(await held(), before + 3, 'the same file again keeps nothing more');
  });

  test(`${name}: a refused upload keeps nothing`, async () => {
    const before = { held: await held(), rows: await rows() };
    for (const [bytes, fileName] of [
      [SVG_WITH_SCRIPT, 'logo.svg'],
      [await pngHtmlPolyglot(), 'innocent.png'],
      [await picture('jpeg', 20, 20), 'renamed.png'],
      [Buffer.from('not an image at all'), 'notes.jpg'],
    ] as const) {
      const outcome = await uploadImage(asFile(bytes, fileName), { store: store() });
      assert.equal(outcome.ok, false, fileName);
    }
    assert.deepEqual({ held: await held(), rows: await rows() }, before);
  });
}

describe('images in PostgreSQL', () => {
  storeBehaviour(
    'postgres',
    () => postgresMediaStore(database.db),
    async () => (await rows()).files,
    700,
  );

  test('the copies are bytea rows beside the image row, so a pg_dump carries them', async () => {
    const [row] = await database.db.execute<{ type: string; bytes: number }>(
      sql`select pg_typeof(bytes)::text as type, octet_length(bytes) as bytes from media_files limit 1`,
    );
    assert.equal(row?.type, 'bytea');
    assert.ok(row!.bytes > 0);
  });
});

describe('images in an S3 bucket (s3rver)', () => {
  const bucket = 'freshpress-media';
  let server: S3rver;
  let directory: string;
  let settings: Parameters<typeof s3MediaStore>[0];

  before(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'freshpress-s3-'));
    const port = await freePort();
    server = new S3rver({
      port,
      address: '127.0.0.1',
      silent: true,
      directory,
      configureBuckets: [{ name: bucket, configs: [] }],
    });
    await server.run();
    settings = {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    };
  });

  after(async () => {
    await server?.close();
    await rm(directory, { recursive: true, force: true });
  });

  const objects = async () => {
    const client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    client.destroy();
    return listed.Contents?.length ?? 0;
  };

  // Another image than the PostgreSQL tests' (same database): a known image is not stored again.
  storeBehaviour('s3', () => s3MediaStore(settings, database.db), objects, 710);

  test('the bucket holds the copies and PostgreSQL only the row', async () => {
    const before = await rows();
    const uploaded = await uploadImage(asFile(await picture('webp', 400, 300), 'bucket.webp'), {
      store: s3MediaStore(settings, database.db),
    });
    assert.ok(uploaded.ok);
    const now = await rows();
    assert.deepEqual(now, { images: before.images + 1, files: before.files });
  });
});
