import 'server-only';
import { redactError } from '@/lib/core/redact';
import { mediaStore } from './store';
import { parseMediaFile } from './urls';

/*
 * The answer to /media/<hash>/<file>. An address names one encoding of one upload forever, so it
 * is cached anywhere for a year, and its ETag is the address itself: a revalidation is answered
 * without reading the store. An address no upload can have made is a 404 before any read.
 */

export const IMMUTABLE = 'public, max-age=31536000, immutable';

const notFound = () =>
  new Response('Not found\n', {
    status: 404,
    // A later upload can make an unknown address real: a 404 must not be kept long.
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=60' },
  });

export async function serveMedia(request: Request, hash: string, file: string): Promise<Response> {
  const parsed = parseMediaFile(hash, file);
  if (!parsed) return notFound();
  const etag = `"${hash}/${file}"`;
  const headers = {
    'content-type': parsed.contentType,
    'cache-control': IMMUTABLE,
    etag,
    'x-content-type-options': 'nosniff',
    // The file is a picture, never a document: should a browser ever open it as one, nothing in it runs.
    'content-security-policy': "default-src 'none'; sandbox",
  };
  if (
    request.headers
      .get('if-none-match')
      ?.split(/\s*,\s*/)
      .includes(etag)
  )
    return new Response(null, { status: 304, headers });
  let stored;
  try {
    stored = await (await mediaStore()).read(hash, file);
  } catch (error) {
    console.error('[media] reading an image failed', redactError(error));
    return new Response('The image could not be read just now.\n', {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '10' },
    });
  }
  if (!stored) return notFound();
  return new Response(new Uint8Array(stored.bytes), {
    headers: { ...headers, 'content-length': String(stored.bytes.length) },
  });
}
