import 'server-only';
import { createHash } from 'node:crypto';
import { redactError } from '@/lib/core/redact';
import { mediaMaxBytes, MULTIPART_FRAMING_BYTES } from './limits';
import { checkUpload, MediaRefusal, processImage } from './process';
import { mediaStore, type MediaStore } from './store';
import { fullSizeFile, mediaUrl, srcsetOf, variantFile, variantWidths, type MediaType } from './urls';

/*
 * An upload from the editor or the API, from the file as sent to the Markdown that shows it. A
 * refusal keeps nothing: every check runs before the first write. Uploading invalidates no page:
 * nothing shows an image until a post that names it is saved, and that save is the post's own
 * change.
 */

export interface UploadedImage {
  hash: string;
  type: MediaType;
  width: number;
  height: number;
  /** The full size's address: what the Markdown names. */
  url: string;
  markdown: string;
  /** The narrower copies, by width. */
  variants: { width: number; url: string }[];
  /** Every copy, as the pages' srcset lists them. */
  srcset: string;
}

export type UploadOutcome = { ok: true; image: UploadedImage } | { ok: false; status: number; error: string };

const MB = 1024 * 1024;

export const tooLarge = (bytes: number) =>
  `The file is ${(bytes / MB).toFixed(1)} MB; the largest image accepted is ${mediaMaxBytes / MB} MB. Make it smaller and upload it again.`;

/** Alt text as Markdown's brackets can hold it. */
export function cleanAlt(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f\\[\]()<>*`!]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
}

/** Alt text from the file's name, until the author writes a better one. */
export const altFromName = (name: string) =>
  cleanAlt(
    name
      .replace(/^.*[\\/]/, '')
      .replace(/\.[^.]*$/, '')
      .replace(/[-_]+/g, ' '),
  );

function described(hash: string, type: MediaType, width: number, height: number, alt: string): UploadedImage {
  const url = mediaUrl(hash, fullSizeFile(width, height, type));
  return {
    hash,
    type,
    width,
    height,
    url,
    markdown: `![${alt}](${url})`,
    variants: variantWidths(width).map((w) => ({ width: w, url: mediaUrl(hash, variantFile(w, type)) })),
    srcset: srcsetOf({ hash, type, width, height }),
  };
}

/** Keeps an image; `uploadedBy` is the account that sent it, when one is known. */
export async function uploadImage(
  file: { name: string; size: number; arrayBuffer(): Promise<ArrayBuffer> },
  options: { alt?: string; uploadedBy?: number | null; store?: MediaStore } = {},
): Promise<UploadOutcome> {
  if (file.size > mediaMaxBytes) return { ok: false, status: 413, error: tooLarge(file.size) };
  const bytes = Buffer.from(await file.arrayBuffer());
  const alt = options.alt?.trim() ? cleanAlt(options.alt) : altFromName(file.name);
  try {
    const type = checkUpload(bytes, file.name);
    const store = options.store ?? (await mediaStore());
    // The same file again: its checks passed, and its copies are kept already.
    const known = await store.find(createHash('sha256').update(bytes).digest('hex'));
    if (known && known.type === type)
      return { ok: true, image: described(known.hash, type, known.width, known.height, alt) };
    const image = await processImage(bytes, file.name);
    await store.save(
      {
        hash: image.hash,
        type: image.type,
        width: image.width,
        height: image.height,
        bytes: bytes.length,
        // PostgreSQL's text holds no NUL.
        originalName: file.name.replaceAll('\u0000', '').slice(0, 255),
        uploadedBy: options.uploadedBy ?? null,
      },
      image.files,
    );
    return { ok: true, image: described(image.hash, image.type, image.width, image.height, alt) };
  } catch (error) {
    if (error instanceof MediaRefusal) return { ok: false, status: error.status, error: error.message };
    throw error;
  }
}

/** For callers that answer a person: the failure logged, a sentence returned. */
export function uploadFailed(error: unknown): UploadOutcome {
  console.error('[media] storing an upload failed', redactError(error));
  return {
    ok: false,
    status: 500,
    error: 'The image could not be stored; nothing was kept. Please try again in a minute.',
  };
}

const DISCARD_LIMIT = 8 * (mediaMaxBytes + MULTIPART_FRAMING_BYTES);

/**
 * The API's multipart body, kept up to the image limit and no further: past it (by its
 * Content-Length, or by what has arrived when it has none) nothing more is kept, so a 50 MB file
 * costs the server no 50 MB of memory.
 */
export async function readUploadForm(
  request: Request,
): Promise<{ form: FormData } | { status: number; error: string }> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType))
    return { status: 415, error: 'Send the image as multipart/form-data, in a field named "file".' };
  const limit = mediaMaxBytes + MULTIPART_FRAMING_BYTES;
  const declared = Number(request.headers.get('content-length'));
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (declared > limit || received > limit) {
      // Read to the end and thrown away (a sender still writing would see a broken connection
      // instead of the answer), up to a bound past which the connection is simply cut.
      if (received > DISCARD_LIMIT) {
        await reader.cancel();
        break;
      }
      continue;
    }
    chunks.push(value);
  }
  if (declared > limit || received > limit) return { status: 413, error: tooLarge(Math.max(declared || 0, received)) };
  try {
    const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': contentType } }).formData();
    return { form };
  } catch {
    return { status: 400, error: 'The body could not be read as multipart/form-data.' };
  }
}
