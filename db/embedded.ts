import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { freePort } from '@/lib/core/free-port';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) stored under `dataDir`, served over the PostgreSQL
 * wire protocol on a loopback port, so the app talks to it with the same driver as to a server.
 * It lives in the calling process: stopping that process stops the database.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: { waitForLock?: boolean } = {},
): Promise<EmbeddedPostgres> {
  const directory = path.resolve(dataDir, 'pglite');
  await mkdir(directory, { recursive: true });
  const unlock = await lockDataDirectory(directory, options.waitForLock ?? true);
  let db: PGlite;
  try {
    db = await PGlite.create(directory);
  } catch (error) {
    await unlock();
    throw error;
  }
  const port = await freePort();
  // Next's build and server each open a pool; the socket server multiplexes them onto PGlite's
  // single connection, keeping each client's transaction whole.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 64 });
  keepExtendedQueriesWhole(server);
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
      await unlock();
    },
  };
}

/** A holder that stopped refreshing the lock this long ago died (kill -9): its lock is taken over. */
const LOCK_STALE_MS = 5000;

/**
 * PGlite locks nothing: every instance is process 42 inside WebAssembly, so PostgreSQL's own
 * postmaster.pid always looks stale to the next one. Two instances on one directory (a restart
 * while the previous server is still closing) corrupt its WAL: the start after the next crash
 * aborts ("could not locate a valid checkpoint record"), or that crash's commits are silently
 * lost. So the directory is locked for as long as the database is open; a start waits for a
 * holder that is still closing (a tool that must not wait for a running server fails at once),
 * and takes over the lock of one that died.
 */
async function lockDataDirectory(directory: string, wait: boolean): Promise<() => Promise<void>> {
  const options = { lockfilePath: `${directory}.lock`, stale: LOCK_STALE_MS };
  if (wait && (await lockfile.check(directory, options).catch(() => false))) {
    console.log('[freshpress] Waiting for another process to close the embedded database…');
  }
  const release = await lockfile
    .lock(directory, {
      ...options,
      retries: wait ? { retries: 240, minTimeout: 250, maxTimeout: 500 } : 0,
      onCompromised: (error) =>
        console.error(
          `[freshpress] the embedded database's lock was lost (${error.message}); stop the other process using ${directory}`,
        ),
    })
    .catch((error: unknown) => {
      throw new Error(
        `The embedded database in ${directory} is in use by another process; stop it first. (${error instanceof Error ? error.message : String(error)})`,
      );
    });
  return () => release().catch(() => undefined);
}

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
  onData: (data: Uint8Array) => void;
}

interface SessionQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue: () => Promise<void>;
  clearQueueForHandler: (handlerId: number) => void;
}

// Extended-protocol messages: Parse, Bind, Describe, Execute, Flush, Close.
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'H', 'C'].map((c) => c.charCodeAt(0)));
// Messages that end a client's batch: Sync, simple Query, Terminate.
const BATCH_END = new Set(['S', 'Q', 'X'].map((c) => c.charCodeAt(0)));

/**
 * pglite-socket multiplexes many client connections onto PGlite's one session, message by
 * message, keeping a client's turn only while a transaction is open. postgres.js sends a
 * parameterised query as Parse/Describe/Flush, waits for the parameter types, then sends
 * Bind/Execute/Sync against the *unnamed* statement; if another client's Parse lands in between,
 * the Bind hits the wrong statement ("bind message supplies 21 parameters, but prepared statement
 * "" requires 2"). This keeps a client's turn from its first extended-protocol message until its
 * Sync, so every batch runs whole. It replaces one method of the library's queue; the shape check
 * fails loudly if a new version of the library changes it.
 */
export function keepExtendedQueriesWhole(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: SessionQueue }).queryQueue;
  if (
    !queue ||
    !Array.isArray(queue.queue) ||
    typeof queue.processQueue !== 'function' ||
    typeof queue.clearQueueForHandler !== 'function'
  ) {
    throw new Error(
      '@electric-sql/pglite-socket changed its query queue; review keepExtendedQueriesWhole in db/embedded.ts',
    );
  }
  let batchOwner: number | null = null;

  queue.processQueue = async () => {
    if (queue.processing || queue.queue.length === 0) return;
    queue.processing = true;
    try {
      while (queue.queue.length > 0) {
        const turn = batchOwner ?? (queue.db.isInTransaction() ? queue.lastHandlerId : null);
        const index = turn === null ? 0 : queue.queue.findIndex((item) => item.handlerId === turn);
        // The client whose turn it is has not sent its next message yet; its arrival resumes the queue.
        if (index === -1) break;
        const [item] = queue.queue.splice(index, 1);
        if (!item) break;
        const type = item.message[0] ?? 0;
        if (EXTENDED.has(type)) batchOwner = item.handlerId;
        let bytes = 0;
        try {
          await queue.db.runExclusive(() =>
            queue.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          if (batchOwner === item.handlerId) batchOwner = null;
          item.reject(error);
          continue;
        }
        if (BATCH_END.has(type) && batchOwner === item.handlerId) batchOwner = null;
        queue.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      queue.processing = false;
    }
  };

  const clearQueueForHandler = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    // A client that disconnects mid-batch must not hold everyone else's turn.
    if (batchOwner === handlerId) batchOwner = null;
    clearQueueForHandler(handlerId);
    void queue.processQueue();
  };
}
