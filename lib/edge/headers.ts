import type { ServerResponse } from 'node:http';

/*
 * What HTTP caches in front of the server may keep. Next's ISR answer (`s-maxage=<revalidate>,
 * stale-while-revalidate=<expireTime>`) lets any shared cache that honours s-maxage keep a page
 * for days after a comment. So browsers and unknown caches always get "check with me every time":
 * they still save the bandwidth through the ETag and a 304, but never show an old page.
 *
 * A tier Freshpress purges (EDGE=varnish|fastly|cloudflare) is told more, in headers only it reads
 * and strips: the page's content tags as its cache keys, and a lifetime capped by EDGE_MAX_AGE, so
 * a lost purge heals. Not `s-maxage`: every shared cache on the way would honour that, including
 * ones nobody purges. A response whose keys are not known (a render that raced an invalidation, a
 * segment prefetch, an error page) gets no lifetime at the edge at all.
 *
 * Next's other values (immutable static files, private/no-store dynamic pages) pass unchanged.
 */

export type EdgeMode = 'none' | 'varnish' | 'fastly' | 'cloudflare';

export const REVALIDATE_EVERY_TIME = 'public, max-age=0, must-revalidate';

/**
 * Carries a page's edge keys from the page cache handler to the server, inside the cached value's
 * headers: Next copies those onto the response (HTML and RSC alike), and a value's headers travel
 * with exactly the render they belong to, whichever request is being answered. Never sent on.
 */
export const EDGE_KEYS_HEADER = 'x-freshpress-edge-keys';

interface Tier {
  keys: string;
  separator: string;
  lifetime: string;
  /** The longest keys header the tier takes, in bytes. */
  maxBytes: number;
}

export const EDGE_TIERS: Record<Exclude<EdgeMode, 'none'>, Tier> = {
  // Varnish's default http_resp_hdr_len is 8 KB for a whole header line.
  varnish: { keys: 'xkey', separator: ' ', lifetime: 'surrogate-control', maxBytes: 8000 },
  fastly: { keys: 'surrogate-key', separator: ' ', lifetime: 'surrogate-control', maxBytes: 16_384 },
  // Cloudflare-CDN-Cache-Control, unlike CDN-Cache-Control, is read by Cloudflare alone and not passed on.
  cloudflare: { keys: 'cache-tag', separator: ',', lifetime: 'cloudflare-cdn-cache-control', maxBytes: 16_384 },
};

/** Fastly and Cloudflare refuse longer keys. */
const MAX_KEY_BYTES = 1024;
const SHARED_MAX_AGE = /(?:^|,)\s*s-maxage\s*=\s*(\d+)/i;

let warnedTooLong = 0;

export interface EdgeSettings {
  edge: EdgeMode;
  /** Seconds. */
  maxAge: number;
}

const NO_EDGE: EdgeSettings = { edge: 'none', maxAge: 0 };

/**
 * The headers to send for Next's Cache-Control and the keys the handler attached: Cache-Control
 * (undefined stays undefined) and the tier's own headers, if any.
 */
export function edgeHeaders(
  nextValue: string | undefined,
  keys: string | undefined,
  settings: EdgeSettings = NO_EDGE,
): { cacheControl: string | undefined; tier: [string, string][] } {
  const shared = nextValue === undefined ? null : SHARED_MAX_AGE.exec(nextValue);
  if (!shared) return { cacheControl: nextValue, tier: [] };
  if (settings.edge === 'none' || !keys) return { cacheControl: REVALIDATE_EVERY_TIME, tier: [] };
  const tier = EDGE_TIERS[settings.edge];
  const list = keys.split(' ').filter(Boolean);
  const value = list.join(tier.separator);
  if (list.some((key) => key.length > MAX_KEY_BYTES) || value.length > tier.maxBytes) {
    // Keys cut short would leave the page unpurgeable by the rest: not kept at the edge at all.
    if (Date.now() - warnedTooLong > 60_000) {
      warnedTooLong = Date.now();
      console.warn(
        `[edge] a page's ${list.length} keys (${value.length} bytes) exceed ${tier.keys}'s limit; it is not cached at the edge`,
      );
    }
    return { cacheControl: REVALIDATE_EVERY_TIME, tier: [] };
  }
  const seconds = Math.min(Number(shared[1]), settings.maxAge);
  return {
    cacheControl: REVALIDATE_EVERY_TIME,
    tier: [
      [tier.keys, value],
      [tier.lifetime, `max-age=${seconds}`],
    ],
  };
}

type HeaderArg = Record<string, unknown> | unknown[] | undefined;

/**
 * Rewrites the headers as the response's head leaves. At writeHead because Next sets them late and
 * in several places (sendRenderResult, the app-page template, the 304 path); Node's implicit head
 * goes through writeHead too, so this sees every response.
 */
export function applyEdgeCacheControl(res: ServerResponse, settings: EdgeSettings = NO_EDGE): void {
  const { writeHead } = res;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    const attached = this.getHeader(EDGE_KEYS_HEADER);
    this.removeHeader(EDGE_KEYS_HEADER);
    const keys = Array.isArray(attached) ? attached.join(' ') : typeof attached === 'string' ? attached : undefined;
    const current = this.getHeader('cache-control');
    if (typeof current === 'string') {
      const { cacheControl, tier } = edgeHeaders(current, keys, settings);
      if (cacheControl !== undefined && cacheControl !== current) this.setHeader('cache-control', cacheControl);
      for (const [name, value] of tier) this.setHeader(name, value);
    }
    // Headers given to writeHead itself win over setHeader's; rewrite them too.
    const headers = rest.find((arg): arg is HeaderArg => typeof arg === 'object' && arg !== null) as HeaderArg;
    if (headers && !Array.isArray(headers)) {
      for (const name of Object.keys(headers)) {
        const value = headers[name];
        if (name.toLowerCase() === 'cache-control' && typeof value === 'string')
          headers[name] = edgeHeaders(value, undefined).cacheControl;
      }
    }
    return writeHead.call(this, status, ...(rest as []));
  } as typeof res.writeHead;
}
