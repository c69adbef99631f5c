'use client';

import { useId, type ReactNode } from 'react';
import styles from './stats.module.css';

/**
 * A chart with its title and the sentence that states its numbers. The drawing is one image to
 * assistive technology (its parts are SVG shapes with nothing to say), described by that sentence.
 */
export function ChartFigure({
  title,
  level = 2,
  label,
  summary,
  height,
  empty,
  children,
}: {
  title: string;
  level?: 2 | 3;
  /** What the picture is, for the image's accessible name: "Line chart of …". */
  label: string;
  summary: string;
  height: number;
  /** Set when there is nothing to draw; shown in place of the chart. */
  empty?: string | null;
  children: ReactNode;
}) {
  const id = useId();
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <section className={styles.panel} aria-labelledby={`${id}-title`}>
      <Heading id={`${id}-title`} className={level === 2 ? styles.panelTitle : styles.subTitle}>
        {title}
      </Heading>
      {empty ? (
        <p className={styles.noData}>{empty}</p>
      ) : (
        <div
          role="img"
          aria-label={label}
          aria-describedby={`${id}-summary`}
          className={styles.chart}
          style={{ height }}
        >
          {children}
        </div>
      )}
      <p id={`${id}-summary`} className={styles.summary}>
        {summary}
      </p>
    </section>
  );
}
