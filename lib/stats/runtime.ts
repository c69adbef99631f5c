import { config } from '@/lib/core/config';
import { processSingleton } from '@/lib/core/process-singleton';
import { describeError } from '@/lib/core/redis-connection';
import { sharedUpstashRedis, upstashTransport, upstashSettings } from '@/lib/core/upstash-redis';
import { StatsRecorder } from './recorder';

/*
 * One recorder per process (lib/core/process-singleton.ts), on the process's one @upstash/redis
 * client: the server, the cache handler and the app's writers all count into it.
 */

/** Counting is off when switched off, and always while `next build` runs. */
export function recordingEnabled(): boolean {
  return config.STATS_RECORDING === 'on' && config.NEXT_PHASE !== 'phase-production-build';
}

export function getRecorder(): StatsRecorder {
  return processSingleton('stats.recorder', () =>
    new StatsRecorder({
      redis: recordingEnabled() ? sharedUpstashRedis().redis : null,
      transport: upstashTransport(upstashSettings),
      prefix: config.STATS_PREFIX,
      flushMs: config.STATS_FLUSH_MS,
      bufferLimit: config.STATS_BUFFER_LIMIT,
      onFlushError: (error) =>
        console.error('[stats] the stats store is unreachable; counts are buffered in memory:', describeError(error)),
    }).start(),
  );
}
