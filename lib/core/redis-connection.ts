import { createClient } from 'redis';
import { redactSecrets, redactUrl } from './redact';

/*
 * One TCP connection to Redis with the policies every caller here needs: commands fail at once
 * while disconnected (never queued for replay), reconnects back off with jitter, an outage is
 * logged once and its end once, and every call has a deadline. The statistics' Upstash requester
 * and the shared page cache both sit on it.
 */

export interface RedisConnectionOptions {
  /** Prefix of the outage log lines, e.g. "[stats]". */
  label: string;
  /** Longest wait for one call, connecting included. */
  commandTimeoutMs: number;
  /** Longest wait for one TCP connection attempt. */
  connectTimeoutMs?: number;
  /** Called on every (re)connection, after the first one too. */
  onReady?: () => void;
  /** Called when a connected client loses Redis. */
  onLost?: () => void;
}

const MAX_RECONNECT_DELAY_MS = 10_000;

function createTcpClient(url: string, connectTimeout: number) {
  return createClient({
    url,
    RESP: 2,
    // A queued command would be replayed after a reconnect, long after its caller was told it failed.
    disableOfflineQueue: true,
    // node-redis's default per-command timeout is an `AbortSignal.timeout` per command whose timer
    // runs its full 5 s even after the reply, and holds the async context it was created in: the
    // whole render that sent the command. Under a scan of made-up URLs those add up to hundreds of
    // MB. Every call here already has a deadline of its own (withDeadline, cleared on settling).
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout,
      // Exponential with jitter, so a fleet of servers does not reconnect in lockstep after a restart.
      reconnectStrategy: (retries) =>
        Math.min(100 * 2 ** Math.min(retries, 10), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100),
    },
  });
}

export type RedisTcpClient = ReturnType<typeof createTcpClient>;

export interface RedisConnection {
  client: RedisTcpClient;
  /** The URL without its password, for messages. */
  where: string;
  readonly isReady: boolean;
  /** Resolves once connected; throws RedisUnavailableError while Redis cannot be reached. */
  connected(): Promise<void>;
  /** Runs `work` once connected, within the deadline; throws RedisUnavailableError otherwise. */
  run<T>(work: (client: RedisTcpClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Redis is not connected (down, restarting, or still being dialled after a failure), or did not answer in time. */
export class RedisUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}

export function openRedisConnection(url: string, options: RedisConnectionOptions): RedisConnection {
  const where = redactUrl(url);
  const client = createTcpClient(url, options.connectTimeoutMs ?? options.commandTimeoutMs);

  // Without an 'error' listener a refused connection would crash the process. One line per outage:
  // node-redis reports every failed reconnect attempt.
  let outage = false;
  let closed = false;
  client.on('error', (error: unknown) => {
    // node-redis still reports the socket it tears down when closed mid-handshake.
    if (outage || closed) return;
    outage = true;
    console.warn(
      `${options.label} Redis at ${where} is unreachable (${describeError(error)}); reconnecting in the background`,
    );
    options.onLost?.();
  });
  client.on('ready', () => {
    if (closed) return;
    if (outage) console.warn(`${options.label} Redis at ${where} is reachable again`);
    outage = false;
    options.onReady?.();
  });

  // Calls made while the very first attempt is under way wait for it (a server starting up must not
  // lose its first request to a race); once an attempt has failed, calls fail at once until reconnected.
  const firstAttempt = new Promise<void>((resolve) => {
    client.once('ready', resolve);
    client.once('error', resolve);
  });
  // Rejects only when the client is closed, which close() does on purpose.
  client.connect().catch(() => undefined);

  async function connected(): Promise<void> {
    if (closed) throw new RedisUnavailableError(`the connection to Redis at ${where} is closed`);
    if (client.isReady) return;
    await firstAttempt;
    if (!client.isReady) throw new RedisUnavailableError(`Redis at ${where} is not connected`);
  }

  return {
    client,
    where,
    connected,
    get isReady() {
      return client.isReady && !closed;
    },
    run: (work) =>
      withDeadline(
        connected().then(() => work(client)),
        options.commandTimeoutMs,
        where,
      ),
    async close() {
      if (closed) return;
      closed = true;
      // close() lets replies already on their way arrive; destroy() also stops a reconnect loop.
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
      // A connection attempt under way when destroy() is called still completes, and its socket
      // would keep the process alive: tear it down as soon as it is ready.
      client.on('ready', () => client.destroy());
    },
  };
}

/**
 * Whether `error` says Redis did not answer. By name, not `instanceof`: the server's bundle and
 * Next's each hold a copy of the class, and the store that throws lives in the server's.
 */
export function isRedisUnavailable(error: unknown): boolean {
  return error instanceof Error && error.name === 'RedisUnavailableError';
}

/** Rejects with RedisUnavailableError after `ms`, or when `signal` aborts with its reason. */
export function withDeadline<T>(work: Promise<T>, ms: number, where: string, signal?: AbortSignal): Promise<T> {
  // node-redis's own per-command timeout is off (createTcpClient), and stopped counting once a
  // command was written anyway: a Redis that stops answering would hold the caller forever without
  // this. The timer is cleared as soon as the work settles, so it holds nothing afterwards.
  // When the timer fires, the answer may already be waiting on the socket: a render that held the
  // event loop past the deadline delays the timer and the reply alike. The rejection waits one turn
  // (setImmediate runs after the loop's I/O), so only a Redis that really did not answer loses.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => setImmediate(() => reject(new RedisUnavailableError(`no answer from Redis at ${where} within ${ms} ms`))),
      ms,
    );
    const onAbort = () =>
      reject(signal?.reason instanceof Error ? signal.reason : new Error('the request was aborted'));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

/** An error's message for a log line or /api/health, without the credentials it may quote (./redact.ts). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join('; ');
  if (error instanceof Error) return redactSecrets(error.message || error.name);
  return redactSecrets(String(error));
}
