import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import compression from 'compression';
import Negotiator from 'negotiator';
import type { FreshnessChecks } from '@/lib/page-cache/freshness';
import { NEXT_HEADERS, requestIsFresh, RSC_QUERY } from '@/lib/page-cache/next-internals';
import { withServedEntryNote, type FastPathReport, type ServedEntry } from '@/lib/page-cache/served-entry';

/*
 * Cache hits answered from memory, in front of Next. A cached page's answer is bytes: once Next has
 * answered a request from a cache entry (x-nextjs-cache: HIT), its status, headers and body are
 * kept here, with the body's brotli and gzip encodings computed once, off the request path. The
 * same request again — same method, URL and the request headers Next varies on — is answered with
 * those bytes, in the encoding the client accepts, for as long as the entry it came from is fresh
 * (lib/page-cache/freshness.ts). Equivalent by construction: every header is the one Next and this
 * server sent (the security headers and the CSP included), Date and framing aside.
 *
 * Whatever this is not sure of goes to Next as before: a method other than GET or HEAD, a header Next
 * acts on that is not part of the key (a server action, draft mode, on-demand revalidation), an
 * encoding the answer was never made in, a 304 whose shape Next has not shown yet, an entry this
 * process does not hold or cannot check.
 */

/** Request headers Next's page answers vary on (its Vary header); part of the key. */
const KEYED_HEADERS = [
  NEXT_HEADERS.rsc,
  NEXT_HEADERS.routerStateTree,
  NEXT_HEADERS.prefetch,
  NEXT_HEADERS.segmentPrefetch,
  NEXT_HEADERS.nextUrl,
];
const KEYED: ReadonlySet<string> = new Set(KEYED_HEADERS);
const VARY_UNDERSTOOD: ReadonlySet<string> = new Set([...KEYED_HEADERS, 'accept-encoding']);
/** Draft mode's and preview's cookies: the answer is rendered for that visitor alone. */
const BYPASS_COOKIE = /(?:^|;\s*)(?:__prerender_bypass|__next_preview_data)=/;
/** Headers that are the connection's or the moment's, not the answer's. */
const NOT_KEPT = new Set([
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
]);
/** compression()'s own preferences (server/serve.ts). */
const ENCODINGS = ['br', 'gzip', 'deflate', 'identity'];
const PREFERRED = ['br', 'gzip'];
/** A body larger than this is not kept (the sitemap of a very large blog): Next serves it as before. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const compressBrotli = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/** Header names and values in one flat list, as `writeHead` takes them without building an object. */
type RawHeaders = (string | number)[];

interface Answer {
  status: number;
  /** The headers kept from Next's answer, from which `raw` is made. */
  headers: OutgoingHttpHeaders;
  /** The headers to send as they are (HEAD keeps Next's length), then per encoding with their length. */
  raw: { head: RawHeaders; identity: RawHeaders; br: RawHeaders | null; gzip: RawHeaders | null };
  identity: Buffer;
  br: Buffer | null;
  gzip: Buffer | null;
  /**
   * Whether compression() encodes this answer for a client that accepts it, as seen when Next's
   * answer went to such a client (its rules — type, size, how Next wrote the body — are not guessed
   * here); null until then.
   */
  encodable: boolean | null;
  etag: string | undefined;
  /** The headers of Next's 304 to a request for this answer, once one has been seen. */
  notModified: RawHeaders | null;
  entry: ServedEntry;
  size: number;
}

export interface FastPathOptions {
  memoryBytes: number;
  freshness: FreshnessChecks;
  /** Counts a request answered here, as the server counts Next's answers. */
  count: (req: IncomingMessage, status: number) => void;
  /** A request that must go to Next whatever is held (a warm-up render). */
  bypass?: (req: IncomingMessage) => boolean;
}

/** A byte-bounded LRU of answers: a Map keeps insertion order, the first is the least recently used. */
class Answers {
  private readonly answers = new Map<string, Answer>();
  private bytes = 0;

  constructor(private readonly limit: number) {}

  get size() {
    return this.answers.size;
  }

  get usedBytes() {
    return this.bytes;
  }

  get(key: string): Answer | undefined {
    const answer = this.answers.get(key);
    if (answer) {
      this.answers.delete(key);
      this.answers.set(key, answer);
    }
    return answer;
  }

  peek(key: string): Answer | undefined {
    return this.answers.get(key);
  }

  set(key: string, answer: Answer): void {
    this.delete(key);
    if (answer.size > this.limit / 4) return;
    this.answers.set(key, answer);
    this.bytes += answer.size;
    for (const [oldest, old] of this.answers) {
      if (this.bytes <= this.limit) break;
      this.answers.delete(oldest);
      this.bytes -= old.size;
    }
  }

  delete(key: string): void {
    const answer = this.answers.get(key);
    if (!answer) return;
    this.answers.delete(key);
    this.bytes -= answer.size;
  }
}

// negotiator 0.6.4 (compression()'s own) takes the preference order as a second argument its types omit.
const chooseEncoding = (req: IncomingMessage) =>
  (
    new Negotiator(req) as unknown as { encoding(available: string[], preferred: string[]): string | undefined }
  ).encoding(ENCODINGS, PREFERRED);

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : (value ?? ''));

/** The key of a request the fast path may answer, or null when it must go to Next. */
export function answerKey(req: IncomingMessage): string | null {
  if (req.method !== 'GET' && req.method !== 'HEAD') return null;
  const headers = req.headers;
  for (const name of Object.keys(headers)) {
    // A header of Next's own it acts on and does not vary on (a server action, on-demand
    // revalidation, a test or HMR header): not sure what the answer is.
    if ((name.startsWith('next-') || name.startsWith('x-next') || name.startsWith('x-prerender')) && !KEYED.has(name))
      return null;
  }
  if (headers.cookie !== undefined && BYPASS_COOKIE.test(headers.cookie)) return null;
  // Next answers a cached page whatever the query says (the cache key is the path), except for
  // the RSC hash it checks against the router headers: query variants share one answer.
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const rscHash = query === -1 ? null : new URLSearchParams(url.slice(query + 1)).getAll(RSC_QUERY).join('&');
  let key = `${req.method} ${query === -1 ? url : url.slice(0, query)}${rscHash === null ? '' : `?${rscHash}`}`;
  for (const name of KEYED_HEADERS) key += `\n${headerText(headers[name])}`;
  return key;
}

function rawHeaders(headers: OutgoingHttpHeaders, extra: RawHeaders = []): RawHeaders {
  const raw: RawHeaders = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const one of value) raw.push(name, one);
    else if (value !== undefined) raw.push(name, value);
  }
  return [...raw, ...extra];
}

function keptHeaders(res: ServerResponse): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value !== undefined && !NOT_KEPT.has(name)) headers[name] = value;
  }
  return headers;
}

/** compression()'s own rule by Content-Type (its `filter`): false for a type it never encodes. */
function compressionConsiders(req: IncomingMessage, res: ServerResponse): boolean {
  return compression.filter(
    req as Parameters<typeof compression.filter>[0],
    res as Parameters<typeof compression.filter>[1],
  );
}

/** Whether every header the answer varies on is one the key holds (or the encoding, chosen here). */
function varyUnderstood(headers: OutgoingHttpHeaders): boolean {
  const vary = headerText(headers.vary as string | string[] | undefined);
  return vary
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .every((name) => name === '' || VARY_UNDERSTOOD.has(name));
}

type Chunk = string | Buffer | Uint8Array;

export class FastPath {
  private readonly answers: Answers;
  private readonly encoding = new Set<string>();
  private readonly counts = { served: 0, notModified: 0 };
  /** The best-quality brotli under way: one at a time (see refineBrotli). */
  private refining: Promise<void> = Promise.resolve();

  constructor(private readonly options: FastPathOptions) {
    this.answers = new Answers(options.memoryBytes);
  }

  report(): FastPathReport {
    const { checks, requests } = this.options.freshness.counts;
    return {
      answers: this.answers.size,
      bytes: this.answers.usedBytes,
      served: this.counts.served + this.counts.notModified,
      notModified: this.counts.notModified,
      checks,
      checkedRequests: requests,
    };
  }

  /**
   * Answers the request from memory when it can; otherwise runs `next` (the request handed to
   * Next), keeping what Next answers from a cache entry for the next time. `next` calls `capture`
   * right before Next writes, after compression and the script policy have wrapped the response,
   * so the copy taken is the body as Next wrote it.
   */
  handle(req: IncomingMessage, res: ServerResponse, next: (capture: () => void) => void): void {
    const key = this.options.bypass?.(req) ? null : answerKey(req);
    if (key === null) return next(() => undefined);
    const answer = this.answers.get(key);
    if (!answer) return this.pass(key, req, res, next);
    const verdict = this.options.freshness.judge(answer.entry);
    if (typeof verdict === 'string') return this.answerOrPass(verdict, key, answer, req, res, next);
    void verdict.then((settled) => this.answerOrPass(settled, key, answer, req, res, next));
  }

  private answerOrPass(
    verdict: 'fresh' | 'stale' | 'unsure',
    key: string,
    answer: Answer,
    req: IncomingMessage,
    res: ServerResponse,
    next: (capture: () => void) => void,
  ): void {
    if (verdict === 'stale' && this.answers.peek(key) === answer) this.answers.delete(key);
    if (verdict !== 'fresh' || !this.send(answer, req, res)) this.pass(key, req, res, next);
  }

  /** Writes the answer, or returns false when the request needs something it does not hold. */
  private send(answer: Answer, req: IncomingMessage, res: ServerResponse): boolean {
    if (answer.etag !== undefined && requestIsFresh(req.headers, { etag: answer.etag })) {
      if (!answer.notModified) return false;
      res.writeHead(304, answer.notModified);
      res.end();
      this.counts.notModified += 1;
      this.options.count(req, 304);
      return true;
    }
    if (req.method === 'HEAD') {
      res.writeHead(answer.status, answer.raw.head);
      res.end();
    } else {
      let body = answer.identity;
      let headers = answer.raw.identity;
      if (answer.encodable !== false) {
        const chosen = chooseEncoding(req);
        if (chosen === 'br' || chosen === 'gzip') {
          const encoded = answer[chosen];
          const raw = answer.raw[chosen];
          if (answer.encodable === null || !encoded || !raw) return false;
          body = encoded;
          headers = raw;
        } else if (chosen === 'deflate') {
          return false;
        }
      }
      res.writeHead(answer.status, headers);
      res.end(body);
    }
    this.counts.served += 1;
    this.options.count(req, answer.status);
    return true;
  }

  /** Hands the request to Next, keeping a copy of an answer it gives from a cache entry. */
  private pass(key: string, req: IncomingMessage, res: ServerResponse, next: (capture: () => void) => void): void {
    let body: () => Buffer | null = () => null;
    const { note } = withServedEntryNote(() =>
      next(() => {
        body = this.tee(res);
      }),
    );
    res.once('finish', () => {
      const entry = note();
      if (!entry || res.getHeader(NEXT_HEADERS.cacheState) !== 'HIT') return;
      if (res.statusCode === 304) {
        const answer = this.answers.peek(key);
        if (answer && answer.entry.lastModified === entry.lastModified)
          answer.notModified = rawHeaders(keptHeaders(res));
        return;
      }
      const identity = body();
      if (res.statusCode !== 200 || identity === null) return;
      if (req.method === 'GET' && identity.length === 0) return;
      void this.keep(key, req, res, identity, entry);
    });
  }

  /** Copies what Next writes, before compression sees it; null once the body is too large to keep. */
  private tee(res: ServerResponse): () => Buffer | null {
    const chunks: Buffer[] = [];
    let length = 0;
    let overflow = false;
    const write = res.write.bind(res) as (chunk: Chunk, ...rest: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    const copy = (chunk: unknown, encoding: unknown) => {
      if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk as Uint8Array);
      length += buffer.length;
      if (length > MAX_BODY_BYTES) {
        overflow = true;
        chunks.length = 0;
      } else chunks.push(buffer);
    };
    res.write = ((chunk: Chunk, ...rest: unknown[]) => {
      copy(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((...args: unknown[]) => {
      copy(args[0], args[1]);
      return end(...args);
    }) as typeof res.end;
    return () => (overflow ? null : Buffer.concat(chunks));
  }

  private async keep(
    key: string,
    req: IncomingMessage,
    res: ServerResponse,
    identity: Buffer,
    entry: ServedEntry,
  ): Promise<void> {
    const headers = keptHeaders(res);
    if (!varyUnderstood(headers)) return;
    const length = res.getHeader('content-length');
    if (key.startsWith('HEAD ') && (typeof length === 'string' || typeof length === 'number'))
      headers['content-length'] = length;
    const previous = this.answers.peek(key);
    const etag = typeof headers.etag === 'string' ? headers.etag : undefined;
    const wanted = req.method === 'GET' ? chooseEncoding(req) : undefined;
    // Not encoded for a client that asked for it, or of a type compression() never encodes (an image:
    // a PNG is compressed already): kept as it is, with no brotli or gzip made for nothing.
    const encodable =
      res.getHeader('content-encoding') !== undefined
        ? true
        : wanted === 'br' || wanted === 'gzip' || !compressionConsiders(req, res)
          ? false
          : (previous?.encodable ?? null);
    const answer: Answer = {
      status: res.statusCode,
      headers,
      identity,
      br: null,
      gzip: null,
      encodable,
      etag,
      notModified: null,
      entry,
      size: 0,
      raw: { head: [], identity: [], br: null, gzip: null },
    };
    if (previous && previous.identity.equals(identity) && (previous.br !== null || encodable === false)) {
      // The same bytes found fresh again (after an unrelated invalidation moved the epoch).
      answer.br = previous.br;
      answer.gzip = previous.gzip;
      answer.notModified = previous.etag === etag ? previous.notModified : null;
    } else if (encodable !== false && key.startsWith('GET ')) {
      if (this.encoding.has(key)) return;
      this.encoding.add(key);
      try {
        [answer.br, answer.gzip] = await Promise.all([
          compressBrotli(identity, brotliAt(FIRST_BROTLI_QUALITY, identity)),
          compressGzip(identity, { level: zlib.Z_BEST_COMPRESSION }),
        ]);
      } finally {
        this.encoding.delete(key);
      }
    }
    this.answers.set(key, withRawHeaders(key, answer));
    const quick = answer.br;
    if (quick && quick !== previous?.br) setTimeout(() => void this.refineBrotli(key, quick), REFINE_AFTER_MS).unref();
  }

  /**
   * Brotli at its best quality costs ~40 ms for a 30 KB page, during which every reader of a page
   * just changed would go to Next: the answer is kept at once with a quick encoding, and its
   * brotli bytes are replaced by the best ones once it has stayed a while (REFINE_AFTER_MS), one
   * page at a time, if it still holds those bytes: a page that changes every few hundred
   * milliseconds (a busy comment thread) would otherwise keep a core compressing versions that
   * are gone before they are done.
   */
  private async refineBrotli(key: string, quick: Buffer): Promise<void> {
    const held = this.answers.peek(key);
    if (held?.br !== quick) return;
    const previous = this.refining;
    let done!: () => void;
    this.refining = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      if (this.answers.peek(key)?.br !== quick) return;
      const best = await compressBrotli(held.identity, brotliAt(zlib.BROTLI_MAX_QUALITY, held.identity));
      const current = this.answers.peek(key);
      if (current?.br === quick) this.answers.set(key, withRawHeaders(key, { ...current, br: best }));
    } finally {
      done();
    }
  }
}

/** Quick to make (~1 ms for 30 KB), within 15% of the best's size: what a changed page is first served in. */
const FIRST_BROTLI_QUALITY = 5;
/** An answer held this long gets the best brotli (see refineBrotli). */
const REFINE_AFTER_MS = 1000;

const brotliAt = (quality: number, body: Buffer) => ({
  params: { [zlib.BROTLI_PARAM_QUALITY]: quality, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
});

/** The answer with its prepared header lists and its size, from the headers kept and its bodies. */
function withRawHeaders(key: string, answer: Answer): Answer {
  const { headers } = answer;
  const raw = {
    head: rawHeaders(headers),
    identity: rawHeaders(headers, ['content-length', answer.identity.length]),
    br: answer.br && rawHeaders(headers, ['content-encoding', 'br', 'content-length', answer.br.length]),
    gzip: answer.gzip && rawHeaders(headers, ['content-encoding', 'gzip', 'content-length', answer.gzip.length]),
  };
  const size =
    key.length +
    answer.identity.length +
    (answer.br?.length ?? 0) +
    (answer.gzip?.length ?? 0) +
    JSON.stringify(headers).length;
  return { ...answer, raw, size };
}
