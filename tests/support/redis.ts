import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { freePort } from '@/lib/core/free-port';
import { slotPrefix } from '@/lib/core/redis-keys';
import { daemon } from './daemon';

/*
 * Test-side Redis helpers. Cleaning up and running private servers are test chores, not part of
 * the app, so they talk to Redis with a plain client; the app itself only uses @upstash/redis.
 */

export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Every key of a prefix: hash-tagged ({p}…, {p:cache}…; lib/core/redis-keys.ts) or plain (p:…). */
export const keyPatterns = (prefix: string) => [`${prefix}:*`, `${slotPrefix(prefix)}*`, `{${prefix}:*`];

/** Deletes every key under a prefix (a test run's or a test's own). */
export async function deleteStatsKeys(prefix: string, url = testRedisUrl): Promise<void> {
  const client = createClient({ url, RESP: 2 });
  await client.connect();
  try {
    const doomed: string[] = [];
    for (const match of keyPatterns(prefix))
      for await (const batch of client.scanIterator({ MATCH: match, COUNT: 1000 })) doomed.push(...batch);
    for (let i = 0; i < doomed.length; i += 500) await client.del(doomed.slice(i, i + 500));
  } finally {
    await client.quit();
  }
}

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its connections and its data but answers nothing, like a hung host. */
  pause(): void;
  resume(): void;
  /** Writes the data to disk (SAVE): the next start() comes back with it, as a persistent Redis would. */
  snapshot(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, to stop and start again mid-test; `extraArgs`
 * set it up as a deployment would (maxmemory, cluster mode).
 */
export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freshpress-redis-'));
  const server = daemon(
    'redis-server',
    () => [
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
    ],
    'Ready to accept connections',
    'SIGKILL',
  );
  const { start, stop } = server;
  await start();
  const signal = (name: NodeJS.Signals) => server.child?.kill(name);
  const url = `redis://127.0.0.1:${port}`;
  const snapshot = async () => {
    const client = createClient({ url, RESP: 2 });
    await client.connect();
    try {
      await client.sendCommand(['SAVE']);
    } finally {
      await client.quit();
    }
  };
  return { url, port, start, stop, pause: () => signal('SIGSTOP'), resume: () => signal('SIGCONT'), snapshot };
}
