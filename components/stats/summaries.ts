import type { CauseCount, PageRow, PageSeries, StatsReport } from '@/lib/stats/types';
import { formatBucketLong, formatCount, formatHitsPerRebuild, formatRatio, plural, rangePhrase } from './format';

/*
 * The numbers each chart shows, in sentences: screen readers get them in place of the picture, and
 * everyone gets the figure worth remembering without reading it off an axis.
 */

type Outcomes = { hit: number; stale: number; edgeHit: number; miss: number };

export const cachedOf = (c: Outcomes) => c.hit + c.stale + c.edgeHit;
export const requestsOf = (c: Outcomes) => cachedOf(c) + c.miss;

/** Edge hits are shown only for a range that has some: a site without a CDN keeps the dashboard it had. */
export const showsEdgeHits = (report: StatsReport) => report.totals.edgeHit > 0;

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function headlineText(homepage: StatsReport['homepage']): string {
  if (homepage.requests === 0) return 'Homepage: no traffic yet (last 24 h)';
  // Readers who waited first: with warming, rebuilds happen without anyone waiting for them.
  const waited = `${plural(homepage.miss, 'reader')} waited`;
  if (homepage.rebuilds === 0 || homepage.hitsPerRebuild === null) {
    return `Homepage: ${waited}; no rebuilds in ${plural(homepage.requests, 'request')} (last 24 h)`;
  }
  const n = homepage.hitsPerRebuild;
  return `Homepage: ${waited}; 1 rebuild per ${formatHitsPerRebuild(n)} ${n === 1 ? 'hit' : 'hits'} (last 24 h)`;
}

export function totalsSummary(report: StatsReport): string {
  const t = report.totals;
  return (
    `Over ${rangePhrase(report.range)}: ${plural(t.requests, 'request')}, ` +
    `${formatRatio(t.hitRatio)} served from cache` +
    (t.edgeHit > 0 ? ` (${formatCount(t.edgeHit)} by the edge cache)` : '') +
    `, ${plural(t.rebuilds, 'rebuild')}` +
    (t.wasted > 0 ? ` (${formatCount(t.wasted)} wasted)` : '') +
    (t.warmed > 0 ? `, ${plural(t.warmed, 'page')} warmed before any reader asked` : '') +
    (t.avoided > 0 ? `, ${plural(t.avoided, 'rebuild')} avoided by waiting for another server's` : '') +
    '.'
  );
}

function pageRatio(series: PageSeries): { requests: number; ratio: number | null } {
  let requests = 0;
  let cached = 0;
  for (const point of series.points) {
    if (point.hitRatio === null) continue;
    requests += point.requests;
    cached += point.hitRatio * point.requests;
  }
  return { requests, ratio: ratio(cached, requests) };
}

export function hitRatioSummary(report: StatsReport): string {
  const parts = report.pageSeries
    .map((s) => ({ page: s.page, ...pageRatio(s), worst: lowestPoint(s) }))
    .filter((s) => s.requests > 0)
    .map(
      (s) =>
        `${s.page} ${formatRatio(s.ratio)} of ${plural(s.requests, 'request')}` +
        (s.worst && s.worst.hitRatio !== s.ratio
          ? ` (lowest ${formatRatio(s.worst.hitRatio)} at ${formatBucketLong(s.worst.bucket, report.granularity)})`
          : ''),
    );
  if (parts.length === 0) return `No page had requests over ${rangePhrase(report.range)}.`;
  return `Share of requests served from cache over ${rangePhrase(report.range)}: ${list(parts)}.`;
}

function lowestPoint(series: PageSeries) {
  let worst: PageSeries['points'][number] | null = null;
  for (const point of series.points) {
    if (point.hitRatio === null || point.requests === 0) continue;
    if (worst === null || point.hitRatio < (worst.hitRatio ?? Infinity)) worst = point;
  }
  return worst;
}

export function trafficSummary(report: StatsReport): string {
  const t = report.totals;
  let busiest: StatsReport['series'][number] | null = null;
  for (const point of report.series) if (!busiest || requestsOf(point) > requestsOf(busiest)) busiest = point;
  const peak =
    busiest && requestsOf(busiest) > 0
      ? ` The busiest ${report.granularity} began ${formatBucketLong(busiest.bucket, report.granularity)}, with ` +
        `${plural(requestsOf(busiest), 'request')} and ${plural(busiest.rebuilds, 'rebuild')}.`
      : '';
  return (
    `Over ${rangePhrase(report.range)}: ${plural(t.requests, 'request')} (${formatCount(t.hit)} fresh hits, ` +
    `${formatCount(t.stale)} stale hits, ${showsEdgeHits(report) ? `${formatCount(t.edgeHit)} edge hits, ` : ''}` +
    `${plural(t.miss, 'miss', 'misses')}; ` +
    `${formatRatio(t.hitRatio)} served from cache) and ${plural(t.rebuilds, 'rebuild')}.${peak}`
  );
}

export function topPages(pages: PageRow[], count = 10): PageRow[] {
  return [...pages]
    .filter((p) => p.rebuilds > 0)
    .sort((a, b) => b.rebuilds - a.rebuilds)
    .slice(0, count);
}

export function topPagesSummary(report: StatsReport): string {
  const top = topPages(report.pages, 5);
  if (top.length === 0) return `No page was rebuilt over ${rangePhrase(report.range)}.`;
  const parts = top.map(
    (p) => `${p.page} (${plural(p.rebuilds, 'rebuild')}${p.wasted > 0 ? `, ${formatCount(p.wasted)} wasted` : ''})`,
  );
  return `Most rebuilt pages over ${rangePhrase(report.range)}: ${list(parts)}.`;
}

export function sortedCauses(causes: CauseCount[]): CauseCount[] {
  return [...causes].filter((c) => c.count > 0).sort((a, b) => b.count - a.count);
}

export function causesSummary(causes: CauseCount[], what: string): string {
  const sorted = sortedCauses(causes);
  if (sorted.length === 0) return `No rebuilds to attribute to ${what}.`;
  return `Rebuilds by ${what}: ${list(sorted.map((c) => `${c.kind} ${formatCount(c.count)}`))}.`;
}

export function wastedSummary(report: StatsReport): string {
  const t = report.totals;
  if (t.rebuilds === 0) return `No rebuilds over ${rangePhrase(report.range)}, so none wasted.`;
  if (t.wasted === 0) {
    return `None of the ${plural(t.rebuilds, 'rebuild')} over ${rangePhrase(report.range)} produced the same HTML as before.`;
  }
  const worstPages = [...report.pages]
    .filter((p) => p.wasted > 0)
    .sort((a, b) => b.wasted - a.wasted)
    .slice(0, 3)
    .map((p) => `${p.page} (${formatCount(p.wasted)})`);
  let worstBucket: StatsReport['series'][number] | null = null;
  for (const point of report.series)
    if (point.wasted > 0 && (!worstBucket || point.wasted > worstBucket.wasted)) worstBucket = point;
  return (
    `${formatCount(t.wasted)} of ${plural(t.rebuilds, 'rebuild')} (${formatRatio(ratio(t.wasted, t.rebuilds))}) over ` +
    `${rangePhrase(report.range)} produced the same HTML as the copy they replaced.` +
    (worstBucket
      ? ` Most in the ${report.granularity} from ${formatBucketLong(worstBucket.bucket, report.granularity)} (${formatCount(worstBucket.wasted)}).`
      : '') +
    (worstPages.length > 0 ? ` Pages with the most: ${list(worstPages)}.` : '')
  );
}
