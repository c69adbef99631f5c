import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/*
 * Images for the upload tests, made on the spot with sharp: no binary fixtures. Each hostile one
 * is the smallest file that shows its trap.
 */

export type Format = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';

/** A picture of `width` × `height` with some detail (a gradient), so encoders have something to encode. */
export async function picture(format: Format, width: number, height: number, options: { exif?: boolean } = {}) {
  const channels = 3;
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = ((x + y) * 127) / (width + height);
    }
  let image = sharp(pixels, { raw: { width, height, channels } });
  if (options.exif)
    image = image.withExif({ IFD0: { Make: 'TestCamera', Artist: 'Someone Private', Copyright: 'secret-exif' } });
  return image.toFormat(format).toBuffer();
}

/** A real PNG followed by a web page: a valid image that is also valid HTML to a sniffing browser. */
export async function pngHtmlPolyglot(): Promise<Buffer> {
  const png = await picture('png', 16, 16);
  return Buffer.concat([png, Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>')]);
}

export const SVG_WITH_SCRIPT = Buffer.from(
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
);

const crc32Table = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = crc32Table[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb: a PNG of a few hundred bytes declaring `side` × `side` grey pixels (its one
 * compressed row stands for all of them; a decoder would have to allocate the whole image first).
 */
export function pngBomb(side: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(side + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
