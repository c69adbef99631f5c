import { hasAdminToken } from '@/lib/admin/api';
import { describeHealth, publicHealth } from '@/lib/page-cache/health';

// For load balancers, process managers and scripts waiting for a server to come up. Dynamic, so it
// is never a page cache hit and never shows in the statistics.
export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const health = await describeHealth();
  return Response.json(hasAdminToken(request) ? health : publicHealth(health), {
    status: health.status === 'ok' ? 200 : 503,
    headers: { 'Cache-Control': 'no-store' },
  });
}
