'use client';

import type { StatsReport } from '@/lib/stats/types';
import { formatCount, formatMs, formatRatio, plural } from './format';
import { Card } from './Overview';
import styles from './stats.module.css';

/** Percentiles come from a histogram, so they are bounds: "≤ 25 ms", never a made-up exact value. */
const atMost = (ms: number | null) => (ms === null ? '–' : `≤ ${formatMs(ms)}`);

export function EdgePurges({ purges }: { purges: StatsReport['purges'] }) {
  const attempts = purges.sent + purges.failed;
  return (
    <dl className={styles.cards}>
      <Card
        label="Purges sent"
        value={formatCount(purges.sent)}
        note={plural(purges.keys, 'key or tag', 'keys or tags')}
        tone={styles.toneEdge}
      />
      <Card
        label="Failed attempts"
        value={formatCount(purges.failed)}
        note={attempts > 0 ? `${formatRatio(purges.failed / attempts)} of attempts; retried` : 'retried'}
        tone={styles.toneMiss}
      />
      <Card label="Mean latency" value={formatMs(purges.meanMs)} note="every attempt" />
      <Card label="p50 latency" value={atMost(purges.p50Ms)} note="half of the attempts" />
      <Card label="p99 latency" value={atMost(purges.p99Ms)} note="99 % of the attempts" />
    </dl>
  );
}
