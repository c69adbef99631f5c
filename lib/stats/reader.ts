import type { Redis } from '@upstash/redis';
import { COUNT_FIELD, PAGE_METRICS, rangeBuckets, statsKeys, type PageMetric } from './keys';
import { addPurgeField, emptyPurgeTally, purgeStats } from './purges';
import type {
  CauseCount,
  Counts,
  InvalidationLogEntry,
  PageCause,
  PageRow,
  PageSeries,
  RebuildLogEntry,
  SeriesPoint,
  StatsRange,
  StatsReport,
} from './types';

/*
 * Reads a range of statistics in two pipelined round trips: everything whose keys are known up
 * front, then the per-bucket series of the few pages the first answer ranked highest.
 */

const HOMEPAGE = '/';
const TOP_PAGES = 50;
const SERIES_PAGES = 4;
const LOG_ENTRIES = 100;

const COUNT_FIELDS = PAGE_METRICS.map((metric) => COUNT_FIELD[metric]);

const emptyCounts = (): Counts => ({
  hit: 0,
  stale: 0,
  edgeHit: 0,
  miss: 0,
  warmed: 0,
  rebuilds: 0,
  wasted: 0,
  avoided: 0,
});
// Stale answers came from the cache too, and so did the edge's: both count as hits everywhere.
const hitsOf = (c: Counts) => c.hit + c.stale + c.edgeHit;
const requestsOf = (c: Counts) => hitsOf(c) + c.miss;
const ratioOf = (c: Counts) => (requestsOf(c) === 0 ? null : hitsOf(c) / requestsOf(c));

function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** HGETALL answers an object or a flat [field, value, …] list depending on the client's settings. */
function entriesOf(reply: unknown): [string, number][] {
  if (!reply) return [];
  if (Array.isArray(reply)) {
    const out: [string, number][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) out.push([String(reply[i]), toNumber(reply[i + 1])]);
    return out;
  }
  return Object.entries(reply as Record<string, unknown>).map(([field, value]) => [field, toNumber(value)]);
}

function scoresOf(reply: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), toNumber(reply[i + 1]));
  return out;
}

function parseLog<T>(reply: unknown): T[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((line) => {
    try {
      return [(typeof line === 'string' ? JSON.parse(line) : line) as T];
    } catch {
      return [];
    }
  });
}

function addCount(target: Counts, metric: string, n: number): void {
  if ((PAGE_METRICS as readonly string[]).includes(metric)) target[COUNT_FIELD[metric as PageMetric]] += n;
}

export async function readStats(
  redis: Redis,
  prefix: string,
  range: StatsRange,
  now: number,
  /** Narrows totals, series, rows, causes and the rebuild log to one page. */
  focusPage?: string,
): Promise<Omit<StatsReport, 'store' | 'serverMs'>> {
  const keys = statsKeys(prefix);
  const { granularity, starts } = rangeBuckets(range, now);
  const hourStarts = rangeBuckets('24h', now).starts;

  const first = redis.pipeline();
  for (const start of starts) first.hgetall(keys.totals(granularity, start));
  for (const metric of PAGE_METRICS) {
    const metricKeys = starts.map((start) => keys.pages(granularity, start, metric));
    first.zunion(metricKeys.length, metricKeys, { withScores: true });
  }
  for (const start of starts) first.hgetall(keys.causes(granularity, start));
  first.lrange(keys.invalidationLog, 0, LOG_ENTRIES - 1);
  first.lrange(keys.rebuildLog, 0, LOG_ENTRIES - 1);
  first.hget(keys.meta, 'dropped');
  for (const start of hourStarts)
    for (const metric of PAGE_METRICS) first.zscore(keys.pages('hour', start, metric), HOMEPAGE);
  const replies = (await first.exec()) as unknown[];

  let at = 0;
  const totals = emptyCounts();
  const byKind = new Map<string, number>();
  const byEvent = new Map<string, number>();
  let droppedInRange = 0;
  const purges = emptyPurgeTally();
  const series: SeriesPoint[] = starts.map((start) => {
    const point = { bucket: new Date(start).toISOString(), ...emptyCounts() };
    for (const [field, n] of entriesOf(replies[at++])) {
      if (field.startsWith('cause:')) byKind.set(field.slice(6), (byKind.get(field.slice(6)) ?? 0) + n);
      else if (field.startsWith('event:')) byEvent.set(field.slice(6), (byEvent.get(field.slice(6)) ?? 0) + n);
      else if (field === 'dropped') droppedInRange += n;
      else if (!addPurgeField(purges, field, n)) addCount(point, field, n);
    }
    for (const field of COUNT_FIELDS) totals[field] += point[field];
    return { ...point, hitRatio: ratioOf(point) };
  });

  const perPage = new Map<string, Counts>();
  for (const metric of PAGE_METRICS) {
    for (const [page, n] of scoresOf(replies[at++])) {
      const row = perPage.get(page) ?? emptyCounts();
      row[COUNT_FIELD[metric]] += n;
      perPage.set(page, row);
    }
  }
  const pages: PageRow[] = [...perPage.entries()]
    .map(([page, counts]) => ({ page, ...counts, hitRatio: ratioOf(counts) }))
    .sort((a, b) => b.rebuilds - a.rebuilds || requestsOf(b) - requestsOf(a) || a.page.localeCompare(b.page))
    .slice(0, TOP_PAGES);

  const pageCauses = new Map<string, number>();
  for (let i = 0; i < starts.length; i++) {
    for (const [field, n] of entriesOf(replies[at++])) pageCauses.set(field, (pageCauses.get(field) ?? 0) + n);
  }
  const byPage: PageCause[] = [...pageCauses.entries()]
    .map(([field, count]) => {
      const [page = '', cause = ''] = field.split('\t');
      return { page, cause, count };
    })
    .filter((row) => !focusPage || row.page === focusPage)
    // Ties go to invalidations: "cold" says only that a page was first rendered.
    .sort((a, b) => b.count - a.count || Number(a.cause === 'cold') - Number(b.cause === 'cold'))
    .slice(0, 30);

  const invalidations = parseLog<InvalidationLogEntry>(replies[at++]);
  const rebuilds = parseLog<RebuildLogEntry>(replies[at++]);
  const droppedAllTime = toNumber(replies[at++]);
  const homepage = emptyCounts();
  for (let i = 0; i < hourStarts.length; i++)
    for (const metric of PAGE_METRICS) homepage[COUNT_FIELD[metric]] += toNumber(replies[at++]);

  const seriesPages = focusPage
    ? [focusPage]
    : [HOMEPAGE, ...pages.map((row) => row.page).filter((page) => page !== HOMEPAGE && page !== '(not found)')].slice(
        0,
        SERIES_PAGES + 1,
      );
  const second = redis.pipeline();
  for (const start of starts) {
    for (const metric of PAGE_METRICS) second.zmscore(keys.pages(granularity, start, metric), seriesPages);
  }
  const seriesReplies = (await second.exec()) as unknown[];
  const countsAt = (bucket: number, pageIndex: number): Counts => {
    const counts = emptyCounts();
    PAGE_METRICS.forEach((metric, m) => {
      const reply = seriesReplies[bucket * PAGE_METRICS.length + m];
      counts[COUNT_FIELD[metric]] = Array.isArray(reply) ? toNumber(reply[pageIndex]) : 0;
    });
    return counts;
  };
  const pageSeries: PageSeries[] = seriesPages.map((page, p) => ({
    page,
    points: starts.map((start, b) => {
      const counts = countsAt(b, p);
      return { bucket: new Date(start).toISOString(), requests: requestsOf(counts), hitRatio: ratioOf(counts) };
    }),
  }));

  const sortCounts = (m: Map<string, number>): CauseCount[] =>
    [...m.entries()].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count);

  if (focusPage) {
    const focusSeries = starts.map((start, b) => {
      const counts = countsAt(b, 0);
      return { bucket: new Date(start).toISOString(), ...counts, hitRatio: ratioOf(counts) };
    });
    const focus = focusSeries.reduce((sum, point) => {
      for (const field of COUNT_FIELDS) sum[field] += point[field];
      return sum;
    }, emptyCounts());
    series.splice(0, series.length, ...focusSeries);
    Object.assign(totals, focus);
    pages.splice(
      0,
      pages.length,
      ...(requestsOf(focus) + focus.rebuilds > 0 ? [{ page: focusPage, ...focus, hitRatio: ratioOf(focus) }] : []),
    );
  }

  return {
    range,
    granularity,
    generatedAt: new Date(now).toISOString(),
    totals: { ...totals, requests: requestsOf(totals), hitRatio: ratioOf(totals) },
    dropped: { inRange: droppedInRange, allTime: droppedAllTime },
    homepage: {
      ...homepage,
      requests: requestsOf(homepage),
      hitsPerRebuild: homepage.rebuilds === 0 ? null : hitsOf(homepage) / homepage.rebuilds,
    },
    series,
    pageSeries,
    pages,
    causes: {
      byKind: sortCounts(byKind),
      byEvent: sortCounts(byEvent),
      byPage,
    },
    invalidations,
    rebuilds: focusPage ? rebuilds.filter((r) => r.page === focusPage) : rebuilds,
    purges: purgeStats(purges),
  };
}
