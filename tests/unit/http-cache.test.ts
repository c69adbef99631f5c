import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { edgeCacheControl, REVALIDATE_EVERY_TIME } from '@/lib/http-cache';

describe('Cache-Control for caches in front of the server, no purging tier', () => {
  test("Next's ISR value becomes revalidate-every-time", () => {
    assert.equal(edgeCacheControl('s-maxage=604800, stale-while-revalidate=30931200'), REVALIDATE_EVERY_TIME);
    assert.equal(edgeCacheControl('s-maxage=31536000'), REVALIDATE_EVERY_TIME);
    assert.equal(edgeCacheControl('S-MaxAge=60,stale-while-revalidate=1'), REVALIDATE_EVERY_TIME);
    assert.equal(REVALIDATE_EVERY_TIME, 'public, max-age=0, must-revalidate');
  });

  test('immutable static files, private and absent values pass unchanged', () => {
    for (const value of ['public, max-age=31536000, immutable', 'private, no-cache, no-store, max-age=0, must-revalidate', 'no-store', 'public, max-age=0']) {
      assert.equal(edgeCacheControl(value), value);
    }
    assert.equal(edgeCacheControl(undefined), undefined);
  });

  test('a directive merely ending in s-maxage is not one', () => {
    assert.equal(edgeCacheControl('x-s-maxage=5'), 'x-s-maxage=5');
  });
});
