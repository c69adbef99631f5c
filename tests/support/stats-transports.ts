import { after, before } from 'node:test';
import { createUpstashRedis } from '@/lib/core/upstash-redis';
import { startRedisHttpBridge } from '../../scripts/redis-http-bridge';
import { testRedisUrl } from './redis';

/**
 * The statistics' two ways to Redis for a test file: TCP, and the Upstash REST API served by the
 * local bridge in front of the same Redis. Registers the bridge's start and stop with the file.
 */
export function statsTransports(token: string) {
  let bridge: { url: string; close(): Promise<void> };
  before(async () => {
    bridge = await startRedisHttpBridge({ redisUrl: testRedisUrl, token, port: 0 });
  });
  after(async () => {
    await bridge.close();
  });
  return {
    tcp: () => createUpstashRedis({ redisUrl: testRedisUrl }),
    http: () => createUpstashRedis({ redisUrl: testRedisUrl, restUrl: bridge.url, restToken: token }),
  } as const;
}
