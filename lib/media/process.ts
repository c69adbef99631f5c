import { createHash } from 'node:crypto';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { fullSizeFile, MEDIA_TYPES, variantFile, variantWidths, type MediaType } from './urls';

/*
 * What an upload must be to be kept, and what is kept of it. The type is read from the bytes, never
 * from the name or the browser's word; the name may only agree with it. Nothing of the upload is
 * served as sent: every copy is decoded and encoded again by sharp, which writes no metadata (EXIF,
 * GPS, comments, ICC profiles), after turning the pixels the way the camera's orientation said.
 *
 * Refused: SVG (a document that can run script, not a picture), anything but the five raster
 * types, a name whose extension says another type, a file that is also a web page or a script (a
 * polyglot: harmless as an image, but a browser or a proxy that sniffs could run it), and images
 * whose pixel count could exhaust memory when decoded (a small file can declare a huge image).
 */

/** Decoding more than this many pixels is refused: 50 million, e.g. 8660 × 5773, with room for panoramas. */
export const MAX_PIXELS = 50_000_000;
/** The URL format writes five digits at most (lib/media/urls.ts). */
const MAX_SIDE = 99_999;

export class MediaRefusal extends Error {
  constructor(
    message: string,
    /** 413 too large, 415 not an accepted type, 422 accepted type but refused contents. */
    readonly status: 413 | 415 | 422,
  ) {
    super(message);
    this.name = 'MediaRefusal';
  }
}

const startsWith = (bytes: Buffer, signature: string, at = 0) =>
  bytes.length >= at + signature.length && bytes.toString('latin1', at, at + signature.length) === signature;

/** The type the bytes declare by their signature, or null. */
export function sniffType(bytes: Buffer): MediaType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (startsWith(bytes, '\x89PNG\r\n\x1a\n')) return 'png';
  if (startsWith(bytes, 'GIF87a') || startsWith(bytes, 'GIF89a')) return 'gif';
  if (startsWith(bytes, 'RIFF') && startsWith(bytes, 'WEBP', 8)) return 'webp';
  if (startsWith(bytes, 'ftyp', 4) && (startsWith(bytes, 'avif', 8) || startsWith(bytes, 'avis', 8))) return 'avif';
  return null;
}

// Markup a browser would act on if it ever took the file for a page, a document or a script.
const MARKUP = /<(?:!doctype|html|head|body|script|svg|iframe|object|embed|meta|\?xml|\?php)[\s>/]/i;

function looksLikeSvg(bytes: Buffer): boolean {
  return /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!doctype\s+svg[^>]*>\s*)?<svg[\s>]/i.test(
    bytes.toString('utf8', 0, Math.min(bytes.length, 4096)).replace(/^\ufeff/, ''),
  );
}

const EXTENSIONS: Record<string, MediaType> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  jfif: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'avif',
};

const NAMES: Record<MediaType, string> = { jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', avif: 'AVIF' };
const ACCEPTED = 'JPEG, PNG, WebP, GIF or AVIF';

/** The type the bytes are, or a refusal saying why not; `name` is the file's name as the browser sent it. */
export function checkUpload(bytes: Buffer, name: string): MediaType {
  if (bytes.length === 0) throw new MediaRefusal('The file is empty: choose an image to upload.', 422);
  const type = sniffType(bytes);
  if (!type) {
    if (looksLikeSvg(bytes))
      throw new MediaRefusal(`SVG images are not accepted: they can carry scripts. Upload a ${ACCEPTED} image.`, 415);
    throw new MediaRefusal(`That file is not an image this blog accepts: upload a ${ACCEPTED} image.`, 415);
  }
  const extension = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase();
  if (extension !== undefined && EXTENSIONS[extension] !== type) {
    throw new MediaRefusal(
      `The file is named “.${extension}” but is a ${NAMES[type]} image: rename it to .${MEDIA_TYPES[type].ext} if that is what you meant, and upload it again.`,
      422,
    );
  }
  if (MARKUP.test(bytes.toString('latin1')))
    throw new MediaRefusal(
      `The file is a ${NAMES[type]} image that also contains web-page or script markup, which could run in a browser: it was refused. Save the image again from an image editor and upload that.`,
      422,
    );
  return type;
}

export interface ProcessedFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface ProcessedImage {
  /** SHA-256 of the upload as sent: the same file uploaded twice is kept once. */
  hash: string;
  type: MediaType;
  width: number;
  height: number;
  /** The full size first, then the narrower copies. */
  files: ProcessedFile[];
}

// Encoders' settings: a quality readers do not notice, at a cost a small server can pay per upload.
function encode(image: Sharp, type: MediaType): Sharp {
  switch (type) {
    case 'jpeg':
      return image.jpeg({ quality: 82, progressive: true });
    case 'png':
      return image.png({ compressionLevel: 8 });
    case 'webp':
      return image.webp({ quality: 80 });
    case 'gif':
      return image.gif();
    case 'avif':
      return image.avif({ quality: 55, effort: 3 });
  }
}

/** Checks an upload and makes the copies to keep; a `MediaRefusal` says why one is not kept. */
export async function processImage(bytes: Buffer, name: string): Promise<ProcessedImage> {
  const type = checkUpload(bytes, name);
  let metadata: Metadata;
  try {
    // The header alone, so a refusal can say how large the image is; decoding is held to the limit below.
    metadata = await sharp(bytes, { animated: true, limitInputPixels: false, failOn: 'error' }).metadata();
  } catch {
    throw new MediaRefusal(`The file could not be read as a ${NAMES[type]} image: it may be damaged.`, 422);
  }
  const sniffed = metadata.format === 'heif' ? 'avif' : metadata.format;
  if (sniffed !== type) throw new MediaRefusal(`The file could not be read as a ${NAMES[type]} image.`, 422);
  // An animated GIF or WebP keeps every frame, each resized alike.
  const animated = (type === 'gif' || type === 'webp') && (metadata.pages ?? 1) > 1;
  const input = { limitInputPixels: MAX_PIXELS, animated, failOn: 'error' as const };
  const frameHeight = animated ? metadata.pageHeight : metadata.height;
  if (!metadata.width || !frameHeight) throw new MediaRefusal('The image has no size.', 422);
  // Checked before any pixel is decoded: a few kilobytes can declare billions of pixels.
  const frames = animated ? (metadata.pages ?? 1) : 1;
  if (metadata.width * frameHeight * frames > MAX_PIXELS)
    throw new MediaRefusal(
      `The image is ${metadata.width} × ${frameHeight} pixels${frames > 1 ? ` in ${frames} frames` : ''}, more than the ${MAX_PIXELS / 1_000_000} million pixels accepted: make it smaller and upload it again.`,
      413,
    );
  // Orientations 5–8 turn a photo a quarter: width and height swap once it is applied (sharp turns
  // no animation).
  const turned = !animated && (metadata.orientation ?? 1) >= 5;
  const width = turned ? frameHeight : metadata.width;
  const height = turned ? metadata.width : frameHeight;
  if (width > MAX_SIDE || height > MAX_SIDE) throw new MediaRefusal('The image is too wide or too tall.', 413);

  const source = animated ? sharp(bytes, input) : sharp(bytes, input).rotate();
  const { contentType } = MEDIA_TYPES[type];
  try {
    const files: ProcessedFile[] = [
      { name: fullSizeFile(width, height, type), contentType, bytes: await encode(source.clone(), type).toBuffer() },
    ];
    for (const w of variantWidths(width)) {
      const resized = source.clone().resize({ width: w, withoutEnlargement: true });
      files.push({ name: variantFile(w, type), contentType, bytes: await encode(resized, type).toBuffer() });
    }
    return { hash: createHash('sha256').update(bytes).digest('hex'), type, width, height, files };
  } catch (error) {
    // A file whose header reads but whose pixels do not (truncated, corrupt): the sender's fault.
    if (error instanceof Error && /Input|corrupt|premature|bad|invalid/i.test(error.message))
      throw new MediaRefusal(`The file could not be read as a ${NAMES[type]} image: it may be damaged.`, 422);
    throw error;
  }
}
