import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketStart, GRANULARITY_MS, pagePathOf, rangeBuckets } from '@/lib/stats/keys';

test('a request counts for its page whatever representation was asked for', () => {
  assert.equal(pagePathOf('/'), '/');
  assert.equal(pagePathOf('/index'), '/');
  assert.equal(pagePathOf('/?_rsc=abc'), '/');
  assert.equal(pagePathOf('/posts/a?_rsc=1'), '/posts/a');
  assert.equal(pagePathOf('/posts/a/'), '/posts/a');
  assert.equal(pagePathOf('/posts/a.rsc'), '/posts/a');
  assert.equal(pagePathOf('/tags/caf%C3%A9'), '/tags/café');
  assert.equal(pagePathOf('/tags/%E0%A4%A'), '/tags/%E0%A4%A');
});

test('buckets start on whole minutes, hours and days (UTC)', () => {
  const at = Date.UTC(2026, 10, 27, 14, 37, 12, 345);
  assert.equal(bucketStart('minute', at), Date.UTC(2026, 10, 27, 14, 37));
  assert.equal(bucketStart('hour', at), Date.UTC(2026, 10, 27, 14));
  assert.equal(bucketStart('day', at), Date.UTC(2026, 10, 27));
});

test('each range reads whole buckets, oldest first, ending with the current one', () => {
  const at = Date.UTC(2026, 10, 27, 14, 37, 12);
  const hour = rangeBuckets('1h', at);
  assert.equal(hour.granularity, 'minute');
  assert.equal(hour.starts.length, 60);
  assert.equal(hour.starts.at(-1), Date.UTC(2026, 10, 27, 14, 37));
  assert.equal(hour.starts[1]! - hour.starts[0]!, GRANULARITY_MS.minute);
  assert.deepEqual(
    (['24h', '7d', '90d'] as const).map((range) => [
      rangeBuckets(range, at).granularity,
      rangeBuckets(range, at).starts.length,
    ]),
    [
      ['hour', 24],
      ['hour', 168],
      ['day', 90],
    ],
  );
});
