'use client';

import type { StatsReport, StoreStatus } from '@/lib/stats/types';
import { formatCount, formatDateTime, plural } from './format';
import type { Failure } from './useLiveStats';
import styles from './stats.module.css';

/**
 * Says when the numbers on screen are incomplete: the store is down (counts wait in this server's
 * memory) or was down long enough for the buffer to overflow (counts were lost for good).
 */
export function StoreNotice({ report, failure }: { report: StatsReport | null; failure: Failure | null }) {
  const storeFailure = failure?.kind === 'store' ? failure : null;
  // The 503's status is newer than the report's, which may be from before the store went away.
  const store: StoreStatus | null = storeFailure?.store ?? report?.store ?? null;
  const unreachable = storeFailure !== null || store?.reachable === false;
  const dropped = report?.dropped ?? { inRange: 0, allTime: 0 };

  const droppedText =
    dropped.allTime > 0
      ? `${plural(dropped.allTime, 'count was', 'counts were')} dropped while the store was unreachable` +
        (dropped.inRange !== dropped.allTime ? ` (${formatCount(dropped.inRange)} in this range)` : '') +
        ', so the figures below undercount.'
      : null;

  if (unreachable) {
    return (
      <div className={styles.alert} role="alert" data-testid="store-status">
        <p className={styles.alertTitle}>
          The statistics store is unreachable
          {store?.unreachableSince ? (
            <>
              {' since '}
              <time dateTime={store.unreachableSince}>{formatDateTime(store.unreachableSince)}</time>
            </>
          ) : null}
          {store ? (
            <>
              ; counts are buffered in memory ({plural(store.buffered, 'count')} waiting) and will be written when it is
              back.
            </>
          ) : (
            '.'
          )}
        </p>
        {storeFailure && <p className={styles.alertDetail}>{storeFailure.message}</p>}
        {report && <p className={styles.alertDetail}>The figures below leave out the buffered counts.</p>}
        {droppedText && <p className={styles.alertDetail}>{droppedText}</p>}
      </div>
    );
  }

  if (droppedText) {
    return (
      <div className={styles.warning} role="status" data-testid="dropped-counts">
        <p>{droppedText}</p>
      </div>
    );
  }
  return null;
}
