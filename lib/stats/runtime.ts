import { config } from '@/lib/config';
import { StatsRecorder } from './recorder';
import { createStatsRedis, statsTransport } from './redis-client';

/*
 * One stats connection and one recorder per process. The custom server, the cache handler (loaded
 * by Next from its own bundle) and the app's writers are separate copies of this code in one
 * process, so the instances live on globalThis under registered symbols, and whichever copy runs
 * first creates them.
 */

const RECORDER = Symbol.for('freshpress.stats.recorder');
const CONNECTION = Symbol.for('freshpress.stats.connection');
type Holder = { [RECORDER]?: StatsRecorder; [CONNECTION]?: ReturnType<typeof createStatsRedis> };
const holder = globalThis as Holder;

/** Counting is off when switched off, and always while `next build` runs. */
export function recordingEnabled(): boolean {
  return config.STATS_RECORDING === 'on' && config.NEXT_PHASE !== 'phase-production-build';
}

const settings = {
  redisUrl: config.REDIS_URL,
  restUrl: config.UPSTASH_REDIS_REST_URL,
  restToken: config.UPSTASH_REDIS_REST_TOKEN,
};

export function getStatsConnection(): ReturnType<typeof createStatsRedis> {
  holder[CONNECTION] ??= createStatsRedis(settings);
  return holder[CONNECTION];
}

export function getRecorder(): StatsRecorder {
  if (holder[RECORDER]) return holder[RECORDER];
  const connection = recordingEnabled() ? getStatsConnection() : null;
  holder[RECORDER] = new StatsRecorder({
    redis: connection?.redis ?? null,
    transport: statsTransport(settings),
    prefix: config.STATS_PREFIX,
    flushMs: config.STATS_FLUSH_MS,
    bufferLimit: config.STATS_BUFFER_LIMIT,
    closeRedis: connection?.close,
    onFlushError: (error) => console.error('[stats] the stats store is unreachable; counts are buffered in memory:', String(error)),
  }).start();
  return holder[RECORDER];
}
