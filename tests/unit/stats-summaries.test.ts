import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headlineText, showsEdgeHits, totalsSummary, trafficSummary } from '@/components/stats/summaries';
import type { Counts, StatsReport } from '@/lib/stats/types';

/** A one-hour report with every request on the homepage, in a single bucket. */
function reportWith(counts: Counts): StatsReport {
  const requests = counts.hit + counts.stale + counts.edgeHit + counts.miss;
  const hitRatio = requests === 0 ? null : (requests - counts.miss) / requests;
  const bucket = '2026-11-27T14:05:00.000Z';
  return {
    range: '1h',
    granularity: 'minute',
    generatedAt: '2026-11-27T14:05:30.000Z',
    serverMs: 1,
    store: { reachable: true, unreachableSince: null, lastFlushAt: null, transport: 'tcp', buffered: 0 },
    totals: { ...counts, requests, hitRatio },
    dropped: { inRange: 0, allTime: 0 },
    homepage: {
      ...counts,
      requests,
      hitsPerRebuild: counts.rebuilds === 0 ? null : (requests - counts.miss) / counts.rebuilds,
    },
    series: [{ bucket, ...counts, hitRatio }],
    pageSeries: [],
    pages: [{ page: '/', ...counts, hitRatio }],
    causes: { byKind: [], byEvent: [], byPage: [] },
    invalidations: [],
    rebuilds: [],
    purges: { sent: 0, failed: 0, keys: 0, meanMs: null, p50Ms: null, p99Ms: null },
  };
}

const serverOnly: Counts = { hit: 20, stale: 2, edgeHit: 0, miss: 8, warmed: 0, rebuilds: 4, wasted: 0, avoided: 0 };
const behindVarnish: Counts = { ...serverOnly, edgeHit: 70 };

test('the headline counts edge hits among the hits per rebuild and still reads as one figure', () => {
  assert.equal(
    headlineText(reportWith(behindVarnish).homepage),
    'Homepage: 8 readers waited; 1 rebuild per 23 hits (last 24 h)',
  );
  assert.equal(
    headlineText(reportWith(serverOnly).homepage),
    'Homepage: 8 readers waited; 1 rebuild per 5.5 hits (last 24 h)',
  );
});

test('the sentences name edge hits where there were some, and leave them out where there were none', () => {
  const edge = reportWith(behindVarnish);
  assert.equal(showsEdgeHits(edge), true);
  assert.equal(
    trafficSummary(edge),
    'Over the last hour: 100 requests (20 fresh hits, 2 stale hits, 70 edge hits, 8 misses; 92.0 % served from cache) and 4 rebuilds. ' +
      'The busiest minute began 27 Nov 14:05 UTC, with 100 requests and 4 rebuilds.',
  );
  assert.equal(
    totalsSummary(edge),
    'Over the last hour: 100 requests, 92.0 % served from cache (70 by the edge cache), 4 rebuilds.',
  );

  const plain = reportWith(serverOnly);
  assert.equal(showsEdgeHits(plain), false);
  assert.doesNotMatch(trafficSummary(plain), /edge/);
  assert.equal(totalsSummary(plain), 'Over the last hour: 30 requests, 73.3 % served from cache, 4 rebuilds.');
});
