import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { renderMarkdown } from '@/lib/content/markdown';
import { checkUpload, MAX_PIXELS, MediaRefusal, processImage, sniffType } from '@/lib/media/process';
import { parseFullSizeUrl, parseMediaFile, srcsetOf } from '@/lib/media/urls';
import { picture, pngBomb, pngHtmlPolyglot, SVG_WITH_SCRIPT, type Format } from '../support/images';

const HASH = 'a'.repeat(64);

/** The refusal `work` ends in: its status and its sentence. */
async function refusal(work: () => unknown): Promise<MediaRefusal> {
  try {
    await work();
  } catch (error) {
    if (error instanceof MediaRefusal) return error;
    throw error;
  }
  assert.fail('the upload was accepted');
}

describe('what an upload is', () => {
  test('each accepted type is read from its bytes, whatever the name says', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif'] as Format[]) {
      const bytes = await picture(format, 8, 8);
      assert.equal(sniffType(bytes), format, format);
      assert.equal(checkUpload(bytes, 'no-extension'), format);
    }
  });

  test('an SVG is refused as such, with the reason, even named .png', async () => {
    for (const name of ['drawing.svg', 'drawing.png']) {
      const refused = await refusal(() => checkUpload(SVG_WITH_SCRIPT, name));
      assert.equal(refused.status, 415);
      assert.match(refused.message, /SVG images are not accepted: they can carry scripts/);
    }
  });

  test('a PNG that is also a web page is refused', async () => {
    const refused = await refusal(async () => checkUpload(await pngHtmlPolyglot(), 'cat.png'));
    assert.equal(refused.status, 422);
    assert.match(refused.message, /also contains web-page or script markup/);
  });

  test('a JPEG named .png is refused, saying what it really is', async () => {
    const refused = await refusal(async () => checkUpload(await picture('jpeg', 8, 8), 'holiday.png'));
    assert.equal(refused.status, 422);
    assert.match(refused.message, /named “\.png” but is a JPEG image/);
  });

  test('text, an empty file and a PDF are refused', async () => {
    for (const [bytes, pattern] of [
      [Buffer.from('just some text, not an image'), /not an image this blog accepts/],
      [Buffer.alloc(0), /empty/],
      [Buffer.from('%PDF-1.7\n'), /not an image this blog accepts/],
    ] as const) {
      const refused = await refusal(() => checkUpload(bytes, 'file.png'));
      assert.match(refused.message, pattern);
    }
  });

  test('a few hundred bytes declaring 100 million pixels are refused before any is decoded', async () => {
    const bomb = pngBomb(10_000);
    assert.ok(bomb.length < 2000);
    const started = performance.now();
    const refused = await refusal(() => processImage(bomb, 'bomb.png'));
    assert.equal(refused.status, 413);
    assert.match(refused.message, new RegExp(`more than the ${MAX_PIXELS / 1_000_000} million pixels`));
    assert.ok(performance.now() - started < 1000);
  });
});

describe('what is kept of an upload', () => {
  test('copies at the fixed widths narrower than the image, plus the full size, without the EXIF', async () => {
    const source = await picture('jpeg', 1000, 500, { exif: true });
    assert.ok(source.includes('secret-exif'));
    const image = await processImage(source, 'photo.jpg');
    assert.deepEqual(
      image.files.map((file) => file.name),
      ['1000x500.jpg', '320w.jpg', '640w.jpg', '960w.jpg'],
    );
    for (const file of image.files) {
      const metadata = await sharp(file.bytes).metadata();
      assert.equal(metadata.format, 'jpeg');
      assert.equal(metadata.exif, undefined, `${file.name} has no EXIF`);
      assert.ok(!file.bytes.includes('secret-exif'));
    }
    assert.equal((await sharp(image.files[1]!.bytes).metadata()).width, 320);
  });

  test('each accepted type is kept as itself, full size and copies', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif'] as Format[]) {
      const image = await processImage(await picture(format, 400, 300), `picture.${format}`);
      const ext = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', avif: 'avif' }[format];
      assert.deepEqual(
        image.files.map((file) => file.name),
        [`400x300.${ext}`, `320w.${ext}`],
      );
      for (const file of image.files)
        assert.equal((await sharp(file.bytes).metadata()).format, format === 'avif' ? 'heif' : format, file.name);
    }
  });

  test('an animated GIF keeps every frame, in each copy', async () => {
    const frame = await picture('png', 400, 100);
    // Three different frames: an encoder may merge identical ones.
    const frames = [frame, await sharp(frame).negate().toBuffer(), await sharp(frame).flop().toBuffer()];
    const animated = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(animated).metadata()).pages, 3);
    const image = await processImage(animated, 'spinner.gif');
    assert.deepEqual([image.width, image.height], [400, 100]);
    assert.deepEqual(
      image.files.map((file) => file.name),
      ['400x100.gif', '320w.gif'],
    );
    for (const file of image.files) assert.equal((await sharp(file.bytes, { animated: true }).metadata()).pages, 3);
  });

  test("a photo's orientation is applied: a portrait taken sideways is stored upright", async () => {
    const sideways = await sharp(await picture('jpeg', 400, 200))
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await processImage(sideways, 'portrait.jpg');
    assert.equal(image.width, 200);
    assert.equal(image.height, 400);
    const stored = await sharp(image.files[0]!.bytes).metadata();
    assert.deepEqual([stored.width, stored.height, stored.orientation], [200, 400, undefined]);
  });
});

describe('addresses and rendering', () => {
  test('only addresses an upload can have are files; anything else is unknown', () => {
    assert.deepEqual(parseMediaFile(HASH, '800x600.png'), { type: 'png', contentType: 'image/png' });
    assert.deepEqual(parseMediaFile(HASH, '640w.webp'), { type: 'webp', contentType: 'image/webp' });
    for (const [hash, file] of [
      [HASH, '641w.png'],
      [HASH, '800x600.svg'],
      [HASH, '800x600.PNG'],
      [HASH, '0x600.png'],
      [HASH.slice(1), '800x600.png'],
      [HASH.toUpperCase(), '800x600.png'],
      [HASH, '800x600.png\u0000'],
      [HASH, '../800x600.png'],
    ])
      assert.equal(parseMediaFile(hash!, file!), null, `${hash}/${file}`);
  });

  test('an uploaded image renders with every copy in srcset, its size, and lazy, asynchronous decoding', () => {
    const html = renderMarkdown(`![A quiet harbour](/media/${HASH}/1000x500.jpg)`).trimEnd();
    assert.equal(
      html,
      `<p><img src="/media/${HASH}/1000x500.jpg" alt="A quiet harbour" srcset="/media/${HASH}/320w.jpg 320w, /media/${HASH}/640w.jpg 640w, /media/${HASH}/960w.jpg 960w, /media/${HASH}/1000x500.jpg 1000w" sizes="(max-width: 42rem) 100vw, 42rem" width="1000" height="500" loading="lazy" decoding="async" /></p>`,
    );
    assert.equal(srcsetOf(parseFullSizeUrl(`/media/${HASH}/300x200.png`)!), `/media/${HASH}/300x200.png 300w`);
  });

  test("another image keeps today's rendering, and an author's own srcset is dropped", () => {
    assert.equal(
      renderMarkdown('![x](https://example.com/a.png)').trimEnd(),
      '<p><img src="https://example.com/a.png" alt="x" loading="lazy" /></p>',
    );
    const html = renderMarkdown(
      `<img src="/media/${HASH}/640w.jpg" srcset="https://evil.example/x.png 2x" sizes="1px" decoding="sync" onerror="alert(1)">`,
    );
    assert.equal(html, `<img src="/media/${HASH}/640w.jpg" loading="lazy" />`);
  });
});
