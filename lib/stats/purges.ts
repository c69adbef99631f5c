import type { PurgeStats } from './types';

/*
 * Purge requests to the CDN or Varnish, as fields of each bucket's totals hash. Latency is kept as
 * a histogram, not a list: a bucket's counts stay a handful of HINCRBYs however many purges ran,
 * and the buckets of a range add up. The price is that percentiles are upper bounds, not values.
 *
 *   purge:sent, purge:failed   attempts the edge accepted / that failed
 *   purge:keys                 keys or tags carried by the accepted ones
 *   purge:ms                   summed latency of every attempt, in whole milliseconds
 *   purge:le:<bound>           attempts that took at most <bound> ms (and more than the bound before)
 *   purge:le:inf               attempts slower than the last bound
 *   purge:max-ms               the slowest attempt: the upper bound of the open-ended bucket
 */

/** Bucket bounds in milliseconds: fine where a healthy purge answers, coarse where a slow one does. */
export const PURGE_LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

const BUCKET_PREFIX = 'purge:le:';

export const PURGE_FIELDS = {
  sent: 'purge:sent',
  failed: 'purge:failed',
  keys: 'purge:keys',
  ms: 'purge:ms',
  maxMs: 'purge:max-ms',
  bucket: (bound: number | 'inf') => `${BUCKET_PREFIX}${bound}`,
} as const;

/** The histogram field one attempt of `ms` milliseconds counts in. */
export function latencyField(ms: number): string {
  return PURGE_FIELDS.bucket(PURGE_LATENCY_BOUNDS_MS.find((bound) => ms <= bound) ?? 'inf');
}

/** The purge fields of a range's totals, summed over its buckets (the maximum kept as a maximum). */
export interface PurgeTally {
  sent: number;
  failed: number;
  keys: number;
  ms: number;
  maxMs: number;
  /** Attempts per histogram bucket, one more than there are bounds (the last is open-ended). */
  buckets: number[];
}

export const emptyPurgeTally = (): PurgeTally => ({
  sent: 0,
  failed: 0,
  keys: 0,
  ms: 0,
  maxMs: 0,
  buckets: Array.from({ length: PURGE_LATENCY_BOUNDS_MS.length + 1 }, () => 0),
});

/** Adds one field of a bucket's totals to the tally; false when the field is not a purge field. */
export function addPurgeField(tally: PurgeTally, field: string, n: number): boolean {
  switch (field) {
    case PURGE_FIELDS.sent:
      tally.sent += n;
      return true;
    case PURGE_FIELDS.failed:
      tally.failed += n;
      return true;
    case PURGE_FIELDS.keys:
      tally.keys += n;
      return true;
    case PURGE_FIELDS.ms:
      tally.ms += n;
      return true;
    case PURGE_FIELDS.maxMs:
      tally.maxMs = Math.max(tally.maxMs, n);
      return true;
  }
  if (!field.startsWith(BUCKET_PREFIX)) return false;
  const bound = field.slice(BUCKET_PREFIX.length);
  const index =
    bound === 'inf'
      ? PURGE_LATENCY_BOUNDS_MS.length
      : (PURGE_LATENCY_BOUNDS_MS as readonly number[]).indexOf(Number(bound));
  // A bound this version does not know (the bounds were changed) is still a purge field, just not placeable.
  if (index !== -1) tally.buckets[index]! += n;
  return true;
}

/**
 * The least latency that at least `quantile` of the attempts stayed within, as far as the histogram
 * can tell: the bound of the bucket the quantile falls in, or the slowest attempt if that is less
 * (and for the open-ended bucket, which has no bound of its own). Null without attempts.
 */
export function latencyUpperBound(buckets: readonly number[], maxMs: number, quantile: number): number | null {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(quantile * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) {
      const bound = PURGE_LATENCY_BOUNDS_MS[i];
      return bound === undefined ? maxMs : Math.min(bound, maxMs);
    }
  }
  return maxMs;
}

export function purgeStats(tally: PurgeTally): PurgeStats {
  const attempts = tally.sent + tally.failed;
  return {
    sent: tally.sent,
    failed: tally.failed,
    keys: tally.keys,
    meanMs: attempts === 0 ? null : tally.ms / attempts,
    p50Ms: latencyUpperBound(tally.buckets, tally.maxMs, 0.5),
    p99Ms: latencyUpperBound(tally.buckets, tally.maxMs, 0.99),
  };
}
