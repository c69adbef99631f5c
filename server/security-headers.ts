import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/*
 * Security headers on every response, cached pages included, set by the server (server/serve.ts)
 * in front of Next.
 *
 * The Content-Security-Policy allows no inline script but the page's own: each inline <script> of
 * an HTML response (Next's hydration data) is listed by its SHA-256, computed from the response
 * itself. A nonce would do the same job only if every page were rendered per request, which would
 * switch the page cache off; a hash fits a page rendered once and served many times, and is
 * computed once per distinct page (remembered by the ETag Next gives each cached page).
 * Scripts load from this origin only ('self': Next's own bundles); nothing is ever evaluated
 * from a string, and JSON answers cannot be loaded as script (nosniff).
 */

const STATIC_HEADERS: ReadonlyArray<[string, string]> = [
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'strict-origin-when-cross-origin'],
  ['x-frame-options', 'DENY'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()'],
];

// Inline scripts only: a <script src=…> is covered by 'self'.
const INLINE_SCRIPT = /<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/gi;

export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const match of html.matchAll(INLINE_SCRIPT)) {
    hashes.add(
      `'sha256-${createHash('sha256')
        .update(match[1] ?? '', 'utf8')
        .digest('base64')}'`,
    );
  }
  return [...hashes];
}

export function contentSecurityPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.length > 0 ? ` ${scriptHashes.join(' ')}` : ''}`,
    // Style attributes (the charts set them) cannot run script; where CSS could carry data away,
    // to a URL, img-src and connect-src allow this origin alone.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const MEMO_LIMIT = 1000;
const policyByEtag = new Map<string, string>();

function policyFor(body: Buffer, etag: unknown): string {
  const key = typeof etag === 'string' ? etag : null;
  const known = key === null ? undefined : policyByEtag.get(key);
  if (known) return known;
  const policy = contentSecurityPolicy(inlineScriptHashes(body.toString('utf8')));
  if (key !== null) {
    if (policyByEtag.size >= MEMO_LIMIT) policyByEtag.delete(policyByEtag.keys().next().value as string);
    policyByEtag.set(key, policy);
  }
  return policy;
}

type Chunk = string | Buffer | Uint8Array;
const toBuffer = (chunk: Chunk, encoding?: BufferEncoding) =>
  typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk);

/** The headers every response carries, whatever it is. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of STATIC_HEADERS) res.setHeader(name, value);
}

/**
 * Holds back an HTML body until it is complete, so its policy can be computed before the headers
 * leave. Cached pages arrive in one piece anyway; a page rendered per request (the statistics)
 * loses its streaming, which is small. Must see the body before any compression does.
 */
export function applyScriptPolicy(res: ServerResponse): void {
  const write = res.write.bind(res) as (chunk: Chunk, encoding?: BufferEncoding, callback?: () => void) => boolean;
  const end = res.end.bind(res) as (chunk?: Chunk, encoding?: BufferEncoding, callback?: () => void) => ServerResponse;
  const flushHeaders = res.flushHeaders.bind(res);
  let held: Buffer[] | null | undefined;
  const holding = (): Buffer[] | null => {
    if (held === undefined)
      held = !res.headersSent && String(res.getHeader('content-type') ?? '').startsWith('text/html') ? [] : null;
    return held;
  };
  const split = (encodingOrCallback?: BufferEncoding | (() => void), callback?: () => void) =>
    typeof encodingOrCallback === 'function'
      ? { encoding: undefined, callback: encodingOrCallback }
      : { encoding: encodingOrCallback, callback };

  res.flushHeaders = () => {
    if (holding() === null) flushHeaders();
  };
  res.write = ((chunk: Chunk, encodingOrCallback?: BufferEncoding | (() => void), maybeCallback?: () => void) => {
    const { encoding, callback } = split(encodingOrCallback, maybeCallback);
    const buffer = holding();
    if (buffer === null) return write(chunk, encoding, callback);
    buffer.push(toBuffer(chunk, encoding));
    callback?.();
    return true;
  }) as typeof res.write;
  res.end = ((
    first?: Chunk | (() => void),
    encodingOrCallback?: BufferEncoding | (() => void),
    maybeCallback?: () => void,
  ) => {
    const chunk = typeof first === 'function' ? undefined : first;
    const { encoding, callback } =
      typeof first === 'function' ? { encoding: undefined, callback: first } : split(encodingOrCallback, maybeCallback);
    const buffer = holding();
    if (buffer === null) return end(chunk ?? undefined, encoding, callback);
    if (chunk !== undefined && chunk !== null) buffer.push(toBuffer(chunk, encoding));
    const body = Buffer.concat(buffer);
    if (body.length > 0 && !res.headersSent)
      res.setHeader('content-security-policy', policyFor(body, res.getHeader('etag')));
    return end(body, undefined, callback);
  }) as typeof res.end;
}
