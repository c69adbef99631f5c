import {
  errors,
  Redis,
  type RedisConfigNodejs,
  type Requester,
  type UpstashRequest,
  type UpstashResponse,
} from '@upstash/redis';
import { config } from './config';
import { madeProcessSingleton, processSingleton } from './process-singleton';
import { createTcpRequester } from './tcp-requester';

/*
 * How the statistics and the rate limits reach Redis: an @upstash/redis `Redis` over the Upstash
 * REST API when a REST URL and token are configured (serverless, edge), otherwise over TCP to
 * REDIS_URL. Both are set up to behave alike: results come back as Redis sent them (the stats code
 * stores integers and JSON it serialises itself, and must not see "007" turn into 7 or HGETALL
 * become an object on one transport only), no telemetry, no implicit batching, and a bounded wait.
 * (The page cache keeps its own TCP connection, lib/core/redis-connection.ts: it runs Lua scripts
 * with deadlines of its own.)
 */

export interface UpstashRedisSettings {
  redisUrl: string;
  restUrl?: string;
  restToken?: string;
  /** Longest wait for one request; 2 s unless given. */
  commandTimeoutMs?: number;
}

export interface UpstashRedis {
  redis: Redis;
  transport: 'tcp' | 'http';
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * `new Redis(requester)` takes no options, so a custom requester would run with automatic
 * deserialisation on. The command methods read `opts` each time they are called, so setting it
 * here gives the TCP client the same options the HTTP one gets from its config.
 */
class RequesterRedis extends Redis {
  constructor(requester: Requester) {
    super(requester);
    this.opts = { automaticDeserialization: false };
    this.enableTelemetry = false;
    this.enableAutoPipelining = false;
  }
}

/**
 * Over HTTP, a deadline per request whose timer is cleared when the request settles. Upstash's own
 * `signal` option only takes a signal (or a maker of one), and `AbortSignal.timeout` keeps its
 * timer — and with it the async context it was made in, a whole render when a server action
 * calls — for the full timeout after the answer came. The command methods read `client` each time
 * they are called, so wrapping it here covers every command, pipeline and transaction.
 */
class HttpRedis extends Redis {
  constructor(config: RedisConfigNodejs, timeoutMs: number) {
    super(config);
    this.client = withClearedDeadline(this.client, timeoutMs, config.url ?? 'the Upstash REST API');
  }
}

function withClearedDeadline(inner: Requester, timeoutMs: number, where: string): Requester {
  return {
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const onAbort = () => controller.abort(req.signal?.reason);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const response = await inner.request<TResult>({ ...req, signal: controller.signal });
        // Given a signal (not a maker of one), the client answers an abort with the result
        // "Aborted" rather than an error: a deadline must fail the call.
        if (controller.signal.aborted) throw new errors.UpstashError(`no answer from ${where} within ${timeoutMs} ms`);
        return response;
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** HTTP only when both REST settings are given; otherwise TCP to REDIS_URL. */
export function upstashTransport(settings: Pick<UpstashRedisSettings, 'restUrl' | 'restToken'>): 'tcp' | 'http' {
  return settings.restUrl && settings.restToken ? 'http' : 'tcp';
}

export function createUpstashRedis(settings: UpstashRedisSettings): UpstashRedis {
  const timeoutMs = settings.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (upstashTransport(settings) === 'http') {
    const redis = new HttpRedis(
      {
        url: settings.restUrl as string,
        token: settings.restToken as string,
        automaticDeserialization: false,
        enableTelemetry: false,
        // On by default over HTTP: it would batch unrelated calls and reword their errors (and
        // return a proxy in place of the client, around the deadline set up above).
        enableAutoPipelining: false,
        retry: { retries: 2, backoff: (retryCount) => 50 * 2 ** retryCount },
      },
      timeoutMs,
    );
    return { redis, transport: 'http', close: async () => {} };
  }
  const tcp = createTcpRequester(settings.redisUrl, { commandTimeoutMs: timeoutMs });
  return { redis: new RequesterRedis(tcp.requester), transport: 'tcp', close: () => tcp.close() };
}

/** The configured transport: REST when both Upstash settings are given, else REDIS_URL. */
export const upstashSettings: UpstashRedisSettings = {
  redisUrl: config.REDIS_URL,
  restUrl: config.UPSTASH_REDIS_REST_URL,
  restToken: config.UPSTASH_REDIS_REST_TOKEN,
};

const SHARED = 'redis.upstash';

/** The process's one client on the configured transport, shared by the statistics and the rate limits. */
export function sharedUpstashRedis(): UpstashRedis {
  return processSingleton(SHARED, () => createUpstashRedis(upstashSettings));
}

/** At shutdown, after the last counts are written. */
export async function closeSharedUpstashRedis(): Promise<void> {
  await madeProcessSingleton<UpstashRedis>(SHARED)?.close();
}
