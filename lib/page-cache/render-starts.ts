/*
 * When each render under way began, per cache key: a render's result is stamped with its start,
 * and is not kept when an invalidation of one of its tags came at or after it (the render may have
 * read the old content). A read that found no usable entry notes the start of the render it leads
 * to; the `set` that render ends with takes it. A render Next starts for a reason of its own finds
 * no start and is not stored, so every stamp is a time its render had truly begun by.
 */

/** Renders take far less; a start older than this belongs to a render that failed. */
const MAX_RENDER_MS = 120_000;

export class RenderStarts {
  private readonly starts = new Map<string, number[]>();

  note(key: string, at: number): void {
    const starts = (this.starts.get(key) ?? []).filter((start) => start > at - MAX_RENDER_MS);
    starts.push(at);
    this.starts.set(key, starts);
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
