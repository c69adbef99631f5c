/*
 * When each render under way began, per cache key: a render's result is stamped with its start,
 * and is not kept when an invalidation of one of its tags came at or after it (the render may have
 * read the old content). A read that found no usable entry notes the start of the render it leads
 * to; the `set` that render ends with takes it. A render Next starts for a reason of its own finds
 * no start and is not stored, so every stamp is a time its render had truly begun by.
 */

/** Renders take far less; a start older than this belongs to a render that failed. */
const MAX_RENDER_MS = 120_000;
/**
 * Keys with a render under way. A render that never reaches `set` (a failure, a 404 Next does not
 * offer to store) leaves its start behind: past this many keys, the oldest go first, so a scan of
 * made-up addresses grows nothing. Losing a start only means that render's result is not stored.
 */
const MAX_KEYS = 2_000;

export class RenderStarts {
  private readonly starts = new Map<string, number[]>();

  note(key: string, at: number): void {
    const starts = (this.starts.get(key) ?? []).filter((start) => start > at - MAX_RENDER_MS);
    starts.push(at);
    this.starts.delete(key);
    this.starts.set(key, starts);
    if (this.starts.size > MAX_KEYS) this.starts.delete(this.starts.keys().next().value as string);
  }

  get size(): number {
    return this.starts.size;
  }

  /**
   * The start to stamp a finished render with: the earliest under way for the key, so that with two
   * renders in flight neither is stamped later than it began; the latest start is the one dropped.
   */
  take(key: string): number | null {
    const starts = this.starts.get(key);
    if (!starts || starts.length === 0) return null;
    const earliest = Math.min(...starts);
    starts.splice(starts.indexOf(Math.max(...starts)), 1);
    if (starts.length === 0) this.starts.delete(key);
    return earliest;
  }
}
