import { hasAccess } from '@/lib/stats/access';
import { getStatsReport, parseRange, StatsUnavailableError } from '@/lib/stats/report';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const headers = { 'Cache-Control': 'no-store' };
  if (!(await hasAccess(request.headers.get('authorization')))) {
    return Response.json(
      { error: 'The statistics are protected: send the password with HTTP Basic auth.' },
      { status: 401, headers: { ...headers, 'WWW-Authenticate': 'Basic realm="Freshpress statistics"' } },
    );
  }
  const params = new URL(request.url).searchParams;
  const range = parseRange(params.get('range'));
  if (!range) return Response.json({ error: 'range must be one of 1h, 24h, 7d, 90d.' }, { status: 400, headers });
  const page = params.get('page') ?? undefined;
  if (page !== undefined && !page.startsWith('/')) {
    return Response.json({ error: 'page must be a path starting with "/".' }, { status: 400, headers });
  }
  try {
    return Response.json(await getStatsReport(range, page), { headers });
  } catch (error) {
    if (error instanceof StatsUnavailableError)
      return Response.json({ error: error.message, store: error.store }, { status: 503, headers });
    throw error;
  }
}
