'use client';

import { useId, type ReactNode } from 'react';
import type { InvalidationEvent, StatsReport } from '@/lib/stats/types';
import { CAUSE_LABELS, formatCount, formatLogTime, formatRatio, rangePhrase } from './format';
import { requestsOf, showsEdgeHits } from './summaries';
import styles from './stats.module.css';

const MAX_LOG_ROWS = 100;

/*
 * Plain anchors, not next/link: a Link prefetches, and on click fetches an RSC payload first (a
 * wasted round trip for /feed.xml or the /stats/post redirect). Each of those is a request for a
 * cached page, which the dashboard would then count among the traffic it reports.
 */
function PageLink({ page }: { page: string }) {
  return (
    <a href={page} className={styles.pagePath}>
      {page}
    </a>
  );
}

function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} className={styles.nowrap}>
      {formatLogTime(iso)}
    </time>
  );
}

function Tags({ tags, count = tags.length }: { tags: string[]; count?: number }) {
  if (tags.length === 0) return <span className={styles.muted}>none</span>;
  return (
    <ul className={styles.tagList}>
      {tags.map((tag) => (
        <li key={tag}>
          <code>{tag}</code>
        </li>
      ))}
      {count > tags.length && <li className={styles.muted}>and {formatCount(count - tags.length)} more</li>}
    </ul>
  );
}

function EventText({ event }: { event: InvalidationEvent }) {
  return (
    <>
      {event.description}
      {event.bulkTags !== undefined && ` · ${formatCount(event.bulkTags)} tags: the whole site was invalidated`}
      {event.postId !== undefined && (
        <>
          {' · '}
          <a href={`/stats/post/${event.postId}`} className={styles.nowrap}>
            post {event.postId}
          </a>
        </>
      )}
    </>
  );
}

/** Wide tables scroll inside their own box on a phone instead of widening the page. */
function ScrollTable({ caption, children }: { caption: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <div className={styles.tableScroll} role="region" aria-labelledby={id} tabIndex={0}>
      <table className={styles.table}>
        <caption id={id}>{caption}</caption>
        {children}
      </table>
    </div>
  );
}

export function PagesTable({ report }: { report: StatsReport }) {
  if (report.pages.length === 0)
    return <p className={styles.noData}>No page had requests over {rangePhrase(report.range)}.</p>;
  const edge = showsEdgeHits(report);
  return (
    <ScrollTable caption={`Pages by rebuilds over ${rangePhrase(report.range)} (at most 50)`}>
      <thead>
        <tr>
          <th scope="col">Page</th>
          <th scope="col" className={styles.num}>
            Requests
          </th>
          <th scope="col" className={styles.num}>
            Hit ratio
          </th>
          {edge && (
            <th scope="col" className={styles.num}>
              Edge hits
            </th>
          )}
          <th scope="col" className={styles.num}>
            Readers waited
          </th>
          <th scope="col" className={styles.num}>
            Warmed
          </th>
          <th scope="col" className={styles.num}>
            Rebuilds
          </th>
          <th scope="col" className={styles.num}>
            Wasted
          </th>
        </tr>
      </thead>
      <tbody>
        {report.pages.map((row) => (
          <tr key={row.page}>
            <th scope="row" className={styles.pageCell}>
              <PageLink page={row.page} />
            </th>
            <td className={styles.num}>{formatCount(requestsOf(row))}</td>
            <td className={styles.num}>{formatRatio(row.hitRatio)}</td>
            {edge && <td className={styles.num}>{formatCount(row.edgeHit)}</td>}
            <td className={styles.num}>{formatCount(row.miss)}</td>
            <td className={styles.num}>{formatCount(row.warmed)}</td>
            <td className={styles.num}>{formatCount(row.rebuilds)}</td>
            <td className={styles.num}>{formatCount(row.wasted)}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

export function CausesByPageTable({ report }: { report: StatsReport }) {
  const rows = [...report.causes.byPage].sort((a, b) => b.count - a.count);
  if (rows.length === 0)
    return <p className={styles.noData}>No rebuilds to explain over {rangePhrase(report.range)}.</p>;
  return (
    <ScrollTable caption="Rebuilds per page and cause: the tag that was invalidated, or cold / expired">
      <thead>
        <tr>
          <th scope="col">Page</th>
          <th scope="col">Cause</th>
          <th scope="col" className={styles.num}>
            Rebuilds
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.page}\u0000${row.cause}`} data-testid="cause-row">
            <th scope="row" className={styles.pageCell}>
              <PageLink page={row.page} />
            </th>
            <td>
              <code>{row.cause}</code>
            </td>
            <td className={styles.num}>{formatCount(row.count)}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

export function InvalidationLog({ report }: { report: StatsReport }) {
  const rows = report.invalidations.slice(0, MAX_LOG_ROWS);
  if (rows.length === 0) {
    return (
      <p className={styles.noData}>
        No invalidations over {rangePhrase(report.range)}. Post a comment to see an invalidation here.
      </p>
    );
  }
  return (
    <ScrollTable caption={`Invalidations, latest first (${formatCount(rows.length)} shown)`}>
      <thead>
        <tr>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Event</th>
          <th scope="col">Tags invalidated</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((entry, i) => (
          <tr key={`${entry.at}-${i}`} data-testid="invalidation-row">
            <th scope="row">
              <Time iso={entry.at} />
            </th>
            <td className={styles.eventCell}>
              <EventText event={entry.event} />
            </td>
            <td>
              <Tags tags={entry.tags} count={entry.tagCount} />
            </td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

export function RebuildLog({ report }: { report: StatsReport }) {
  const rows = report.rebuilds.slice(0, MAX_LOG_ROWS);
  if (rows.length === 0) return <p className={styles.noData}>No rebuilds over {rangePhrase(report.range)}.</p>;
  return (
    <ScrollTable caption={`Rebuilds, latest first (${formatCount(rows.length)} shown)`}>
      <thead>
        <tr>
          <th scope="col">Time (UTC)</th>
          <th scope="col">Page</th>
          <th scope="col">Cause</th>
          <th scope="col">Tags</th>
          <th scope="col">Because of</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((entry, i) => (
          <tr key={`${entry.at}-${entry.page}-${i}`} data-testid="rebuild-row">
            <th scope="row">
              <Time iso={entry.at} />
            </th>
            <td className={styles.pageCell}>
              <PageLink page={entry.page} />
              {entry.wasted && (
                <>
                  {' '}
                  <span className={styles.wastedBadge} title="The new HTML was identical to the copy it replaced">
                    wasted
                  </span>
                </>
              )}
            </td>
            <td className={styles.nowrap}>{CAUSE_LABELS[entry.cause] ?? entry.cause}</td>
            <td>
              <Tags tags={entry.tags} />
            </td>
            <td className={styles.eventCell}>
              {entry.events.length === 0 ? (
                <span className={styles.muted}>–</span>
              ) : (
                <ul className={styles.eventList}>
                  {entry.events.map((event, j) => (
                    <li key={j}>
                      <EventText event={event} />
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}
