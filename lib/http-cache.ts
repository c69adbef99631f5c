import type { ServerResponse } from 'node:http';

/*
 * What HTTP caches in front of the server may keep. Next's ISR answer (`s-maxage=<revalidate>,
 * stale-while-revalidate=<expireTime>`) lets any shared cache that honours s-maxage keep a page
 * for days after a comment, and nothing here can purge one. So, with no purge-capable tier
 * configured, cached pages and feeds are served as "check with me every time": a CDN or proxy
 * still saves the bandwidth through the ETag and a 304, but never shows an old page.
 * Next's other values (immutable static files, private/no-store dynamic pages) pass unchanged.
 */

/** The caching tier in front of the server. Only `none` exists yet; purging tiers would add modes. */
export type EdgeMode = 'none';

export const REVALIDATE_EVERY_TIME = 'public, max-age=0, must-revalidate';

const SHARED_MAX_AGE = /(?:^|,)\s*s-maxage\s*=/i;

/** The Cache-Control to send for Next's value; undefined stays undefined. */
export function edgeCacheControl(nextValue: string | undefined, edge: EdgeMode = 'none'): string | undefined {
  if (nextValue === undefined || !SHARED_MAX_AGE.test(nextValue)) return nextValue;
  switch (edge) {
    case 'none':
      return REVALIDATE_EVERY_TIME;
  }
}

type HeaderArg = Record<string, unknown> | unknown[] | undefined;

/**
 * Rewrites the header as the response's head leaves. At writeHead because Next sets it late and
 * in several places (sendRenderResult, the app-page template, the 304 path); Node's implicit
 * head goes through writeHead too, so this sees every response.
 */
export function applyEdgeCacheControl(res: ServerResponse, edge: EdgeMode = 'none'): void {
  const { writeHead } = res;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    const current = this.getHeader('cache-control');
    if (typeof current === 'string') {
      const value = edgeCacheControl(current, edge);
      if (value !== undefined && value !== current) this.setHeader('cache-control', value);
    }
    // Headers given to writeHead itself win over setHeader's; rewrite them too.
    const headers = rest.find((arg): arg is HeaderArg => typeof arg === 'object' && arg !== null) as HeaderArg;
    if (headers && !Array.isArray(headers)) {
      for (const name of Object.keys(headers)) {
        const value = headers[name];
        if (name.toLowerCase() === 'cache-control' && typeof value === 'string') headers[name] = edgeCacheControl(value, edge);
      }
    }
    return writeHead.call(this, status, ...(rest as []));
  } as typeof res.writeHead;
}
