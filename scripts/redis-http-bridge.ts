import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { errors } from '@upstash/redis';
import { redactUrl } from '@/lib/core/redact';
import { createTcpRequester } from '@/lib/core/tcp-requester';

/*
 * `npm run redis:http`: a local stand-in for the Upstash REST API in front of a real Redis, so the
 * HTTP transport of the stats store can be run and tested without an Upstash account. Development
 * and tests only: one connection to Redis, no TLS, a single token.
 *
 * It answers the way Upstash does, as far as @upstash/redis's HTTP client can tell:
 * - POST /            body ["CMD", ...args]      → 200 {result} or 400 {error}
 * - POST /pipeline    body [["CMD", ...], ...]   → 200 [{result} | {error}, ...]
 * - POST /multi-exec  the same, in MULTI/EXEC    → 200 [...], or 400 {error} when Redis aborts it
 * - a missing or wrong bearer token              → 401 {error}
 * - header `Upstash-Encoding: base64`            → every string in a result, at any depth, in
 *   base64 (numbers and null as they are, errors never), which the client sends by default so
 *   that values that are not valid JSON text survive the trip.
 */

export interface RedisHttpBridgeOptions {
  redisUrl: string;
  token: string;
  /** 0 picks any free port. */
  port: number;
  host?: string;
}

export interface RedisHttpBridge {
  url: string;
  close(): Promise<void>;
}

const DEV_TOKEN = 'freshpress-local-bridge-token';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

type Argument = string | number | boolean;
type Reply = { result?: unknown; error?: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startRedisHttpBridge(options: RedisHttpBridgeOptions): Promise<RedisHttpBridge> {
  const host = options.host ?? '127.0.0.1';
  const tokenDigest = digest(options.token);
  const redis = createTcpRequester(options.redisUrl);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof errors.UpstashError ? 400 : 503;
      send(res, status, { error: error instanceof Error ? error.message : String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorised(req.headers.authorization, tokenDigest)) throw new HttpError(401, 'Unauthorized');
    if (req.method !== 'POST') throw new HttpError(405, `ERR only POST is supported, got ${req.method}`);
    const route = new URL(req.url ?? '/', 'http://bridge').pathname.replace(/\/+$/, '');
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const encode = (reply: Reply): Reply =>
      'error' in reply && reply.error !== undefined
        ? { error: reply.error }
        : { result: base64 ? toBase64(reply.result) : reply.result };
    const body = await readJson(req);

    if (route === '') {
      const reply = (await redis.requester.request({ body: asCommand(body) })) as Reply;
      // Upstash reports a failed single command with an HTTP error, which its client throws.
      if (reply.error !== undefined) throw new HttpError(400, reply.error);
      send(res, 200, encode(reply));
      return;
    }
    if (route === '/pipeline' || route === '/multi-exec') {
      if (!Array.isArray(body) || body.length === 0)
        throw new HttpError(400, 'ERR the body must be a non-empty array of commands');
      const commands = body.map(asCommand);
      const replies = (await redis.requester.request({ path: [route.slice(1)], body: commands })) as unknown as Reply[];
      send(res, 200, replies.map(encode));
      return;
    }
    throw new HttpError(404, `ERR unknown endpoint ${route}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // fetch keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
        await stopped;
        await redis.close();
      })();
      return closing;
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function authorised(header: string | undefined, tokenDigest: Buffer): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), tokenDigest);
}

function asCommand(value: unknown): Argument[] {
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    typeof value[0] === 'string' &&
    value.every((part) => typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean');
  if (!valid)
    throw new HttpError(
      400,
      'ERR a command must be a non-empty JSON array of strings and numbers, starting with its name',
    );
  return value as Argument[];
}

function toBase64(value: unknown): unknown {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (Array.isArray(value)) return value.map(toBase64);
  return value;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'ERR the request body is too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'ERR the request body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
}

function portFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`BRIDGE_PORT must be a port number, got "${value}"`);
  return port;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // A development tool outside the app, so it reads its own few variables rather than lib/core/config.
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const token = process.env.BRIDGE_TOKEN || DEV_TOKEN;
  const bridge = await startRedisHttpBridge({ redisUrl, token, port: portFrom(process.env.BRIDGE_PORT, 8079) });
  console.log(`[redis-http] Upstash-compatible REST API for ${redactUrl(redisUrl)} on ${bridge.url}`);
  if (!process.env.BRIDGE_TOKEN)
    console.log('[redis-http] BRIDGE_TOKEN is not set: using the fixed development token below');
  console.log(`UPSTASH_REDIS_REST_URL=${bridge.url}`);
  // The fixed development token is no secret; a token of the operator's own never reaches a log.
  console.log(`UPSTASH_REDIS_REST_TOKEN=${process.env.BRIDGE_TOKEN ? '(your BRIDGE_TOKEN)' : token}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void bridge.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('[redis-http] shutdown failed', error);
          process.exit(1);
        },
      );
    });
  }
}
