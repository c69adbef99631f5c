// For load balancers and scripts waiting for a server to come up. Dynamic, so it is never a page
// cache hit and never shows in the statistics.
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
}
