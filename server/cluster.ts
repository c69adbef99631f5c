import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { cachePrefix, config } from '@/lib/core/config';
import { redactUrl } from '@/lib/core/redact';
import { openRedisConnection } from '@/lib/core/redis-connection';
import { ALLOCATOR_ENV } from './allocator';

/*
 * Several server processes on one port (node:cluster: the primary accepts connections and hands
 * them to the workers in turn). They can share nothing but the Redis page cache, so more than one
 * runs only when that cache is in use; without Redis, one process runs on Next's file cache.
 * A worker that dies is replaced, and the replacement is logged; on SIGTERM/SIGINT every worker
 * finishes its requests and flushes its statistics before the primary exits.
 */

const log = (line: string) => console.log(`[freshpress] ${line}`);
/** A worker that dies sooner than this after its start is replaced after a pause, not at once. */
const CRASH_LOOP_MS = 5000;

/** How many server processes to run, and the page cache setting they must all use. */
export async function planProcesses(): Promise<{ processes: number; pageCache: 'shared' | 'local' | 'auto' }> {
  const wanted = config.WEB_CONCURRENCY ?? availableParallelism();
  if (wanted <= 1) return { processes: 1, pageCache: config.PAGE_CACHE };
  if (config.PAGE_CACHE === 'local') {
    log(`PAGE_CACHE=local: one server process (Next's file cache cannot be shared), not ${wanted}`);
    return { processes: 1, pageCache: 'local' };
  }
  if (config.PAGE_CACHE === 'auto' && !(await redisAnswers())) {
    log(
      `Redis at ${redactUrl(config.REDIS_URL)} is unreachable: one server process on Next's own file cache, not ${wanted}`,
    );
    return { processes: 1, pageCache: 'local' };
  }
  return { processes: wanted, pageCache: 'shared' };
}

async function redisAnswers(): Promise<boolean> {
  const connection = openRedisConnection(config.REDIS_URL, { label: '[cache]', commandTimeoutMs: 2000 });
  try {
    await connection.run((client) => client.ping());
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}

/** The primary: forks `processes` workers running this same script, keeps them running, stops them together. */
export function runPrimary(processes: number, pageCache: 'shared'): void {
  log(`starting ${processes} server processes on port ${config.PORT} (page cache shared in Redis, ${cachePrefix})`);
  let stopping = false;
  const startedAt = new Map<Worker, number>();
  const fork = (index: number) => {
    const worker = cluster.fork({
      ...ALLOCATOR_ENV,
      PAGE_CACHE: pageCache,
      FRESHPRESS_PROCESSES: String(processes),
      FRESHPRESS_PROCESS_INDEX: String(index),
    });
    startedAt.set(worker, Date.now());
    worker.once('exit', (code, signal) => {
      const lived = Date.now() - (startedAt.get(worker) ?? 0);
      startedAt.delete(worker);
      if (stopping) return;
      const delay = lived < CRASH_LOOP_MS ? 1000 : 0;
      log(
        `server process ${worker.process.pid} (#${index}) exited (${signal ?? `code ${code}`}); starting another${delay ? ' in 1 s' : ''}`,
      );
      setTimeout(() => fork(index), delay);
    });
  };
  for (let i = 0; i < processes; i++) fork(i);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const worker of workers) {
      worker.once('exit', () => {
        left -= 1;
        if (left === 0) process.exit(0);
      });
      worker.process.kill(signal);
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
