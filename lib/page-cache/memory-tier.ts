import type { CacheHandlerValue } from './next-internals';

/*
 * The entries this process keeps in front of the shared store, bounded by bytes: a hit on one
 * costs no read from Redis, only the freshness check every hit makes.
 */

export interface MemoryEntry {
  data: CacheHandlerValue;
  tags: string[];
  /** Bytes the entry takes, as serialised: what the bound counts. */
  size: number;
  /** The store's generation the entry was read under: another means Redis lost its data since. */
  generation: string;
  /** The epoch at the last check that found the entry fresh; unchanged epoch, still fresh. */
  epoch: string | null;
}

/** A byte-bounded LRU: a Map keeps insertion order, so the first entry is the least recently used. */
export class MemoryTier {
  private readonly entries = new Map<string, MemoryEntry>();
  private bytes = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get(key: string): MemoryEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: MemoryEntry): void {
    this.delete(key);
    // One entry never takes more than a quarter: a huge page would evict everything else.
    if (entry.size > this.limit / 4) return;
    this.entries.set(key, entry);
    this.bytes += entry.size;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.limit) break;
      this.entries.delete(oldest);
      this.bytes -= old.size;
    }
  }

  /** Marks an entry recently used (a hit). */
  touch(key: string, entry: MemoryEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
