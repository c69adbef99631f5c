import { and, asc, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { InvalidationEvent } from './schema';
import { getDb, type Database, type Executor } from './client';
import { invalidations } from './schema';

/*
 * The invalidation outbox's statements. Not 'server-only' like db/reads.ts and db/writes.ts: the
 * production server process (server/serve.ts) applies and sweeps the outbox outside Next's
 * bundles, where that import condition is not set.
 */

export interface RecordedInvalidation {
  id: number;
  tags: string[];
  event: InvalidationEvent;
}

/** Runs `work` in one transaction and records the invalidation it describes, if any, in the same one. */
export async function writeWithInvalidation<T>(
  work: (tx: Executor) => Promise<{ result: T; invalidation: { tags: string[]; event: InvalidationEvent } | null }>,
  db: Database = getDb(),
): Promise<{ result: T; recorded: RecordedInvalidation | null }> {
  return db.transaction(async (tx) => {
    const { result, invalidation } = await work(tx);
    if (!invalidation || invalidation.tags.length === 0) return { result, recorded: null };
    const [row] = await tx
      .insert(invalidations)
      .values({ tags: invalidation.tags, event: invalidation.event })
      .returning({ id: invalidations.id });
    if (!row) throw new Error('insert into invalidations returned no row');
    return { result, recorded: { id: row.id, ...invalidation } };
  });
}

export async function markApplied(ids: readonly number[], at: Date, db: Executor = getDb()): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(invalidations)
    .set({ appliedAt: at })
    .where(inArray(invalidations.id, [...ids]));
}

/**
 * Applies unapplied rows older than `graceMs` (younger ones are still being applied by the request
 * that wrote them), oldest first. No transaction and no row locks: applying a row twice (two servers
 * sweeping at once) only expires its tags twice, while a transaction held across the call to the
 * cache would stall the embedded database, which runs every client's transaction on one session.
 * `apply` returns when the rows were applied, or null when they could not be (they stay unapplied).
 */
export async function sweepUnapplied(
  graceMs: number,
  limit: number,
  apply: (rows: RecordedInvalidation[]) => Promise<Date | null>,
  db: Database = getDb(),
): Promise<number> {
  const rows = await db
    .select({ id: invalidations.id, tags: invalidations.tags, event: invalidations.event })
    .from(invalidations)
    .where(
      and(
        isNull(invalidations.appliedAt),
        lt(invalidations.createdAt, sql`now() - make_interval(secs => ${graceMs / 1000})`),
      ),
    )
    .orderBy(asc(invalidations.id))
    .limit(limit);
  if (rows.length === 0) return 0;
  const appliedAt = await apply(rows);
  if (!appliedAt) return 0;
  await markApplied(
    rows.map((row) => row.id),
    appliedAt,
    db,
  );
  return rows.length;
}

export async function countUnapplied(db: Database = getDb()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(invalidations)
    .where(isNull(invalidations.appliedAt));
  return row?.n ?? 0;
}

/**
 * The latest invalidation of every tag changed since `since`, in ms: when it was applied, or
 * `unappliedAt` for a row no server applied (a crash between commit and invalidation). A cache
 * that forgot its invalidations on restart learns them back from this.
 */
export async function latestInvalidationPerTag(
  since: Date,
  unappliedAt: number,
  db: Database = getDb(),
): Promise<Map<string, number>> {
  const rows = await db.execute<{ tag: string; applied: string | null; pending: boolean }>(sql`
    select tag, max(applied_at) as applied, bool_or(applied_at is null) as pending
    from ${invalidations}, unnest(${invalidations.tags}) as tag
    where applied_at is null or applied_at >= ${since.toISOString()}
    group by tag`);
  const latest = new Map<string, number>();
  for (const row of rows) latest.set(row.tag, row.pending ? unappliedAt : new Date(row.applied as string).getTime());
  return latest;
}

/** Applied rows older than any cache entry can be are history only. */
export async function pruneApplied(before: Date, db: Database = getDb()): Promise<void> {
  await db.delete(invalidations).where(lt(invalidations.appliedAt, before));
}
