/*
 * The addresses of uploaded images. Each says everything a page needs to draw the image without a
 * database read: the content's hash, the full size's width and height, and the type. The smaller
 * copies are made at fixed widths (only those narrower than the image), so the renderer can list
 * them from the full size's address alone. An address never changes meaning: a new image is a new
 * hash, so every copy is served as immutable.
 *
 *   /media/<sha256>/<W>x<H>.<ext>   the full size (what Markdown links to)
 *   /media/<sha256>/<w>w.<ext>      a copy <w> pixels wide
 */

export const MEDIA_PREFIX = '/media/';

/** The widths copies are made at: phones, tablets, laptops and wide screens, at 1x and 2x. */
export const VARIANT_WIDTHS = [320, 640, 960, 1280, 1920] as const;

export const MEDIA_TYPES = {
  jpeg: { ext: 'jpg', contentType: 'image/jpeg' },
  png: { ext: 'png', contentType: 'image/png' },
  webp: { ext: 'webp', contentType: 'image/webp' },
  gif: { ext: 'gif', contentType: 'image/gif' },
  avif: { ext: 'avif', contentType: 'image/avif' },
} as const;

export type MediaType = keyof typeof MEDIA_TYPES;

const TYPE_BY_EXT = new Map<string, MediaType>(
  Object.entries(MEDIA_TYPES).map(([type, { ext }]) => [ext, type as MediaType]),
);

const HASH = /^[0-9a-f]{64}$/;
// Widths and heights of up to five digits: larger images are refused at upload (lib/media/process.ts).
const FILE = /^(?:([1-9]\d{0,4})x([1-9]\d{0,4})|([1-9]\d{0,4})w)\.([a-z]{3,4})$/;

export const fullSizeFile = (width: number, height: number, type: MediaType) =>
  `${width}x${height}.${MEDIA_TYPES[type].ext}`;
export const variantFile = (width: number, type: MediaType) => `${width}w.${MEDIA_TYPES[type].ext}`;
export const mediaUrl = (hash: string, file: string) => `${MEDIA_PREFIX}${hash}/${file}`;

/** The copies an image of this width gets: the fixed widths narrower than it. */
export const variantWidths = (width: number) => VARIANT_WIDTHS.filter((w) => w < width);

/** A route's two segments as an address of a stored file, or null for anything no upload can have made. */
export function parseMediaFile(hash: string, file: string): { type: MediaType; contentType: string } | null {
  if (!HASH.test(hash)) return null;
  const match = FILE.exec(file);
  if (!match) return null;
  const type = TYPE_BY_EXT.get(match[4]!);
  if (!type) return null;
  if (match[3] !== undefined && !(VARIANT_WIDTHS as readonly number[]).includes(Number(match[3]))) return null;
  return { type, contentType: MEDIA_TYPES[type].contentType };
}

export interface FullSize {
  hash: string;
  width: number;
  height: number;
  type: MediaType;
}

/** An image address in a post as the full size of an upload, or null (another image, kept as it is). */
export function parseFullSizeUrl(src: string): FullSize | null {
  if (!src.startsWith(MEDIA_PREFIX)) return null;
  const [hash = '', file = '', ...rest] = src.slice(MEDIA_PREFIX.length).split('/');
  if (rest.length > 0) return null;
  const match = FILE.exec(file);
  if (!match || match[1] === undefined || !HASH.test(hash)) return null;
  const type = TYPE_BY_EXT.get(match[4]!);
  if (!type) return null;
  return { hash, width: Number(match[1]), height: Number(match[2]), type };
}

/** The `srcset` of an upload: each copy at its width, then the full size. */
export function srcsetOf(image: FullSize): string {
  return [
    ...variantWidths(image.width).map((w) => `${mediaUrl(image.hash, variantFile(w, image.type))} ${w}w`),
    `${mediaUrl(image.hash, fullSizeFile(image.width, image.height, image.type))} ${image.width}w`,
  ].join(', ');
}

/** The article column is at most 42rem wide (app/globals.css, --measure), the whole screen below that. */
export const ARTICLE_SIZES = '(max-width: 42rem) 100vw, 42rem';
