/*
 * The shape of the statistics as the dashboard and GET /api/stats see them. Pure types: imported by
 * server code and by the dashboard's client components alike.
 */

import type { InvalidationEvent } from '@/db/schema';

export const STATS_RANGES = ['1h', '24h', '7d', '90d'] as const;
export type StatsRange = (typeof STATS_RANGES)[number];
export type Granularity = 'minute' | 'hour' | 'day';

/**
 * How a request for a cached page was answered. `edge-hit`: by the CDN or Varnish in front, from
 * its own copy, without reaching the server (counted by `npm run edge:collect`). `warmed`: a
 * warm-up's render after an invalidation (lib/page-cache/warming.ts), not a reader's request.
 */
export type RequestOutcome = 'hit' | 'stale' | 'miss' | 'edge-hit' | 'warmed';

/** Why a page was rendered again. */
export type RebuildCause = 'cold' | 'expired' | 'invalidated';

/** Defined beside the outbox that records one with every invalidation. */
export type { InvalidationEvent };

export interface Counts {
  hit: number;
  stale: number;
  /** Answered by the edge cache in front of the server: a hit the server never saw. */
  edgeHit: number;
  /** A reader's request answered by a render: a reader who waited (first renders included). */
  miss: number;
  /** Pages rendered again by a warm-up after an invalidation, before any reader asked (not requests). */
  warmed: number;
  /** Renders that replaced (or created) a page cache entry. */
  rebuilds: number;
  /** Rebuilds whose HTML, render marker aside, was identical to the entry they replaced. */
  wasted: number;
  /** Renders not done because another server was already rebuilding the page (the rebuild lock). */
  avoided: number;
}

export interface SeriesPoint extends Counts {
  /** ISO start of the bucket. */
  bucket: string;
  /** hit + stale + edgeHit over all requests, null when there were none. */
  hitRatio: number | null;
}

export interface PageRow extends Counts {
  page: string;
  hitRatio: number | null;
}

export interface PageSeries {
  page: string;
  points: { bucket: string; hitRatio: number | null; requests: number }[];
}

export interface CauseCount {
  /** A tag kind ("comments", "post", "list", "tag", "slug", "all"), "cold" or "expired". */
  kind: string;
  count: number;
}

export interface PageCause {
  page: string;
  /** A tag such as "post:7:comments", or "cold" / "expired". */
  cause: string;
  count: number;
}

export interface InvalidationLogEntry {
  at: string;
  /** The tags, or the first of them when there were more than a log line names (see tagCount). */
  tags: string[];
  /** How many tags the change invalidated, when `tags` holds only a sample of them. */
  tagCount?: number;
  event: InvalidationEvent;
}

export interface RebuildLogEntry {
  at: string;
  page: string;
  cause: RebuildCause;
  tags: string[];
  events: InvalidationEvent[];
  wasted: boolean;
}

/** Purge requests sent to the CDN or Varnish over the range. */
export interface PurgeStats {
  /** Requests the edge accepted. */
  sent: number;
  /** Attempts that failed; each is retried, and a retry that fails counts again. */
  failed: number;
  /** Keys or tags carried by the accepted requests. */
  keys: number;
  /** Latency of every attempt, failed ones included; null when there were none. */
  meanMs: number | null;
  /** Upper bounds, from a histogram: half of the attempts (p50), and 99 % (p99), took at most this long. */
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface StoreStatus {
  reachable: boolean;
  /** When this server last failed to reach the stats store, if it still cannot. */
  unreachableSince: string | null;
  lastFlushAt: string | null;
  transport: 'tcp' | 'http';
  /** Counts waiting in this server's memory for the store. */
  buffered: number;
}

export interface StatsReport {
  range: StatsRange;
  granularity: Granularity;
  generatedAt: string;
  /** Server time spent building this report, in milliseconds. */
  serverMs: number;
  store: StoreStatus;
  totals: Counts & { requests: number; hitRatio: number | null };
  /** Counts lost because the store stayed unreachable past the buffer's bound. */
  dropped: { inRange: number; allTime: number };
  /** The headline: the homepage over the last 24 hours, whatever the range. */
  homepage: Counts & { requests: number; hitsPerRebuild: number | null };
  series: SeriesPoint[];
  /** Hit ratio over time for the homepage and the busiest pages. */
  pageSeries: PageSeries[];
  /** Pages by rebuilds, most first (at most 50). */
  pages: PageRow[];
  causes: { byKind: CauseCount[]; byEvent: CauseCount[]; byPage: PageCause[] };
  invalidations: InvalidationLogEntry[];
  rebuilds: RebuildLogEntry[];
  /** For the whole range, also when the report is narrowed to one page: purges are not per page. */
  purges: PurgeStats;
}
