import { errors, type Requester, type UpstashRequest, type UpstashResponse } from '@upstash/redis';
import { ErrorReply, MultiErrorReply } from 'redis';
import { openRedisConnection, withDeadline } from '@/lib/core/redis-connection';

/*
 * A `Requester` for @upstash/redis that speaks RESP over TCP instead of HTTP, so a self-hosted site
 * needs no REST proxy in front of its Redis. Every command class of @upstash/redis runs unchanged on
 * top of it, which holds only if replies have exactly the shape the Upstash REST API gives once its
 * HTTP client has base64-decoded them: RESP2 replies as they come (integers as numbers, bulk strings
 * as strings, nil as null, arrays flat — HGETALL and WITHSCORES included). That is why the client
 * runs with `RESP: 2` and commands go through `sendCommand`, which skips node-redis's own reply
 * transforms.
 */

export interface TcpRequesterOptions {
  /** Longest wait for one request (a command, a pipeline or a transaction), connecting included. */
  commandTimeoutMs?: number;
  /** Longest wait for one TCP connection attempt. */
  connectTimeoutMs?: number;
}

export interface TcpRequester {
  requester: Requester;
  close(): Promise<void>;
}

type Reply = { result: unknown } | { error: string };
type Command = string[];

const DEFAULT_TIMEOUT_MS = 2000;

export function createTcpRequester(url: string, options: TcpRequesterOptions = {}): TcpRequester {
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Queued commands would be replayed after a reconnect, long after the caller was told they
  // failed and had kept its counts for the next flush: they would be counted twice. The
  // connection refuses to queue (lib/core/redis-connection.ts).
  const connection = openRedisConnection(url, {
    label: '[stats]',
    commandTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const { client, connected, where } = connection;

  async function single(command: Command): Promise<Reply> {
    try {
      return { result: await client.sendCommand(command) };
    } catch (error) {
      if (error instanceof ErrorReply) return { error: error.message };
      throw error;
    }
  }

  async function pipeline(commands: Command[]): Promise<Reply[]> {
    // Commands sent in the same tick leave in one socket write and their replies come back in
    // order, so this is one round trip; unlike `multi().execAsPipeline()`, each command settles on
    // its own and an error reply stays that command's error.
    const settled = await Promise.allSettled(commands.map((command) => client.sendCommand(command)));
    return settled.map((outcome) => {
      if (outcome.status === 'fulfilled') return { result: outcome.value };
      if (outcome.reason instanceof ErrorReply) return { error: outcome.reason.message };
      // The connection went away mid-pipeline: what ran is unknown, so the whole request fails.
      throw outcome.reason;
    });
  }

  async function transaction(commands: Command[]): Promise<Reply[]> {
    const multi = client.multi();
    for (const command of commands) multi.addCommand(command);
    let replies: unknown[];
    try {
      replies = await multi.exec();
    } catch (error) {
      // EXEC ran, but some commands failed (WRONGTYPE…): the others were applied.
      if (error instanceof MultiErrorReply) replies = error.replies;
      // A command was refused while queueing (unknown command, wrong arity…): EXECABORT, nothing ran.
      // Upstash answers that with an HTTP error, which its client throws as an UpstashError.
      else if (error instanceof ErrorReply)
        throw new errors.UpstashError(`EXECABORT Transaction discarded: ${error.message}`);
      else throw error;
    }
    return replies.map((reply) => (reply instanceof ErrorReply ? { error: reply.message } : { result: reply }));
  }

  const requester: Requester = {
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const path = req.path ?? [];
      const run = async (): Promise<Reply | Reply[]> => {
        if (path.length === 0) {
          const command = toCommand(req.body);
          await connected();
          return single(command);
        }
        if (path.length === 1 && (path[0] === 'pipeline' || path[0] === 'multi-exec')) {
          const commands = toCommandList(req.body);
          await connected();
          return path[0] === 'pipeline' ? pipeline(commands) : transaction(commands);
        }
        // Streaming subscriptions and the Upstash-only REST endpoints have no TCP counterpart here.
        throw new errors.UpstashError(`the TCP transport does not support /${path.join('/')}`);
      };
      // For a pipeline the caller expects an array of responses, one per command, although the
      // `Requester` type promises a single response.
      return (await withDeadline(run(), commandTimeoutMs, where, req.signal)) as UpstashResponse<TResult>;
    },
  };

  return { requester, close: () => connection.close() };
}

function toArgument(value: unknown): string {
  // @upstash/redis serialises objects itself; numbers and booleans reach the REST API as JSON and
  // Redis receives their decimal text, which String() reproduces.
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

function toCommand(body: unknown): Command {
  if (!Array.isArray(body) || body.length === 0) throw new TypeError('a Redis command must be a non-empty array');
  return body.map(toArgument);
}

function toCommandList(body: unknown): Command[] {
  if (!Array.isArray(body) || body.length === 0)
    throw new TypeError('a pipeline must be a non-empty array of commands');
  return body.map(toCommand);
}
