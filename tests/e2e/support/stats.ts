import { expect, type APIRequestContext } from '@playwright/test';
import autocannon from 'autocannon';
import type { StatsReport } from '@/lib/stats/types';

export async function statsReport(request: APIRequestContext, baseURL: string, range = '1h'): Promise<StatsReport> {
  const response = await request.get(`${baseURL}/api/stats?range=${range}`);
  expect(response.status(), await response.text().catch(() => '')).toBe(200);
  return (await response.json()) as StatsReport;
}

/** Waits until the flushed counts reach `total` (flushes run every second), then checks they stop there. */
export async function expectRecordedRequests(
  request: APIRequestContext,
  baseURL: string,
  total: number,
): Promise<void> {
  await expect
    .poll(async () => (await statsReport(request, baseURL)).totals.requests, { timeout: 15_000, intervals: [250] })
    .toBeGreaterThanOrEqual(total);
  expect((await statsReport(request, baseURL)).totals.requests).toBe(total);
}

/** Drives `amount` GET requests over `paths` with `connections` at once; every one must answer 200. */
export async function load(baseURL: string, paths: string[], amount: number, connections = 16) {
  const result = await autocannon({
    url: baseURL,
    connections,
    amount,
    requests: paths.map((path) => ({ method: 'GET' as const, path })),
  });
  expect(result.errors, 'connection errors').toBe(0);
  expect(result.non2xx, 'non-2xx answers').toBe(0);
  expect(result['2xx']).toBe(amount);
  return result;
}
