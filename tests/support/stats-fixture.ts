import type {
  CauseCount,
  Counts,
  InvalidationEventSummary,
  InvalidationLogEntry,
  PageCause,
  PageRow,
  PageSeries,
  RebuildLogEntry,
  SeriesPoint,
  StatsReport,
} from '@/lib/stats/types';

/*
 * A believable day of statistics for tests and for rendering the dashboard without a store: 24
 * hourly buckets, a handful of pages, two comments and a post edit that explain the rebuilds. The
 * numbers are made by a seeded generator and add up the way the real report's do (series and pages
 * sum to the totals; causes sum to each page's rebuilds), so a test can check one against another.
 */

const GENERATED_AT = '2025-11-27T15:04:05.000Z';
const HOUR = 3600_000;
/** The first bucket: 23 hours before the hour that holds GENERATED_AT. */
const FIRST_BUCKET = Date.parse('2025-11-26T16:00:00.000Z');
const BUCKETS = 24;

const iso = (ms: number) => new Date(ms).toISOString();

/** mulberry32: tiny, seedable, and the same on every machine. */
function generator(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PagePlan {
  page: string;
  /** Requests in a busy hour. */
  peak: number;
  /** Share of requests that find no usable copy. */
  missRate: number;
  staleRate: number;
  /** Where the rebuilds came from, as the cause strings the report uses, with weights. */
  causes: [string, number][];
}

const PLANS: PagePlan[] = [
  { page: '/', peak: 180, missRate: 0.01, staleRate: 0.03, causes: [['posts:list', 3], ['post:7:comments', 5], ['expired', 2], ['cold', 1]] },
  { page: '/posts/hello-world', peak: 60, missRate: 0.02, staleRate: 0.02, causes: [['post:7:comments', 4], ['post:7', 1], ['cold', 1]] },
  { page: '/posts/caching-in-nextjs', peak: 45, missRate: 0.03, staleRate: 0.04, causes: [['post:12', 2], ['slug:caching-in-nextjs', 1], ['expired', 2]] },
  { page: '/tags/nextjs', peak: 20, missRate: 0.04, staleRate: 0.05, causes: [['tag:nextjs', 2], ['expired', 1], ['cold', 1]] },
  { page: '/page/2', peak: 8, missRate: 0.05, staleRate: 0.05, causes: [['posts:list', 2], ['cold', 1]] },
  { page: '/feed.xml', peak: 12, missRate: 0.02, staleRate: 0.06, causes: [['posts:list', 1], ['expired', 2]] },
];

const EVENTS: (InvalidationEventSummary & { at: string; tags: string[] })[] = [
  {
    at: '2025-11-27T14:41:09.000Z',
    kind: 'comment-published',
    description: 'Comment 31 published on “Hello, world”',
    postId: 7,
    commentId: 31,
    tags: ['post:7:comments'],
  },
  {
    at: '2025-11-27T11:02:44.000Z',
    kind: 'post-edited',
    description: 'Post 12 “Caching in Next.js” edited',
    postId: 12,
    tags: ['post:12', 'slug:caching-in-nextjs'],
  },
  {
    at: '2025-11-27T09:15:30.000Z',
    kind: 'comment-published',
    description: 'Comment 30 published on “Hello, world”',
    postId: 7,
    commentId: 30,
    tags: ['post:7:comments'],
  },
  {
    at: '2025-11-26T19:20:00.000Z',
    kind: 'post-published',
    description: 'Post 14 “Tags and their pages” published',
    postId: 14,
    tags: ['post:14', 'slug:tags-and-their-pages', 'posts:list', 'tag:nextjs'],
  },
];

function kindOfCause(cause: string): string {
  if (cause === 'cold' || cause === 'expired') return cause;
  if (cause === 'posts:list') return 'list';
  if (cause === 'all') return 'all';
  if (/^post:\d+:comments$/.test(cause)) return 'comments';
  if (/^post:\d+$/.test(cause)) return 'post';
  if (cause.startsWith('tag:')) return 'tag';
  if (cause.startsWith('slug:')) return 'slug';
  return 'other';
}

const zero = (): Counts => ({ hit: 0, stale: 0, miss: 0, rebuilds: 0, wasted: 0 });

function add(into: Counts, from: Counts) {
  into.hit += from.hit;
  into.stale += from.stale;
  into.miss += from.miss;
  into.rebuilds += from.rebuilds;
  into.wasted += from.wasted;
}

const requestsOf = (c: Counts) => c.hit + c.stale + c.miss;
const ratioOf = (c: Counts) => (requestsOf(c) > 0 ? (c.hit + c.stale) / requestsOf(c) : null);

/** Quiet at night (UTC), busy in the afternoon. */
function dailyShape(hourOfDay: number): number {
  return 0.15 + 0.85 * Math.max(0, Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI)) ** 1.5;
}

function split(total: number, weights: [string, number][], random: () => number): [string, number][] {
  const sum = weights.reduce((s, [, w]) => s + w, 0);
  let left = total;
  const out = weights.map(([cause, w], i): [string, number] => {
    const n = i === weights.length - 1 ? left : Math.min(left, Math.round((total * w) / sum + (random() - 0.5)));
    left -= n;
    return [cause, n];
  });
  return out.filter(([, n]) => n > 0);
}

function build(): StatsReport {
  const random = generator(20251127);
  const buckets = Array.from({ length: BUCKETS }, (_, i) => FIRST_BUCKET + i * HOUR);

  const perPage = PLANS.map((plan) => {
    const points = buckets.map((start) => {
      const requests = Math.round(plan.peak * dailyShape(new Date(start).getUTCHours()) * (0.8 + 0.4 * random()));
      const miss = Math.min(requests, Math.round(requests * plan.missRate + random() * 1.2));
      const stale = Math.min(requests - miss, Math.round(requests * plan.staleRate + random()));
      // A miss renders in the request; a stale hit renders behind it. Either is one rebuild.
      const rebuilds = miss + stale;
      const wasted = Math.round(rebuilds * 0.25 * random());
      const counts: Counts = { hit: requests - miss - stale, stale, miss, rebuilds, wasted };
      return { bucket: iso(start), counts };
    });
    const total = zero();
    for (const p of points) add(total, p.counts);
    return { plan, points, total };
  });

  const series: SeriesPoint[] = buckets.map((start, i) => {
    const counts = zero();
    for (const p of perPage) add(counts, p.points[i]?.counts ?? zero());
    return { bucket: iso(start), ...counts, hitRatio: ratioOf(counts) };
  });

  const totalsCounts = zero();
  for (const point of series) add(totalsCounts, point);

  const pages: PageRow[] = perPage
    .map(({ plan, total }) => ({ page: plan.page, ...total, hitRatio: ratioOf(total) }))
    .sort((a, b) => b.rebuilds - a.rebuilds);

  const pageSeries: PageSeries[] = perPage.slice(0, 4).map(({ plan, points }) => ({
    page: plan.page,
    points: points.map(({ bucket, counts }) => ({ bucket, hitRatio: ratioOf(counts), requests: requestsOf(counts) })),
  }));

  const byPage: PageCause[] = perPage
    .flatMap(({ plan, total }) => split(total.rebuilds, plan.causes, random).map(([cause, count]) => ({ page: plan.page, cause, count })))
    .sort((a, b) => b.count - a.count);

  const kinds = new Map<string, number>();
  for (const row of byPage) kinds.set(kindOfCause(row.cause), (kinds.get(kindOfCause(row.cause)) ?? 0) + row.count);
  const byKind: CauseCount[] = [...kinds].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count);

  const eventCounts = new Map<string, number>();
  for (const row of byPage) {
    const event = EVENTS.find((e) => e.tags.includes(row.cause));
    const causeKind = kindOfCause(row.cause);
    const kind = event?.kind ?? (causeKind === 'cold' || causeKind === 'expired' ? causeKind : 'post-edited');
    eventCounts.set(kind, (eventCounts.get(kind) ?? 0) + row.count);
  }
  const byEvent: CauseCount[] = [...eventCounts].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count);

  const invalidations: InvalidationLogEntry[] = EVENTS.map(({ at, tags, ...event }) => ({ at, tags, event }));

  const summary = (e: (typeof EVENTS)[number]): InvalidationEventSummary => ({
    kind: e.kind,
    description: e.description,
    ...(e.postId !== undefined && { postId: e.postId }),
    ...(e.commentId !== undefined && { commentId: e.commentId }),
  });
  const [comment31, edit12, , publish14] = EVENTS;
  const rebuilds: RebuildLogEntry[] = [
    { at: '2025-11-27T14:58:12.000Z', page: '/feed.xml', cause: 'expired', tags: [], events: [], wasted: true },
    { at: '2025-11-27T14:41:10.000Z', page: '/', cause: 'invalidated', tags: ['post:7:comments'], events: comment31 ? [summary(comment31)] : [], wasted: false },
    { at: '2025-11-27T14:41:09.500Z', page: '/posts/hello-world', cause: 'invalidated', tags: ['post:7:comments'], events: comment31 ? [summary(comment31)] : [], wasted: false },
    { at: '2025-11-27T11:02:46.000Z', page: '/posts/caching-in-nextjs', cause: 'invalidated', tags: ['post:12', 'slug:caching-in-nextjs'], events: edit12 ? [summary(edit12)] : [], wasted: false },
    { at: '2025-11-27T11:02:45.000Z', page: '/tags/nextjs', cause: 'invalidated', tags: ['post:12'], events: edit12 ? [summary(edit12)] : [], wasted: true },
    { at: '2025-11-27T08:00:03.000Z', page: '/tags/nextjs', cause: 'cold', tags: [], events: [], wasted: false },
    { at: '2025-11-26T19:20:02.000Z', page: '/page/2', cause: 'invalidated', tags: ['posts:list'], events: publish14 ? [summary(publish14)] : [], wasted: false },
  ];

  const home = perPage[0]?.total ?? zero();
  const homeHits = home.hit + home.stale;

  return {
    range: '24h',
    granularity: 'hour',
    generatedAt: GENERATED_AT,
    serverMs: 18,
    store: { reachable: true, unreachableSince: null, lastFlushAt: '2025-11-27T15:04:04.000Z', transport: 'tcp', buffered: 0 },
    totals: { ...totalsCounts, requests: requestsOf(totalsCounts), hitRatio: ratioOf(totalsCounts) },
    dropped: { inRange: 0, allTime: 0 },
    homepage: { ...home, requests: requestsOf(home), hitsPerRebuild: home.rebuilds > 0 ? homeHits / home.rebuilds : null },
    series,
    pageSeries,
    pages,
    causes: { byKind, byEvent, byPage },
    invalidations,
    rebuilds,
  };
}

/** A fresh, self-consistent report; overrides replace whole top-level fields. */
export function makeStatsReport(overrides: Partial<StatsReport> = {}): StatsReport {
  return { ...build(), ...overrides };
}
