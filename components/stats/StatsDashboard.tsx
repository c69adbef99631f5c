'use client';

import type { ReactNode } from 'react';
import type { StatsReport } from '@/lib/stats/types';
import { EdgePurges } from './EdgePurges';
import { rangePhrase } from './format';
import { EmptyState, Headline, RangePicker, StatusLine, TotalsCards } from './Overview';
import { CausesCharts, HitRatioChart, TopPagesChart, TrafficChart, WastedChart } from './StatsCharts';
import { CausesByPageTable, InvalidationLog, PagesTable, RebuildLog } from './StatsTables';
import { StoreNotice } from './StoreNotice';
import { REFRESH_MS, useLiveStats } from './useLiveStats';
import styles from './stats.module.css';

function Section({
  id,
  title,
  intro,
  children,
}: {
  id: string;
  title: string;
  intro?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className={styles.section} aria-labelledby={id}>
      <h2 id={id} className={styles.sectionTitle}>
        {title}
      </h2>
      {intro && <p className={styles.intro}>{intro}</p>}
      {children}
    </section>
  );
}

export function StatsDashboard({
  initialReport,
  initialError,
}: {
  initialReport: StatsReport | null;
  initialError: string | null;
}) {
  const { range, report, failure, pending, chooseRange } = useLiveStats(initialReport, initialError);

  return (
    <div className={styles.dashboard}>
      <header className={styles.top}>
        <h1 className={styles.title}>Cache statistics</h1>
        <RangePicker range={range} pending={pending} onChoose={chooseRange} />
        <StatusLine report={report} failure={failure} />
      </header>

      <StoreNotice report={report} failure={failure} />

      {report ? (
        <div className={pending ? styles.stale : undefined} aria-busy={pending}>
          <Headline homepage={report.homepage} />
          <TotalsCards report={report} />

          {report.totals.requests === 0 ? (
            <EmptyState report={report} />
          ) : (
            <>
              <div className={styles.chartGrid}>
                <TrafficChart report={report} />
                <HitRatioChart report={report} />
                <TopPagesChart report={report} />
                <WastedChart report={report} />
              </div>

              <Section
                id="stats-causes"
                title="Why pages were rebuilt"
                intro="Each rebuild is put down to the tag whose invalidation emptied the page's cache entry, or to a cold cache or an expired entry."
              >
                <CausesCharts report={report} />
                <h3 className={styles.subTitle}>Per page</h3>
                <CausesByPageTable report={report} />
              </Section>

              <Section id="stats-pages" title="Pages">
                <PagesTable report={report} />
              </Section>

              <Section
                id="stats-rebuilds"
                title="Recent rebuilds"
                intro="“Wasted” marks a rebuild whose HTML, render marker aside, matched the copy it replaced."
              >
                <RebuildLog report={report} />
              </Section>
            </>
          )}

          {report.purges.sent + report.purges.failed > 0 && (
            <Section
              id="stats-purges"
              title="Edge purges"
              intro="Purge requests sent to the CDN or Varnish. Latencies include failed attempts; p50 and p99 are upper bounds, read from a histogram."
            >
              <EdgePurges purges={report.purges} />
            </Section>
          )}

          <Section id="stats-invalidations" title="Invalidation log">
            <InvalidationLog report={report} />
          </Section>
        </div>
      ) : (
        <p className={styles.noData}>
          There are no statistics to show for {rangePhrase(range)} yet. This page tries again every {REFRESH_MS / 1000}{' '}
          seconds.
        </p>
      )}
    </div>
  );
}
