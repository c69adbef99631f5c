import { randomUUID } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { tagKind } from '@/lib/core/cache-tags';
import { bucketStart, GRANULARITIES, LOG_LENGTH, RETENTION_SECONDS, statsKeys, type PageMetric } from './keys';
import { latencyField, PURGE_FIELDS } from './purges';
import type { InvalidationEvent, InvalidationLogEntry, RebuildCause, RequestOutcome, StoreStatus } from './types';

/*
 * Counting costs the serving path one Map update: counts are aggregated in memory and written to
 * Redis in one pipeline per flush (every second, and at shutdown). Serving never waits on Redis.
 * While Redis is unreachable the counts stay in memory up to a bound; past it they are dropped and
 * the drop itself is counted, so the dashboard can say how much is missing.
 */

export interface RecorderOptions {
  redis: Redis | null;
  transport: 'tcp' | 'http';
  prefix: string;
  flushMs: number;
  /** Distinct pending counters (and log lines) held while Redis cannot be reached. */
  bufferLimit: number;
  now?: () => number;
  /** Closes the Redis connection on shutdown. */
  closeRedis?: () => Promise<void>;
  onFlushError?: (error: unknown) => void;
}

export interface RebuildRecord {
  page: string;
  cause: RebuildCause;
  tags: readonly string[];
  events: readonly InvalidationEvent[];
  wasted: boolean;
  at?: number;
}

/** One purge request sent to the CDN or Varnish (lib/edge/purger.ts), answered or failed. */
export interface PurgeRecord {
  /** False for a failed attempt, which the purger retries. */
  ok: boolean;
  /** Keys or tags the request carried. */
  keys: number;
  /** How long the request took, in milliseconds. */
  ms: number;
}

type Op = 'h' | 'z' | 'm';

/** A flush's writes, as the arguments of APPLY_BATCH, with the id that makes retrying it safe. */
interface Batch {
  id: string;
  args: string[];
}

const APPLY_BATCH = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', 600) then return 0 end
local i = 1
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'h' then redis.call('HINCRBY', ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]); i = i + 4
  elseif op == 'z' then redis.call('ZINCRBY', ARGV[i + 1], ARGV[i + 3], ARGV[i + 2]); i = i + 4
  elseif op == 'm' then
    local current = tonumber(redis.call('HGET', ARGV[i + 1], ARGV[i + 2]))
    if not current or tonumber(ARGV[i + 3]) > current then redis.call('HSET', ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) end
    i = i + 4
  elseif op == 'l' then redis.call('LPUSH', ARGV[i + 1], ARGV[i + 2]); i = i + 3
  elseif op == 't' then redis.call('LTRIM', ARGV[i + 1], 0, ARGV[i + 2]); i = i + 3
  elseif op == 'e' then redis.call('EXPIRE', ARGV[i + 1], ARGV[i + 2]); i = i + 3
  else return redis.error_reply('unknown stats op ' .. tostring(op)) end
end
return 1`;
const SEP = '\u0000';
/** Tags one line of the invalidation log names; a larger change is counted beside them. */
export const LOG_TAG_SAMPLE = 20;
/** Tags whose last invalidation this process remembers, to explain rebuilds. */
const TAGS_REMEMBERED = 20_000;

/** HINCRBY (h) or ZINCRBY (z) of one field or member, or a hash field kept at its maximum (m). */
interface PendingOp {
  op: Op;
  key: string;
  field: string;
  ttl: number;
  /** The increment (1 unless given), or for `m` the value to keep if it is the larger. */
  by?: number;
}

export class StatsRecorder {
  private pending = new Map<string, number>();
  private pendingLogs: { key: string; line: string }[] = [];
  private ttl = new Map<string, number>();
  /** Dropped counts per minute bucket; a handful of numbers, so they are never dropped themselves. */
  private dropped = new Map<number, number>();
  private flushing: Promise<void> | null = null;
  /** A batch whose write failed or timed out; it may or may not have been applied. */
  private unconfirmed: Batch | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reachable = true;
  private unreachableSince: number | null = null;
  private lastFlushAt: number | null = null;
  private readonly keys;
  private readonly now: () => number;
  /** Tags invalidated in this process, with when and why: the handler explains rebuilds with it. */
  private readonly tagInvalidations = new Map<string, { at: number; events: InvalidationEvent[] }>();

  constructor(private readonly options: RecorderOptions) {
    this.keys = statsKeys(options.prefix);
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.redis !== null;
  }

  start(): this {
    if (this.enabled && !this.timer) {
      this.timer = setInterval(() => void this.flush(), this.options.flushMs);
      // The flush timer must never keep a process alive on its own.
      this.timer.unref();
    }
    return this;
  }

  recordRequest(page: string, outcome: RequestOutcome, at = this.now()): void {
    if (!this.enabled) return;
    this.apply(this.everywhere(page, outcome, at), []);
  }

  recordRebuild(record: RebuildRecord): void {
    if (!this.enabled) return;
    const at = record.at ?? this.now();
    const ops = this.everywhere(record.page, 'rebuilds', at);
    if (record.wasted) ops.push(...this.everywhere(record.page, 'wasted', at));
    const kinds = record.cause === 'invalidated' ? new Set(record.tags.map(tagKind)) : new Set([record.cause]);
    const eventKinds = new Set(record.events.map((event) => event.kind));
    const causes = record.cause === 'invalidated' && record.tags.length > 0 ? record.tags : [record.cause];
    for (const g of GRANULARITIES) {
      const start = bucketStart(g, at);
      const totals = this.keys.totals(g, start);
      const ttl = RETENTION_SECONDS[g];
      for (const kind of kinds) ops.push({ op: 'h', key: totals, field: `cause:${kind}`, ttl });
      for (const kind of eventKinds) ops.push({ op: 'h', key: totals, field: `event:${kind}`, ttl });
      const causeKey = this.keys.causes(g, start);
      for (const cause of causes) ops.push({ op: 'h', key: causeKey, field: `${record.page}\t${cause}`, ttl });
    }
    const line = JSON.stringify({
      at: new Date(at).toISOString(),
      page: record.page,
      cause: record.cause,
      tags: record.tags,
      events: record.events,
      wasted: record.wasted,
    });
    this.apply(ops, [{ key: this.keys.rebuildLog, line }]);
  }

  /** A render was not done because another server was rebuilding the same page. */
  recordAvoidedRebuild(page: string, at = this.now()): void {
    if (!this.enabled) return;
    this.apply(this.everywhere(page, 'avoided', at), []);
  }

  /** One purge request to the edge: counted per bucket, its latency in a histogram (purges.ts). */
  recordPurge(purge: PurgeRecord, at = this.now()): void {
    if (!this.enabled) return;
    // HINCRBY takes integers only, and one bad argument fails the whole batch, which is then retried
    // as it is: a NaN (or a 1e21, which String() writes with an exponent) from the purger would hold
    // back every count recorded after it.
    const keys = Math.round(withinRange(purge.keys, 1_000_000));
    const ms = withinRange(purge.ms, 3_600_000);
    const ops: PendingOp[] = [];
    for (const g of GRANULARITIES) {
      const key = this.keys.totals(g, bucketStart(g, at));
      const ttl = RETENTION_SECONDS[g];
      ops.push({ op: 'h', key, field: purge.ok ? PURGE_FIELDS.sent : PURGE_FIELDS.failed, ttl });
      if (purge.ok && keys > 0) ops.push({ op: 'h', key, field: PURGE_FIELDS.keys, ttl, by: keys });
      ops.push({ op: 'h', key, field: PURGE_FIELDS.ms, ttl, by: Math.round(ms) });
      ops.push({ op: 'h', key, field: latencyField(ms), ttl });
      // Rounded up: it bounds the histogram's last bucket from above.
      ops.push({ op: 'm', key, field: PURGE_FIELDS.maxMs, ttl, by: Math.ceil(ms) });
    }
    this.apply(ops, []);
  }

  /** A writer invalidated `tags` because of `event` (called before the tags are expired). */
  recordInvalidation(tags: readonly string[], event: InvalidationEvent, at = this.now()): void {
    for (const tag of tags) {
      const known = this.tagInvalidations.get(tag);
      // A short memory per tag is enough: a rebuild is explained by the events since its entry was made.
      const events = [...(known?.events ?? []), event].slice(-20);
      this.rememberTag(tag, { at, events });
    }
    if (!this.enabled) return;
    // A line of the log names a sample of the tags and counts them all, whatever the change's size.
    const entry: InvalidationLogEntry = {
      at: new Date(at).toISOString(),
      tags: tags.slice(0, LOG_TAG_SAMPLE),
      ...(tags.length > LOG_TAG_SAMPLE && { tagCount: tags.length }),
      event,
    };
    this.apply([], [{ key: this.keys.invalidationLog, line: JSON.stringify(entry) }]);
  }

  /** Next expired these tags (the cache handler's revalidateTag). */
  noteTagsExpired(tags: readonly string[], at = this.now()): void {
    for (const tag of tags) {
      const known = this.tagInvalidations.get(tag);
      this.rememberTag(tag, { at: Math.max(at, known?.at ?? 0), events: known?.events ?? [] });
    }
  }

  /** The tags invalidated last are kept, up to TAGS_REMEMBERED: a long-running process grows no further. */
  private rememberTag(tag: string, value: { at: number; events: InvalidationEvent[] }): void {
    this.tagInvalidations.delete(tag);
    this.tagInvalidations.set(tag, value);
    if (this.tagInvalidations.size <= TAGS_REMEMBERED) return;
    const oldest = this.tagInvalidations.keys().next();
    if (!oldest.done) this.tagInvalidations.delete(oldest.value);
  }

  /** Which of an entry's tags were invalidated after it was made, and the events behind them. */
  explainInvalidation(
    entryTags: readonly string[],
    lastModified: number,
  ): { tags: string[]; events: InvalidationEvent[] } {
    const tags: string[] = [];
    const events = new Map<string, InvalidationEvent>();
    for (const tag of entryTags) {
      const known = this.tagInvalidations.get(tag);
      if (!known || known.at < lastModified) continue;
      tags.push(tag);
      for (const event of known.events) events.set(`${event.kind}|${event.description}`, event);
    }
    return { tags, events: [...events.values()] };
  }

  status(): StoreStatus {
    return {
      reachable: this.reachable,
      unreachableSince: this.unreachableSince === null ? null : new Date(this.unreachableSince).toISOString(),
      lastFlushAt: this.lastFlushAt === null ? null : new Date(this.lastFlushAt).toISOString(),
      transport: this.options.transport,
      buffered: this.pending.size + this.pendingLogs.length + (this.unconfirmed ? 1 : 0),
    };
  }

  /** Writes everything pending in one pipeline. Concurrent callers share the flush under way. */
  flush(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    // Whatever arrived during that flush goes out too.
    if (this.unconfirmed || this.pending.size > 0 || this.pendingLogs.length > 0 || this.dropped.size > 0)
      await this.flush();
    await this.options.closeRedis?.();
  }

  private everywhere(page: string, metric: PageMetric, at: number): PendingOp[] {
    return GRANULARITIES.flatMap((g) => {
      const start = bucketStart(g, at);
      const ttl = RETENTION_SECONDS[g];
      return [
        { op: 'h' as const, key: this.keys.totals(g, start), field: metric, ttl },
        { op: 'z' as const, key: this.keys.pages(g, start, metric), field: page, ttl },
      ];
    });
  }

  /**
   * All of a record's counts and log lines, or none: a record that would grow the buffer past its
   * bound is dropped whole and counted once, so "stored + dropped" is exactly what was recorded.
   */
  private apply(ops: PendingOp[], logs: { key: string; line: string }[]): void {
    const ids = ops.map((o) => `${o.op}${SEP}${o.key}${SEP}${o.field}`);
    const fresh = new Set(ids.filter((id) => !this.pending.has(id))).size;
    if (
      fresh + logs.length > 0 &&
      this.pending.size + this.pendingLogs.length + fresh + logs.length > this.options.bufferLimit
    ) {
      this.countDropped(1);
      return;
    }
    ids.forEach((id, i) => {
      const { op, key, ttl, by = 1 } = ops[i]!;
      const pending = this.pending.get(id) ?? 0;
      this.pending.set(id, op === 'm' ? Math.max(pending, by) : pending + by);
      this.ttl.set(key, ttl);
    });
    this.pendingLogs.push(...logs);
  }

  private countDropped(n: number): void {
    const minute = bucketStart('minute', this.now());
    this.dropped.set(minute, (this.dropped.get(minute) ?? 0) + n);
  }

  private async flushOnce(): Promise<void> {
    const redis = this.options.redis;
    if (!redis) return;
    // A batch whose write failed goes again first, under its own id, before anything newer.
    if (this.unconfirmed) {
      if (!(await this.write(redis, this.unconfirmed))) return;
      this.unconfirmed = null;
    }
    if (this.pending.size === 0 && this.pendingLogs.length === 0 && this.dropped.size === 0) return;
    const batch: Batch = { id: randomUUID(), args: this.encode() };
    if (!(await this.write(redis, batch))) this.unconfirmed = batch;
  }

  /** Moves everything pending into one script's arguments: op, key, then the op's operands. */
  private encode(): string[] {
    const args: string[] = [];
    for (const [id, n] of this.pending) {
      const [op, key, field] = id.split(SEP) as [Op, string, string];
      args.push(op, key, field, String(n));
    }
    for (const [minute, n] of this.dropped) {
      args.push('h', this.keys.meta, 'dropped', String(n));
      for (const g of GRANULARITIES) {
        const totals = this.keys.totals(g, bucketStart(g, minute));
        args.push('h', totals, 'dropped', String(n));
        this.ttl.set(totals, RETENTION_SECONDS[g]);
      }
    }
    const logKeys = new Set<string>();
    for (const { key, line } of this.pendingLogs) {
      args.push('l', key, line);
      logKeys.add(key);
    }
    for (const key of logKeys) args.push('t', key, String(LOG_LENGTH - 1));
    for (const [key, seconds] of this.ttl) args.push('e', key, String(seconds));
    this.pending = new Map();
    this.pendingLogs = [];
    this.ttl = new Map();
    this.dropped = new Map();
    return args;
  }

  /**
   * One script per batch, applied at most once: a write that timed out may still have landed, so
   * a retry must not add the same counts again. The batch id is claimed in the same atomic step.
   */
  private async write(redis: Redis, batch: Batch): Promise<boolean> {
    try {
      await redis.eval(APPLY_BATCH, [this.keys.batch(batch.id)], batch.args);
      this.reachable = true;
      this.unreachableSince = null;
      this.lastFlushAt = this.now();
      return true;
    } catch (error) {
      if (this.reachable) this.options.onFlushError?.(error);
      this.reachable = false;
      this.unreachableSince ??= this.now();
      return false;
    }
  }
}

function withinRange(n: number, max: number): number {
  return Number.isFinite(n) && n > 0 ? Math.min(n, max) : 0;
}
