import type { Granularity, RebuildCause, StatsRange } from '@/lib/stats/types';

/*
 * Every date here is formatted by hand, in UTC. The server renders the first report and the browser
 * hydrates it: Intl's month names differ between ICU versions ("Sep" / "Sept") and the two may sit
 * in different time zones, and any difference in text would be a hydration mismatch.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const pad = (n: number) => String(n).padStart(2, '0');

function parse(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

const hhmm = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
const hhmmss = (d: Date) => `${hhmm(d)}:${pad(d.getUTCSeconds())}`;
const dayMonth = (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ''}`;

/** A bucket's start as an axis tick: minute → "14:05", hour → "27 Nov 14:00", day → "27 Nov". */
export function formatBucket(iso: string, granularity: Granularity): string {
  const d = parse(iso);
  if (!d) return iso;
  if (granularity === 'minute') return hhmm(d);
  if (granularity === 'hour') return `${dayMonth(d)} ${hhmm(d)}`;
  return dayMonth(d);
}

/** A bucket in a tooltip or a sentence, where the reader needs the date and the zone too. */
export function formatBucketLong(iso: string, granularity: Granularity): string {
  const d = parse(iso);
  if (!d) return iso;
  if (granularity === 'day') return `${dayMonth(d)} ${d.getUTCFullYear()}`;
  return `${dayMonth(d)} ${hhmm(d)} UTC`;
}

export function formatClock(iso: string): string {
  const d = parse(iso);
  return d ? hhmmss(d) : iso;
}

/** Log timestamps: the date is kept because a 7- or 90-day range spans many days. */
export function formatLogTime(iso: string): string {
  const d = parse(iso);
  return d ? `${dayMonth(d)} ${hhmmss(d)}` : iso;
}

export function formatDateTime(iso: string): string {
  const d = parse(iso);
  return d ? `${dayMonth(d)} ${d.getUTCFullYear()}, ${hhmm(d)} UTC` : iso;
}

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const upToOneDecimal = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });

export const formatCount = (n: number) => integer.format(n);

/** A ratio in [0, 1] as "96.1 %"; "–" when there were no requests to take a ratio of. */
export function formatRatio(ratio: number | null | undefined): string {
  return ratio == null || !Number.isFinite(ratio) ? '–' : `${oneDecimal.format(ratio * 100)} %`;
}

export function formatPercentValue(percent: number): string {
  return `${oneDecimal.format(percent)} %`;
}

/** "3.5" for small ratios, where the decimal matters; "1,234" for large ones, where it is noise. */
export function formatHitsPerRebuild(n: number): string {
  return n < 10 ? upToOneDecimal.format(n) : integer.format(n);
}

/** A latency: "4.2 ms" under 10 ms, where the decimal matters, "1,250 ms" above; "–" without one. */
export function formatMs(ms: number | null): string {
  return ms === null ? '–' : `${ms < 10 ? upToOneDecimal.format(ms) : integer.format(ms)} ms`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export const RANGE_LABELS: Record<StatsRange, string> = { '1h': '1 h', '24h': '24 h', '7d': '7 d', '90d': '90 d' };

const RANGE_PHRASES: Record<StatsRange, string> = {
  '1h': 'the last hour',
  '24h': 'the last 24 h',
  '7d': 'the last 7 days',
  '90d': 'the last 90 days',
};

/** "the last 24 h", to finish sentences such as "Over … 1,234 requests". */
export const rangePhrase = (range: StatsRange) => RANGE_PHRASES[range];

export const GRANULARITY_UNITS: Record<Granularity, string> = { minute: 'minute', hour: 'hour', day: 'day' };

export const CAUSE_LABELS: Record<RebuildCause, string> = {
  cold: 'cold (no cached copy)',
  expired: 'expired (revalidate period)',
  invalidated: 'invalidated',
};

/** Shortens a path for an axis tick, keeping its end, which is what tells pages apart. */
export function shortenPath(path: string, max = 26): string {
  return path.length <= max ? path : `…${path.slice(path.length - (max - 1))}`;
}
