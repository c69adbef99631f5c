import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { FreshnessChecks } from '@/lib/page-cache/freshness';
import type { PageCacheRuntime } from '@/lib/page-cache/runtime';
import type { ServedEntry } from '@/lib/page-cache/served-entry';
import { SharedStore } from '@/lib/page-cache/store';
import { deleteStatsKeys, testRedisUrl } from '../support/redis';

/*
 * The fast path's freshness checks (lib/page-cache/freshness.ts) against the real Redis: requests
 * that arrive together share one round trip, and a request is never answered by a check issued
 * before an invalidation it arrived after, whatever check is on its way.
 */

const prefix = `fptest_fresh_${randomUUID().slice(0, 8)}`;
const stores: SharedStore[] = [];
after(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await deleteStatsKeys(prefix);
});

async function openStore(): Promise<SharedStore> {
  const store = new SharedStore({ url: testRedisUrl, prefix, buildId: 'build-test', commandTimeoutMs: 1000 });
  stores.push(store);
  await store.connected();
  return store;
}

function runtimeOf(store: SharedStore): PageCacheRuntime {
  return {
    mode: 'shared',
    distDir: '',
    buildId: 'build-test',
    store,
    tagsManifest: new Map(),
    resyncing: false,
    appliedAhead: new Map(),
    buildPages: { usable: true, ownSince: 0 },
    resync: async () => {},
  };
}

/** An entry rendered now, as the handler notes it, found fresh at the current epoch. */
async function entryNow(store: SharedStore, tags: string[]): Promise<ServedEntry> {
  const { now, epoch, generation } = await store.check([], null);
  return { tags, lastModified: now, revalidate: null, generation, epoch };
}

describe('freshness checks for the fast path', () => {
  test('requests that arrive together share one round trip', async () => {
    const store = await openStore();
    const checks = new FreshnessChecks(() => runtimeOf(store));
    const entry = await entryNow(store, ['post:1']);
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => checks.judge({ ...entry })));
    assert.deepEqual(new Set(verdicts), new Set(['fresh']));
    assert.deepEqual(checks.counts, { checks: 1, requests: 50 });
  });

  test('a request after an invalidation is refused even while a check issued before it is on its way', async () => {
    const store = await openStore();
    const writer = await openStore();
    const checks = new FreshnessChecks(() => runtimeOf(store));
    for (let round = 0; round < 20; round++) {
      const tag = `post:${round}`;
      const entry = await entryNow(store, [tag, 'posts:list']);
      // A steady stream of requests keeps checks on their way while the invalidation lands.
      const earlier = Array.from({ length: 8 }, () => checks.judge({ ...entry }));
      await new Promise((resolve) => setImmediate(resolve));
      const moreEarlier = checks.judge({ ...entry });
      await writer.invalidate([tag], null);
      const later = await Promise.all(Array.from({ length: 4 }, () => checks.judge({ ...entry })));
      assert.deepEqual(later, ['stale', 'stale', 'stale', 'stale'], `round ${round}`);
      for (const verdict of await Promise.all([...earlier, moreEarlier]))
        assert.ok(verdict === 'fresh' || verdict === 'stale', `round ${round}: ${verdict}`);
    }
  });

  test('an entry from another Redis generation, or past its lifetime, is left to Next', async () => {
    const store = await openStore();
    const checks = new FreshnessChecks(() => runtimeOf(store));
    const entry = await entryNow(store, ['post:1']);
    assert.equal(await checks.judge({ ...entry, generation: 'another' }), 'unsure');
    assert.equal(await checks.judge({ ...entry, lastModified: entry.lastModified - 5000, revalidate: 1 }), 'unsure');
  });
});
