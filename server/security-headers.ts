import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/*
 * Security headers on every response, cached pages included, set by the server (server/serve.ts)
 * in front of Next.
 *
 * The Content-Security-Policy allows no inline script but Next's own: each inline <script> of an
 * HTML response that has the exact shape of one Next writes (its bootstrap and its flight data, a
 * fixed statement around JSON) is listed by its SHA-256, computed from the response itself, and
 * any other is left out, so it does not run: an HTML-injection bug elsewhere must not have its
 * script approved here. A nonce would do the same job only if every page were rendered per
 * request, which would switch the page cache off; a hash fits a page rendered once and served many
 * times, and is computed once per distinct page (remembered by the ETag Next gives each cached
 * page). A page that streamed Suspense boundaries would also carry React's own inline runtime,
 * which is not recognised: none does today, and the browser tests see every refused script.
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
const INLINE_SCRIPT = /<script(?![^>]*\ssrc=)([^>]*)>([\s\S]*?)<\/script>/gi;

/**
 * The inline scripts Next 16 writes, as read from its output: each a fixed statement, around JSON
 * where it carries data. The captured part must parse as JSON whole, so nothing can follow it.
 */
const NEXT_SCRIPTS: readonly RegExp[] = [
  // The flight data's queue, then its chunks: a row number and a JSON string (or null).
  /^\(self\.__next_f=self\.__next_f\|\|\[\]\)\.push\(\[0\]\)$/,
  /^self\.__next_f\.push\(\[[1-3],([\s\S]*)\]\)$/,
  // Turbopack's bootstrap: the chunks to load and the modules to run.
  /^\(globalThis\["TURBOPACK"\] \|\| \(globalThis\["TURBOPACK"\] = \[\]\)\)\.push\(([\s\S]*)\);$/,
];

// A type the browser does not run as script (JSON-LD, say) needs no hash.
const DATA_BLOCK = /\stype\s*=\s*["']?(?!(?:text|application)\/(?:x-)?(?:java|ecma)script|module)[^"'\s>]/i;

function isNextScript(body: string): boolean {
  // Markup the HTML parser would treat specially inside a script: Next escapes '<' in its data.
  if (/<!--|<script/i.test(body)) return false;
  for (const shape of NEXT_SCRIPTS) {
    const match = body.match(shape);
    if (!match) continue;
    if (match[1] === undefined) return true;
    try {
      JSON.parse(match[1]);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

export function inlineScriptHashes(html: string): { hashes: string[]; refused: number } {
  const hashes = new Set<string>();
  let refused = 0;
  for (const match of html.matchAll(INLINE_SCRIPT)) {
    const [, attributes = '', body = ''] = match;
    if (DATA_BLOCK.test(attributes)) continue;
    if (!isNextScript(body)) {
      refused += 1;
      continue;
    }
    hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return { hashes: [...hashes], refused };
}

export function contentSecurityPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.length > 0 ? ` ${scriptHashes.join(' ')}` : ''}`,
    // Style attributes (the charts set them) cannot run script; where CSS could carry data away,
    // to a URL, img-src and connect-src allow this origin alone.
    "style-src 'self' 'unsafe-inline'",
    // Uploaded images are served by this origin (/media), whichever store keeps them.
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

// A page rendered per request has no ETag to remember its policy by: its warning would repeat on
// every request. One line a minute, counting the pages it stands for.
const WARN_EVERY_MS = 60_000;
let warnedAt = -Infinity;
let unwarned = 0;

function warnRefused(refused: number, etag: string | null): void {
  const now = Date.now();
  if (now - warnedAt < WARN_EVERY_MS) {
    unwarned++;
    return;
  }
  const since = unwarned > 0 ? ` (and ${unwarned} more page${unwarned === 1 ? '' : 's'} since the last warning)` : '';
  console.warn(
    `[security] ${refused} inline script${refused === 1 ? '' : 's'} of a page (ETag ${etag ?? 'none'}) ${refused === 1 ? 'is' : 'are'} not Next's and will not run${since}`,
  );
  warnedAt = now;
  unwarned = 0;
}

function policyFor(body: Buffer, etag: unknown): string {
  const key = typeof etag === 'string' ? etag : null;
  const known = key === null ? undefined : policyByEtag.get(key);
  if (known) return known;
  const { hashes, refused } = inlineScriptHashes(body.toString('utf8'));
  if (refused > 0) warnRefused(refused, key);
  const policy = contentSecurityPolicy(hashes);
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
