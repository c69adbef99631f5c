'use client';

import { useSyncExternalStore } from 'react';
import { STATS_RANGES, type StatsRange, type StatsReport } from '@/lib/stats/types';
import { formatClock, formatCount, formatRatio, plural, RANGE_LABELS, rangePhrase } from './format';
import { cachedOf, headlineText, showsEdgeHits, totalsSummary } from './summaries';
import type { Failure } from './useLiveStats';
import styles from './stats.module.css';

export function Headline({ homepage }: { homepage: StatsReport['homepage'] }) {
  const detail =
    homepage.requests === 0
      ? 'Nobody has asked for the homepage in the last 24 hours.'
      : `${plural(homepage.requests, 'request')}, ${formatCount(cachedOf(homepage))} answered from cache` +
        (homepage.edgeHit > 0 ? ` (${formatCount(homepage.edgeHit)} of them by the edge cache)` : '') +
        `, ${plural(homepage.rebuilds, 'rebuild')}` +
        (homepage.wasted > 0 ? ` (${formatCount(homepage.wasted)} wasted)` : '') +
        (homepage.warmed > 0 ? `, ${formatCount(homepage.warmed)} of them warm-ups before any reader asked` : '') +
        '.';
  return (
    <div className={styles.headline}>
      <p className={styles.headlineFigure} data-testid="headline">
        {headlineText(homepage)}
      </p>
      <p className={styles.headlineDetail}>{detail}</p>
    </div>
  );
}

export function Card({ label, value, note, tone }: { label: string; value: string; note?: string; tone?: string }) {
  return (
    <div className={`${styles.card} ${tone ?? ''}`}>
      <dt>{label}</dt>
      <dd className={styles.cardValue}>{value}</dd>
      {note && <dd className={styles.cardNote}>{note}</dd>}
    </div>
  );
}

export function TotalsCards({ report }: { report: StatsReport }) {
  const t = report.totals;
  const edge = showsEdgeHits(report);
  return (
    <section aria-labelledby="stats-totals">
      <h2 id="stats-totals" className="visually-hidden">
        Totals over {rangePhrase(report.range)}
      </h2>
      <p className="visually-hidden">{totalsSummary(report)}</p>
      <dl className={styles.cards}>
        <Card label="Requests" value={formatCount(t.requests)} note={rangePhrase(report.range)} />
        <Card
          label="Hit ratio"
          value={formatRatio(t.hitRatio)}
          note={edge ? 'fresh, stale and edge hits' : 'fresh and stale hits'}
          tone={styles.toneHit}
        />
        {edge && (
          <Card
            label="Edge hits"
            value={formatCount(t.edgeHit)}
            note="answered by the CDN or Varnish"
            tone={styles.toneEdge}
          />
        )}
        <Card
          label="Stale hits"
          value={formatCount(t.stale)}
          note="served, then rebuilt behind"
          tone={styles.toneStale}
        />
        <Card
          label="Readers waited"
          value={formatCount(t.miss)}
          note="misses: rendered while the reader waited"
          tone={styles.toneMiss}
        />
        <Card
          label="Pages warmed"
          value={formatCount(t.warmed)}
          note="rendered after an invalidation, before any reader asked"
          tone={styles.toneRebuild}
        />
        <Card label="Rebuilds" value={formatCount(t.rebuilds)} tone={styles.toneRebuild} />
        <Card
          label="Wasted rebuilds"
          value={formatCount(t.wasted)}
          note={t.rebuilds > 0 ? `${formatRatio(t.wasted / t.rebuilds)} of rebuilds` : 'same HTML as before'}
          tone={styles.toneWasted}
        />
        <Card
          label="Rebuilds avoided"
          value={formatCount(t.avoided)}
          note="another server was already rebuilding the page"
          tone={styles.toneRebuild}
        />
      </dl>
    </section>
  );
}

/**
 * Real links, so a range opens in a new tab or works before the script has loaded; a plain click
 * is taken over to swap the report in place.
 */
export function RangePicker({
  range,
  pending,
  onChoose,
}: {
  range: StatsRange;
  pending: boolean;
  onChoose: (range: StatsRange) => void;
}) {
  return (
    <nav aria-label="Time range" className={styles.ranges}>
      <ul>
        {STATS_RANGES.map((r) => (
          <li key={r}>
            <a
              href={`?range=${r}`}
              aria-current={r === range ? 'page' : undefined}
              className={r === range ? styles.rangeCurrent : undefined}
              onClick={(event) => {
                if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
                event.preventDefault();
                if (r !== range) onChoose(r);
              }}
            >
              {RANGE_LABELS[r]}
            </a>
          </li>
        ))}
      </ul>
      {pending && (
        <span className={styles.muted} role="status">
          loading {RANGE_LABELS[range]}…
        </span>
      )}
    </nav>
  );
}

export function StatusLine({ report, failure }: { report: StatsReport | null; failure: Failure | null }) {
  const refreshFailure = failure?.kind === 'refresh' ? failure : null;
  return (
    <p className={styles.statusLine}>
      {report && (
        <>
          <span>
            updated <time dateTime={report.generatedAt}>{formatClock(report.generatedAt)}</time> UTC
          </span>
          <span>report built in {formatCount(report.serverMs)} ms</span>
        </>
      )}
      {refreshFailure && (
        <span className={styles.refreshError} role="status">
          {refreshFailure.range && report && refreshFailure.range !== report.range
            ? `Could not load ${RANGE_LABELS[refreshFailure.range]}`
            : 'Refresh failed'}
          {refreshFailure.at ? ` at ${formatClock(refreshFailure.at)}` : ''}: {refreshFailure.message}
          {report ? '; showing the last report.' : '.'}
        </span>
      )}
    </p>
  );
}

const noSubscription = () => () => {};

export function EmptyState({ report }: { report: StatsReport }) {
  // The server cannot know the address the operator uses; the browser swaps it in after hydration.
  const origin = useSyncExternalStore(
    noSubscription,
    () => window.location.origin,
    () => 'http://localhost:3000',
  );
  return (
    <section className={styles.empty} data-testid="empty-state" aria-labelledby="stats-empty">
      <h2 id="stats-empty">No requests over {rangePhrase(report.range)}</h2>
      <p>The charts fill in as the blog is read. Open a few pages of the blog, or run:</p>
      <pre className={styles.command}>
        <code>npx autocannon -d 10 {origin}/</code>
      </pre>
      <p>Post a comment to see an invalidation here, and the rebuilds it causes on the next requests.</p>
    </section>
  );
}
