import { slotPrefix } from '@/lib/core/redis-keys';
import type { Counts, Granularity, StatsRange } from './types';

/*
 * Where the statistics live in Redis, and the time buckets they are counted in. Pure functions:
 * the recorder, the reader and the tests all name keys through here.
 *
 * Per bucket and granularity:
 *   <p>:t:<g>:<start>           hash  totals: hit, stale, edge-hit, miss, warmed, rebuilds, wasted, avoided,
 *                                     dropped, cause:<kind>, event:<kind>, purge:… (purges.ts)
 *   <p>:p:<g>:<start>:<metric>  zset  per page (member = path), one per metric
 *   <p>:c:<g>:<start>           hash  "<page>\t<cause>" → rebuilds (cause: a tag, "cold", "expired")
 * Sorted sets rather than one hash per page: ranking pages over 90 days is one ZUNION of 90 sets,
 * where hashes would have to be read whole into the server.
 */

export const GRANULARITY_MS: Record<Granularity, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Minute buckets are kept 48 hours, hour buckets 90 days; day buckets (for long rankings) 400 days. */
export const RETENTION_SECONDS: Record<Granularity, number> = {
  minute: 48 * 3600,
  hour: 90 * 86_400,
  day: 400 * 86_400,
};

export const GRANULARITIES: readonly Granularity[] = ['minute', 'hour', 'day'];

export const PAGE_METRICS = ['hit', 'stale', 'edge-hit', 'miss', 'warmed', 'rebuilds', 'wasted', 'avoided'] as const;
export type PageMetric = (typeof PAGE_METRICS)[number];

/** The report's name for each metric: Redis names follow the request outcomes, TypeScript its own case. */
export const COUNT_FIELD = {
  hit: 'hit',
  stale: 'stale',
  'edge-hit': 'edgeHit',
  miss: 'miss',
  warmed: 'warmed',
  rebuilds: 'rebuilds',
  wasted: 'wasted',
  avoided: 'avoided',
} as const satisfies Record<PageMetric, keyof Counts>;

/** How each range is read: which bucket size, and how many buckets back from the current one. */
export const RANGE_PLAN: Record<StatsRange, { granularity: Granularity; buckets: number }> = {
  '1h': { granularity: 'minute', buckets: 60 },
  '24h': { granularity: 'hour', buckets: 24 },
  '7d': { granularity: 'hour', buckets: 168 },
  '90d': { granularity: 'day', buckets: 90 },
};

export const LOG_LENGTH = 1000;

export function bucketStart(granularity: Granularity, at: number): number {
  const size = GRANULARITY_MS[granularity];
  return Math.floor(at / size) * size;
}

/** Bucket starts of a range, oldest first, ending with the bucket that holds `now`. */
export function rangeBuckets(range: StatsRange, now: number): { granularity: Granularity; starts: number[] } {
  const { granularity, buckets } = RANGE_PLAN[range];
  const size = GRANULARITY_MS[granularity];
  const last = bucketStart(granularity, now);
  return { granularity, starts: Array.from({ length: buckets }, (_, i) => last - (buckets - 1 - i) * size) };
}

export function statsKeys(statsPrefix: string) {
  const prefix = slotPrefix(statsPrefix);
  return {
    totals: (g: Granularity, start: number) => `${prefix}:t:${g}:${start}`,
    pages: (g: Granularity, start: number, metric: PageMetric) => `${prefix}:p:${g}:${start}:${metric}`,
    causes: (g: Granularity, start: number) => `${prefix}:c:${g}:${start}`,
    invalidationLog: `${prefix}:log:invalidations`,
    rebuildLog: `${prefix}:log:rebuilds`,
    meta: `${prefix}:meta`,
    batch: (id: string) => `${prefix}:batch:${id}`,
  };
}

/** "/posts/a?x=1" and "/posts/a.rsc" count as "/posts/a": one page, whatever representation was asked for. */
export function pagePathOf(url: string): string {
  let path = url.split('?')[0] ?? '/';
  path = path.replace(/\.rsc$/, '').replace(/\.segments\/.*$/, '');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  try {
    path = decodeURI(path);
  } catch {
    // A malformed escape stays as sent.
  }
  return path === '' || path === '/index' ? '/' : path;
}
