import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addPurgeField,
  emptyPurgeTally,
  latencyField,
  latencyUpperBound,
  PURGE_LATENCY_BOUNDS_MS,
  purgeStats,
  type PurgeTally,
} from '@/lib/stats/purges';

/** A tally as the reader builds it from a range's hash fields, for the given latencies. */
function tallyOf(latencies: number[], failed = 0): PurgeTally {
  const tally = emptyPurgeTally();
  latencies.forEach((ms, i) => {
    addPurgeField(tally, i < failed ? 'purge:failed' : 'purge:sent', 1);
    addPurgeField(tally, 'purge:ms', Math.round(ms));
    addPurgeField(tally, latencyField(ms), 1);
    addPurgeField(tally, 'purge:max-ms', Math.ceil(ms));
  });
  return tally;
}

test('a latency lands in the first bucket whose bound it does not exceed', () => {
  assert.equal(latencyField(0), 'purge:le:5');
  assert.equal(latencyField(5), 'purge:le:5');
  assert.equal(latencyField(5.01), 'purge:le:10');
  assert.equal(latencyField(10_000), 'purge:le:10000');
  assert.equal(latencyField(10_000.5), 'purge:le:inf');
});

test('p50 and p99 are the bounds of the buckets the 50th and 99th percentiles fall in', () => {
  // 60 fast, 39 middling, 1 slow: p50 in ≤ 10, p99 (the 99th of 100) still in ≤ 250, the slow one past it.
  const latencies = [...Array<number>(60).fill(8), ...Array<number>(39).fill(200), 900];
  const stats = purgeStats(tallyOf(latencies));
  assert.equal(stats.p50Ms, 10);
  assert.equal(stats.p99Ms, 250);
  assert.equal(stats.sent, 100);
  assert.equal(stats.meanMs, (60 * 8 + 39 * 200 + 900) / 100);
  const slower = purgeStats(tallyOf([...latencies.slice(0, 98), 900, 2000]));
  assert.equal(slower.p99Ms, 1000, 'two slow attempts in a hundred move p99 into the bucket of the faster one');
});

test('a bound is never above the slowest attempt, and the open-ended bucket is bounded by it', () => {
  assert.deepEqual([purgeStats(tallyOf([3, 3, 4])).p50Ms, purgeStats(tallyOf([3, 3, 4])).p99Ms], [4, 4]);
  const slow = purgeStats(tallyOf([20, 30_000.2, 45_000.4]));
  assert.deepEqual([slow.p50Ms, slow.p99Ms], [45_001, 45_001], 'past the last bound only the slowest attempt is known');
});

test('without purges there is no latency to report', () => {
  const stats = purgeStats(emptyPurgeTally());
  assert.deepEqual(stats, { sent: 0, failed: 0, keys: 0, meanMs: null, p50Ms: null, p99Ms: null });
  assert.equal(latencyUpperBound(Array<number>(PURGE_LATENCY_BOUNDS_MS.length + 1).fill(0), 0, 0.5), null);
});

test('failed attempts count in the latency but not as sent', () => {
  const stats = purgeStats(tallyOf([1000, 2000, 10], 2));
  assert.deepEqual([stats.sent, stats.failed], [1, 2]);
  assert.equal(stats.meanMs, 3010 / 3);
  assert.equal(stats.p99Ms, 2000);
});

test('the buckets of a range add up, and the slowest attempt stays a maximum', () => {
  const tally = emptyPurgeTally();
  for (const [field, n] of [
    ['purge:le:25', 3],
    ['purge:max-ms', 22],
    ['purge:le:25', 2],
    ['purge:max-ms', 17],
    ['purge:sent', 5],
  ] as const) {
    assert.equal(addPurgeField(tally, field, n), true, field);
  }
  assert.equal(tally.buckets[PURGE_LATENCY_BOUNDS_MS.indexOf(25)], 5);
  assert.equal(tally.maxMs, 22);
  assert.equal(addPurgeField(tally, 'hit', 1), false, 'other totals fields are left to the caller');
  assert.equal(
    addPurgeField(tally, 'purge:le:7', 1),
    true,
    'a bound this version does not know is skipped, not counted as a page metric',
  );
  assert.equal(purgeStats(tally).p50Ms, 22);
});
