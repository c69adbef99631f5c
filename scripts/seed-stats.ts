import { pathToFileURL } from 'node:url';
import type { Redis } from '@upstash/redis';
import { config } from '@/lib/core/config';
import { bucketStart, GRANULARITY_MS, PAGE_METRICS, RETENTION_SECONDS, statsKeys } from '@/lib/stats/keys';
import { createUpstashRedis } from '@/lib/core/upstash-redis';
import type { Granularity } from '@/lib/stats/types';

/*
 * `npm run stats:seed -- [--pages 1000] [--days 90] [--prefix fp]`: writes a large, plausible
 * history straight into the stats keys (hour buckets for every page and hour, day buckets, and the
 * last two hours by the minute) so the dashboard can be measured against 90 days of data. It
 * writes only under the prefix, through the same client the app uses. The benchmark calls it too.
 */

type Counts = Record<(typeof PAGE_METRICS)[number], number>;
const noCounts = (): Counts => ({
  hit: 0,
  stale: 0,
  'edge-hit': 0,
  miss: 0,
  warmed: 0,
  rebuilds: 0,
  wasted: 0,
  avoided: 0,
});

export async function seedStatsHistory(options: {
  redis: Redis;
  prefix: string;
  pages: number;
  days: number;
  log?: (line: string) => void;
}) {
  const { redis, prefix, pages, days } = options;
  const log = options.log ?? console.log;
  // A small deterministic generator: the same volume and shape on every run.
  let state = 0x9e3779b9;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pagePaths = [
    '/',
    '/feed.xml',
    ...Array.from({ length: pages - 2 }, (_, i) => (i % 10 === 0 ? `/tags/tag-${i}` : `/posts/post-${i}`)),
  ];
  // Popularity falls off steeply, as on a real blog: the homepage first, then a long tail.
  const weight = pagePaths.map((_, i) => 1 / (1 + i) ** 0.9);
  const keys = statsKeys(prefix);

  const trafficFor = (hourIndex: number): Map<string, Counts> => {
    const daily = 0.6 + 0.4 * Math.sin(((hourIndex % 24) / 24) * 2 * Math.PI);
    const out = new Map<string, Counts>();
    pagePaths.forEach((page, i) => {
      const requests = Math.round(3000 * weight[i]! * daily * (0.7 + random() * 0.6)) + 1;
      const miss = Math.max(0, Math.round(requests * (0.01 + random() * 0.05)));
      const stale = random() < 0.05 ? 1 : 0;
      out.set(page, {
        ...noCounts(),
        hit: requests - miss - stale,
        stale,
        miss,
        rebuilds: miss + stale,
        wasted: random() < 0.02 ? 1 : 0,
      });
    });
    return out;
  };

  const writeBucket = async (g: Granularity, start: number, traffic: Map<string, Counts>) => {
    const pipeline = redis.pipeline();
    const totals = noCounts();
    for (const metric of PAGE_METRICS) {
      const members: { score: number; member: string }[] = [];
      for (const [page, counts] of traffic) {
        if (counts[metric] > 0) members.push({ score: counts[metric], member: page });
        totals[metric] += counts[metric];
      }
      const key = keys.pages(g, start, metric);
      for (let i = 0; i < members.length; i += 500) {
        const [head, ...rest] = members.slice(i, i + 500);
        if (head) pipeline.zadd(key, head, ...rest);
      }
      pipeline.expire(key, RETENTION_SECONDS[g]);
    }
    const totalsKey = keys.totals(g, start);
    pipeline.hset(totalsKey, {
      ...totals,
      'cause:comments': Math.round(totals.rebuilds * 0.6),
      'cause:post': Math.round(totals.rebuilds * 0.1),
      'cause:list': Math.round(totals.rebuilds * 0.2),
      'cause:cold': Math.round(totals.rebuilds * 0.1),
      'event:comment-published': Math.round(totals.rebuilds * 0.6),
      'event:post-edited': Math.round(totals.rebuilds * 0.1),
      'event:post-published': Math.round(totals.rebuilds * 0.2),
    });
    pipeline.expire(totalsKey, RETENTION_SECONDS[g]);
    const causesKey = keys.causes(g, start);
    pipeline.hset(causesKey, {
      '/\tpost:7:comments': Math.round(totals.rebuilds * 0.05),
      '/\tposts:list': Math.round(totals.rebuilds * 0.02),
    });
    pipeline.expire(causesKey, RETENTION_SECONDS[g]);
    await pipeline.exec();
  };

  const add = (into: Map<string, Counts>, from: Map<string, Counts>) => {
    for (const [page, counts] of from) {
      const target = into.get(page) ?? noCounts();
      for (const metric of PAGE_METRICS) target[metric] += counts[metric];
      into.set(page, target);
    }
  };

  const started = Date.now();
  const now = Date.now();
  const firstHour = bucketStart('hour', now) - (days * 24 - 1) * GRANULARITY_MS.hour;
  let day = new Map<string, Counts>();
  let dayStart = bucketStart('day', firstHour);
  for (let h = 0; h < days * 24; h++) {
    const hourStart = firstHour + h * GRANULARITY_MS.hour;
    if (bucketStart('day', hourStart) !== dayStart) {
      await writeBucket('day', dayStart, day);
      day = new Map();
      dayStart = bucketStart('day', hourStart);
    }
    const traffic = trafficFor(h);
    await writeBucket('hour', hourStart, traffic);
    add(day, traffic);
  }
  await writeBucket('day', dayStart, day);
  for (let m = 0; m < 120; m++) {
    const minuteStart = bucketStart('minute', now) - m * GRANULARITY_MS.minute;
    await writeBucket('minute', minuteStart, new Map([...trafficFor(m)].filter(() => random() < 0.05)));
  }
  log(
    `Wrote ${days} days of hourly statistics for ${pages} pages under "${prefix}:" in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
}

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const pages = Number(argument('pages', '1000'));
  const days = Number(argument('days', '90'));
  const prefix = argument('prefix', config.STATS_PREFIX);
  if (!Number.isInteger(pages) || pages < 3 || !Number.isInteger(days) || days < 1 || days > 90) {
    console.error('usage: npm run stats:seed -- [--pages N (≥3)] [--days N (1–90)] [--prefix name]');
    process.exit(2);
  }
  const connection = createUpstashRedis({
    redisUrl: config.REDIS_URL,
    restUrl: config.UPSTASH_REDIS_REST_URL,
    restToken: config.UPSTASH_REDIS_REST_TOKEN,
  });
  try {
    await seedStatsHistory({ redis: connection.redis, prefix, pages, days });
  } finally {
    await connection.close();
  }
}
