import 'server-only';
import { sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { countUnapplied } from '@/db/outbox';
import { config } from '@/lib/core/config';
import { describeError } from '@/lib/core/redis-connection';
import { pageCacheRuntime } from './runtime';
import { aheadReport, type AheadReport } from './render-ahead';
import { fastPathReport, type FastPathReport } from './served-entry';

/*
 * What /api/health reports. Every probe has its own deadline and they run side by side, so the
 * answer never takes much longer than one deadline, whatever is down. Anyone gets whether each part
 * is up (PublicHealth); the detail — driver errors naming internal hosts, the pid, the build id,
 * memory — only with the admin token (app/api/health/route.ts).
 */

const PROBE_MS = 1000;

interface Probe {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Health {
  /** ok: the site can serve; down: it cannot (PostgreSQL unreachable). */
  status: 'ok' | 'down';
  database: Probe;
  redis: (Probe & { used: true }) | { used: false };
  cache: {
    mode: 'shared' | 'local' | 'none';
    buildId: string | null;
    catchingUp: boolean;
    /** Set while this process cannot record invalidations in the cache: since when, and why. */
    cannotInvalidate: { since: string; error: string } | null;
  };
  processes: { count: number; index: number; pid: number };
  /** This process's memory, in MB: resident, and the JavaScript heap in use. */
  memory: { rssMb: number; heapUsedMb: number };
  /** Invalidations committed but not yet applied to the cache (null when the database cannot say). */
  invalidationBacklog: number | null;
  /** The server's fast path for hits (null: off, or not the production server). */
  fastPath: FastPathReport | null;
  /** Pages this process's writers rendered ahead of their changes (lib/page-cache/render-ahead.ts). */
  renderedAhead: AheadReport;
}

/** What a load balancer or a visitor is told: up or down, part by part, and nothing that helps an attacker. */
export interface PublicHealth {
  status: Health['status'];
  database: 'ok' | 'down';
  /** unused: no shared page cache (Next's file cache, or not the production server). */
  redis: 'ok' | 'down' | 'unused';
}

export function publicHealth(health: Health): PublicHealth {
  return {
    status: health.status,
    database: health.database.ok ? 'ok' : 'down',
    redis: !health.redis.used ? 'unused' : health.redis.ok ? 'ok' : 'down',
  };
}

async function probe<T>(work: () => Promise<T>): Promise<Probe & { value?: T }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_MS} ms`)), PROBE_MS);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started), value };
  } catch (error) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      error: describeError(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function describeHealth(): Promise<Health> {
  const runtime = pageCacheRuntime();
  const store = runtime?.mode === 'shared' ? runtime.store : null;
  const [database, backlog, redis] = await Promise.all([
    probe(() => getDb().execute(sql`select 1`)),
    probe(() => countUnapplied()),
    store ? probe(() => store.ping()) : Promise.resolve(null),
  ]);
  const { value: _unused, ...databaseProbe } = database;
  return {
    status: database.ok ? 'ok' : 'down',
    database: databaseProbe,
    redis: redis
      ? { used: true, ok: redis.ok, ms: redis.ms, ...(redis.error && { error: redis.error }) }
      : { used: false },
    cache: {
      mode: runtime?.mode ?? 'none',
      buildId: runtime?.buildId ?? null,
      catchingUp: runtime?.resyncing ?? false,
      cannotInvalidate: runtime?.applyFailure
        ? { since: new Date(runtime.applyFailure.at).toISOString(), error: runtime.applyFailure.error }
        : null,
    },
    processes: { count: config.FRESHPRESS_PROCESSES, index: config.FRESHPRESS_PROCESS_INDEX, pid: process.pid },
    memory: (({ rss, heapUsed }) => ({ rssMb: Math.round(rss / 1048576), heapUsedMb: Math.round(heapUsed / 1048576) }))(
      process.memoryUsage(),
    ),
    invalidationBacklog: backlog.ok ? (backlog.value ?? null) : null,
    fastPath: fastPathReport.get()?.() ?? null,
    renderedAhead: aheadReport(),
  };
}
