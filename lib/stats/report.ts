import 'server-only';
import { config } from '@/lib/core/config';
import { redactError } from '@/lib/core/redact';
import { readStats } from './reader';
import { sharedUpstashRedis } from '@/lib/core/upstash-redis';
import { getRecorder } from './runtime';
import { STATS_RANGES, type StatsRange, type StatsReport, type StoreStatus } from './types';

export class StatsUnavailableError extends Error {
  constructor(
    message: string,
    readonly store: StoreStatus,
  ) {
    super(message);
  }
}

export function parseRange(raw: string | null | undefined): StatsRange | null {
  if (raw === null || raw === undefined || raw === '') return '24h';
  return (STATS_RANGES as readonly string[]).includes(raw) ? (raw as StatsRange) : null;
}

/** The report for a range, optionally narrowed to one page. Throws StatsUnavailableError when Redis cannot be read. */
export async function getStatsReport(range: StatsRange, page?: string): Promise<StatsReport> {
  const started = performance.now();
  const store = getRecorder().status();
  let report: Omit<StatsReport, 'store' | 'serverMs'>;
  try {
    report = await readStats(sharedUpstashRedis().redis, config.STATS_PREFIX, range, Date.now(), page);
  } catch (error) {
    console.error('[stats] reading the statistics failed', redactError(error));
    const since = store.unreachableSince ?? new Date().toISOString();
    throw new StatsUnavailableError(`The statistics store cannot be read (since ${since}).`, {
      ...store,
      reachable: false,
      unreachableSince: since,
    });
  }
  return { ...report, store, serverMs: Math.round((performance.now() - started) * 10) / 10 };
}
