import { edgeKeyOf, tags as cacheTags } from '@/lib/core/cache-tags';
import { redactSecrets } from '@/lib/core/redact';
import type { PurgeTier } from './tiers';

/*
 * Purging the caching tier in front (EDGE=varnish|fastly|cloudflare) by the same keys the pages
 * carry there (lib/edge/headers.ts). Every applied invalidation comes through here
 * (lib/invalidation/apply.ts), after this server's own cache is current, so an edge that refetches
 * at once gets the new page.
 *
 * Keys wait in one queue per process, merged: a burst of comments costs a few purge requests, not
 * one per comment. A failed request is retried with backoff until its keys are older than
 * EDGE_MAX_AGE, by when the edge has dropped those pages by itself. The queue is bounded: past
 * EDGE_PURGE_QUEUE keys it is replaced by one key every page carries, so an edge unreachable for a
 * long time costs one purge of everything when it returns, and no unbounded memory meanwhile.
 *
 * xkey (and a CDN's purge) skips objects still being fetched: a page the server sent just before
 * the change, still on its way, would be stored after the purge and kept. The server never tags a
 * render older than an invalidation it knows (lib/page-cache/shared-mode.ts), which leaves only pages
 * in transit; a second purge EDGE_REPURGE_MS later removes those.
 */

/** One request to the tier may take this long. */
const REQUEST_TIMEOUT_MS = 5000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** How long a writer waits for its purge before answering: a reader's next request should find the page gone. */
const WRITER_WAIT_MS = 2000;
/** Every page the edge keeps carries it (the data every page reads is tagged with it). */
export const EVERYTHING_KEY = edgeKeyOf(cacheTags.everything);

interface Waiter {
  keys: readonly string[];
  done: () => void;
}

export interface PurgerOptions {
  /** Keys older than this are dropped: the edge has let their pages go by itself. */
  maxAgeMs: number;
  queueLimit: number;
  repurgeMs: number;
  record?: (attempt: { ok: boolean; keys: number; ms: number }) => void;
  now?: () => number;
}

export class EdgePurger {
  /** Key → when it was first queued. A Map keeps insertion order: oldest first. */
  private readonly pending = new Map<string, number>();
  private sending: Promise<void> | null = null;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly repurges = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<Waiter>();
  private lastWarning = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly tier: PurgeTier,
    private readonly options: PurgerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Keys waiting for a successful purge. */
  get queued(): number {
    return this.pending.size;
  }

  /**
   * Queues the tags' keys and resolves once the queue has been sent, or the attempt failed (then it
   * is retried in the background), or after `waitMs`.
   */
  purge(tags: readonly string[], options: { waitMs?: number; repurge?: boolean } = {}): Promise<void> {
    const keys = tags.map(edgeKeyOf);
    this.enqueue(keys, options.repurge ?? true);
    return this.settled(keys, options.waitMs ?? WRITER_WAIT_MS);
  }

  /** Sends what is queued, once, and stops: at shutdown. */
  async close(waitMs = WRITER_WAIT_MS): Promise<void> {
    for (const timer of this.repurges) clearTimeout(timer);
    this.repurges.clear();
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.kick();
    }
    await this.settled([...this.pending.keys()], waitMs);
    this.closed = true;
  }

  private enqueue(keys: readonly string[], repurge: boolean): void {
    if (this.closed || keys.length === 0) return;
    const at = this.now();
    for (const key of keys) if (!this.pending.has(key)) this.pending.set(key, at);
    if (this.pending.size > this.options.queueLimit) {
      const oldest = Math.min(...this.pending.values());
      this.pending.clear();
      this.pending.set(EVERYTHING_KEY, oldest);
      this.warn(
        `more than ${this.options.queueLimit} keys are waiting to be purged; everything will be purged instead`,
      );
    }
    if (repurge && this.options.repurgeMs > 0) {
      const timer = setTimeout(() => {
        this.repurges.delete(timer);
        this.enqueue(keys, false);
      }, this.options.repurgeMs);
      timer.unref();
      this.repurges.add(timer);
    }
    this.kick();
  }

  /**
   * Resolves once none of `keys` is waiting any more (sent, or merged into a purge of everything),
   * or an attempt failed (the retry happens without the caller), or after `waitMs`.
   */
  private settled(keys: readonly string[], waitMs: number): Promise<void> {
    const waiter = { keys, done: () => {} };
    if (this.retryTimer || this.isSent(waiter)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => waiter.done(), waitMs);
      waiter.done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }

  private isSent(waiter: Waiter): boolean {
    return waiter.keys.every((key) => !this.pending.has(key));
  }

  /** After each attempt: a failure releases every caller; a success, those whose keys are all sent. */
  private notify(failed: boolean): void {
    for (const waiter of [...this.waiters]) if (failed || this.isSent(waiter)) waiter.done();
  }

  private kick(): void {
    if (this.sending || this.retryTimer || this.pending.size === 0) return;
    this.sending = this.sendAll().finally(() => {
      this.sending = null;
      // Keys queued while the last request was out go now.
      this.kick();
    });
  }

  /** Sends every queued key in batches; stops at the first failure and schedules a retry. */
  private async sendAll(): Promise<void> {
    while (this.pending.size > 0) {
      this.dropExpired();
      const keys = this.nextBatch();
      if (keys.length === 0) return;
      const started = performance.now();
      try {
        await this.tier.send(keys, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
      } catch (error) {
        this.options.record?.({ ok: false, keys: keys.length, ms: performance.now() - started });
        this.failures += 1;
        const delay = Math.min(FIRST_RETRY_MS * 2 ** (this.failures - 1), MAX_RETRY_MS);
        this.warn(
          `purging ${keys.length} keys at ${this.tier.name} failed (${error instanceof Error ? error.message : String(error)}); retrying in ${delay} ms`,
        );
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.kick();
        }, delay);
        this.retryTimer.unref();
        this.notify(true);
        return;
      }
      this.options.record?.({ ok: true, keys: keys.length, ms: performance.now() - started });
      this.failures = 0;
      for (const key of keys) this.pending.delete(key);
      this.notify(false);
    }
    // Expired keys dropped without a request.
    this.notify(false);
  }

  private nextBatch(): string[] {
    const keys: string[] = [];
    let chars = 0;
    for (const key of this.pending.keys()) {
      if (keys.length === this.tier.batch || (keys.length > 0 && chars + key.length + 1 > this.tier.maxChars)) break;
      keys.push(key);
      chars += key.length + 1;
    }
    return keys;
  }

  private dropExpired(): void {
    const oldest = this.now() - this.options.maxAgeMs;
    let dropped = 0;
    for (const [key, at] of this.pending) {
      if (at > oldest) break;
      this.pending.delete(key);
      dropped += 1;
    }
    if (dropped > 0)
      this.warn(`${dropped} keys could not be purged within EDGE_MAX_AGE; the edge has let those pages expire`);
  }

  private warn(message: string): void {
    // One line a minute: while the edge is down, every comment would log otherwise.
    if (this.now() - this.lastWarning < 60_000) return;
    this.lastWarning = this.now();
    // A failure's message names the purge URL, which may carry credentials.
    console.warn(`[edge] ${redactSecrets(message)}`);
  }
}
