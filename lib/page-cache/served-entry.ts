import { AsyncLocalStorage } from 'node:async_hooks';
import { processSingleton, processSlot } from '@/lib/core/process-singleton';

/*
 * Which cache entry a request's answer came from, told by the cache handler (loaded by Next from
 * its own bundle) to the server in front of Next (server/fast-path.ts), which may then keep the
 * answer's bytes and serve them again while that entry stays fresh. An AsyncLocalStorage the server
 * opens around each request it hands to Next; the handler's reads run inside it.
 */

export interface ServedEntry {
  /** The entry's tags, implicit path tags included: what its freshness is checked against. */
  tags: readonly string[];
  /** When the render that made it started (the shared store's clock in shared mode). */
  lastModified: number;
  /** Seconds after lastModified when Next would render it again in the background; null: never. */
  revalidate: number | null;
  /** Shared mode: the store's generation and the epoch at which the entry was last found fresh. */
  generation: string | null;
  epoch: string | null;
}

interface Note {
  entry?: ServedEntry | null;
}

const storage = processSingleton('pageCache.servedEntry', () => new AsyncLocalStorage<Note>());

/** Runs `work` (a request handed to Next) so that the entry its answer came from can be read afterwards. */
export function withServedEntryNote<T>(work: () => T): { result: T; note: () => ServedEntry | null } {
  const note: Note = {};
  const result = storage.run(note, work);
  return { result, note: () => note.entry ?? null };
}

/**
 * The handler served a page entry. A second page entry in the same request makes the answer's
 * origin ambiguous: nothing is noted then.
 */
export function noteServedEntry(entry: ServedEntry): void {
  const note = storage.getStore();
  if (!note) return;
  note.entry = note.entry === undefined ? entry : null;
}

/** What the server's fast path holds and has done in this process, for /api/health. */
export interface FastPathReport {
  answers: number;
  bytes: number;
  /** Requests answered from memory: 200s and 304s. */
  served: number;
  notModified: number;
  /** Freshness round trips to Redis, and the requests they answered. */
  checks: number;
  checkedRequests: number;
}

export const fastPathReport = processSlot<() => FastPathReport>('server.fastPath');
