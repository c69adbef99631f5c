import type { Metadata } from 'next';
import { StatsDashboard } from '@/components/stats/StatsDashboard';
import { StatsLogin } from '@/components/stats/StatsLogin';
import { hasAccess } from '@/lib/stats/access';
import { getStatsReport, parseRange, StatsUnavailableError } from '@/lib/stats/report';
import type { StatsReport } from '@/lib/stats/types';

// The one page that must be fresh: it reads Redis on every request.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Cache statistics', robots: { index: false } };

export default async function StatsPage({ searchParams }: { searchParams: Promise<{ range?: string }> }) {
  if (!(await hasAccess(null))) return <StatsLogin />;
  const range = parseRange((await searchParams).range) ?? '24h';
  let report: StatsReport | null = null;
  let error: string | null = null;
  try {
    report = await getStatsReport(range);
  } catch (caught) {
    if (!(caught instanceof StatsUnavailableError)) throw caught;
    error = caught.message;
  }
  return <StatsDashboard initialReport={report} initialError={error} />;
}
