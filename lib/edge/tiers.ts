import type { Config } from '@/lib/core/config';

/*
 * The purge API of each tier in front (EDGE=varnish|fastly|cloudflare), as its documentation gives
 * it: how many keys one request may carry, and how to send them. The queue that feeds them is
 * ./purger.ts.
 */

/** Where a PURGE carries EDGE_PURGE_TOKEN; deploy/varnish/freshpress.vcl checks it beside its address list. */
export const PURGE_TOKEN_HEADER = 'x-purge-token';

export interface PurgeTier {
  name: string;
  /** Keys per request: the tier's own limit. */
  batch: number;
  /** Header-carried keys: their joined length per request. */
  maxChars: number;
  send(keys: readonly string[], signal: AbortSignal): Promise<void>;
}

async function expectOk(response: Response, what: string): Promise<string> {
  const body = await response.text().catch(() => '');
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${body.slice(0, 200)}`);
  return body;
}

function parsed<T>(body: string): T | null {
  try {
    return JSON.parse(body) as T;
  } catch {
    return null;
  }
}

/** A CDN purge API call: JSON in, a 2xx (and its body) expected back. */
async function postJson(
  url: string,
  headers: Record<string, string>,
  payload: unknown,
  signal: AbortSignal,
  what: string,
): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(payload),
    signal,
  });
  return expectOk(response, what);
}

/** The tier EDGE names, or null for none. */
export function purgeTierOf(
  env: Pick<
    Config,
    | 'EDGE'
    | 'EDGE_PURGE_URL'
    | 'EDGE_PURGE_TOKEN'
    | 'FASTLY_SERVICE_ID'
    | 'FASTLY_API_TOKEN'
    | 'CLOUDFLARE_ZONE_ID'
    | 'CLOUDFLARE_API_TOKEN'
  >,
): PurgeTier | null {
  switch (env.EDGE) {
    case 'none':
      return null;
    case 'varnish': {
      const url = env.EDGE_PURGE_URL!;
      const token = env.EDGE_PURGE_TOKEN!;
      return {
        name: 'varnish',
        // The VCL's xkey.purge takes space-separated keys; Varnish's request header limit is 8 KB.
        batch: 500,
        maxChars: 6000,
        async send(keys, signal) {
          await expectOk(
            await fetch(url, {
              method: 'PURGE',
              headers: { xkey: keys.join(' '), [PURGE_TOKEN_HEADER]: token },
              signal,
            }),
            `PURGE ${url}`,
          );
        },
      };
    }
    case 'fastly': {
      const url = `${(env.EDGE_PURGE_URL ?? 'https://api.fastly.com').replace(/\/$/, '')}/service/${encodeURIComponent(env.FASTLY_SERVICE_ID!)}/purge`;
      return {
        name: 'fastly',
        batch: 256,
        maxChars: Infinity,
        async send(keys, signal) {
          await postJson(
            url,
            { 'fastly-key': env.FASTLY_API_TOKEN! },
            { surrogate_keys: keys },
            signal,
            'Fastly purge',
          );
        },
      };
    }
    case 'cloudflare': {
      const url = `${(env.EDGE_PURGE_URL ?? 'https://api.cloudflare.com').replace(/\/$/, '')}/client/v4/zones/${encodeURIComponent(env.CLOUDFLARE_ZONE_ID!)}/purge_cache`;
      return {
        name: 'cloudflare',
        batch: 100,
        maxChars: Infinity,
        async send(keys, signal) {
          const body = await postJson(
            url,
            { authorization: `Bearer ${env.CLOUDFLARE_API_TOKEN!}` },
            { tags: keys },
            signal,
            'Cloudflare purge',
          );
          if (parsed<{ success?: boolean }>(body)?.success === false)
            throw new Error('Cloudflare purge answered success: false');
        },
      };
    }
  }
}
