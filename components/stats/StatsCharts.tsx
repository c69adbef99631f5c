'use client';

import {
  type LegendPayload,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { CauseCount, Granularity, StatsReport } from '@/lib/stats/types';
import { ChartFigure } from './ChartFigure';
import {
  formatBucket,
  formatBucketLong,
  formatCount,
  formatPercentValue,
  GRANULARITY_UNITS,
  rangePhrase,
  shortenPath,
} from './format';
import { colours, seriesColour } from './palette';
import {
  causesSummary,
  hitRatioSummary,
  showsEdgeHits,
  sortedCauses,
  topPages,
  topPagesSummary,
  trafficSummary,
  wastedSummary,
} from './summaries';
import styles from './stats.module.css';

/*
 * Shared settings. Animation is off because the dashboard refreshes every few seconds and every
 * refresh would replay it; the accessibility layer is off because each chart is presented as one
 * image described by its summary, and focusable parts inside an image would be a trap.
 */
const chartProps = {
  responsive: true,
  accessibilityLayer: false,
  style: { width: '100%', height: '100%' },
} as const;
const AXIS_TICK = { fontSize: 12, fill: colours.axis };
const AXIS_LABEL = { fontSize: 12, fill: colours.axis };
const TOOLTIP_STYLE = { fontSize: 13, borderColor: colours.grid, borderRadius: 6 };
const LEGEND_STYLE = { fontSize: 13 };

type TooltipValue = number | string | ReadonlyArray<number | string> | undefined;
const asCount = (value: TooltipValue) => (typeof value === 'number' ? formatCount(value) : '–');
const asPercent = (value: TooltipValue) => (typeof value === 'number' ? formatPercentValue(value) : 'no requests');

function timeAxis(granularity: Granularity) {
  return {
    dataKey: 'bucket',
    tick: AXIS_TICK,
    tickFormatter: (value: unknown) => formatBucket(String(value), granularity),
    minTickGap: 24,
    height: 48,
    label: {
      value: `Time (UTC, per ${GRANULARITY_UNITS[granularity]})`,
      position: 'insideBottom' as const,
      ...AXIS_LABEL,
    },
  };
}

function yLabel(value: string) {
  return {
    value,
    angle: -90,
    position: 'insideLeft' as const,
    style: { textAnchor: 'middle' as const },
    ...AXIS_LABEL,
  };
}

/** Legend items in the order the series are drawn (Recharts sorts them by name by default). */
function legend(order: string[]) {
  return {
    position: 'top' as const,
    wrapperStyle: LEGEND_STYLE,
    itemSorter: (item: LegendPayload) => order.indexOf(String(item.dataKey)),
  };
}

// Room on the right for half of the last tick's label ("27 Nov 15:00"), which is centred on the last point.
const TIME_MARGIN = { top: 8, right: 44, bottom: 8, left: 8 };

const bucketLabel = (granularity: Granularity) => (label: unknown) => formatBucketLong(String(label), granularity);

export function HitRatioChart({ report }: { report: StatsReport }) {
  const pages = report.pageSeries.map((s) => s.page);
  // One row per bucket, one column per page. Pages go in as p0, p1, …: Recharts reads a string
  // dataKey as a property path, so "/feed.xml" would be looked up as feed → xml.
  const buckets = new Map<string, Record<string, number | string | null>>();
  for (const point of report.series) buckets.set(point.bucket, { bucket: point.bucket });
  report.pageSeries.forEach((series, i) => {
    for (const point of series.points) {
      const row = buckets.get(point.bucket) ?? { bucket: point.bucket };
      row[`p${i}`] = point.hitRatio === null ? null : Math.round(point.hitRatio * 1000) / 10;
      buckets.set(point.bucket, row);
    }
  });
  const rows = [...buckets.values()].sort((a, b) => String(a.bucket).localeCompare(String(b.bucket)));
  const hasPoints = report.pageSeries.some((s) => s.points.some((p) => p.hitRatio !== null));

  return (
    <ChartFigure
      title="Hit ratio over time"
      label={`Line chart of the share of requests served from cache, per ${GRANULARITY_UNITS[report.granularity]}, for ${pages.length} pages`}
      summary={hitRatioSummary(report)}
      height={320}
      empty={hasPoints ? null : `No page had requests over ${rangePhrase(report.range)}.`}
    >
      <LineChart data={rows} margin={TIME_MARGIN} {...chartProps}>
        <CartesianGrid stroke={colours.grid} vertical={false} />
        <XAxis {...timeAxis(report.granularity)} />
        <YAxis
          domain={[0, 100]}
          ticks={[0, 25, 50, 75, 100]}
          tick={AXIS_TICK}
          width={64}
          label={yLabel('Served from cache (%)')}
        />
        <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={bucketLabel(report.granularity)} formatter={asPercent} />
        <Legend {...legend(pages.map((_, i) => `p${i}`))} />
        {pages.map((page, i) => (
          <Line
            key={page}
            dataKey={`p${i}`}
            name={page}
            type="monotone"
            stroke={seriesColour(i)}
            strokeWidth={i === 0 ? 2.5 : 1.5}
            dot={{ r: 2 }}
            // A gap would only mean "no requests then"; the dots mark where there were.
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartFigure>
  );
}

export function TrafficChart({ report }: { report: StatsReport }) {
  const unit = GRANULARITY_UNITS[report.granularity];
  const edge = showsEdgeHits(report);
  return (
    <ChartFigure
      title={`Requests and rebuilds per ${unit}`}
      label={`Stacked bar chart of fresh hits, stale hits${edge ? ', edge hits' : ''} and misses per ${unit}, with rebuilds as a line`}
      summary={trafficSummary(report)}
      height={320}
      empty={report.series.length === 0 ? 'No buckets in this range.' : null}
    >
      <ComposedChart data={report.series} margin={{ top: 8, right: 8, bottom: 8, left: 8 }} {...chartProps}>
        <CartesianGrid stroke={colours.grid} vertical={false} />
        <XAxis {...timeAxis(report.granularity)} />
        <YAxis yAxisId="requests" allowDecimals={false} tick={AXIS_TICK} width={64} label={yLabel('Requests')} />
        <YAxis
          yAxisId="rebuilds"
          orientation="right"
          allowDecimals={false}
          tick={AXIS_TICK}
          width={56}
          label={{ ...yLabel('Rebuilds'), angle: 90, position: 'insideRight' as const }}
        />
        <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={bucketLabel(report.granularity)} formatter={asCount} />
        <Legend {...legend(['hit', 'stale', 'edgeHit', 'miss', 'rebuilds'])} />
        <Bar
          yAxisId="requests"
          dataKey="hit"
          name="Fresh hits"
          stackId="requests"
          fill={colours.hit}
          isAnimationActive={false}
        />
        <Bar
          yAxisId="requests"
          dataKey="stale"
          name="Stale hits"
          stackId="requests"
          fill={colours.stale}
          isAnimationActive={false}
        />
        {edge && (
          <Bar
            yAxisId="requests"
            dataKey="edgeHit"
            name="Edge hits"
            stackId="requests"
            fill={colours.edgeHit}
            isAnimationActive={false}
          />
        )}
        <Bar
          yAxisId="requests"
          dataKey="miss"
          name="Misses"
          stackId="requests"
          fill={colours.miss}
          isAnimationActive={false}
        />
        <Line
          yAxisId="rebuilds"
          dataKey="rebuilds"
          name="Rebuilds"
          type="monotone"
          stroke={colours.rebuilds}
          strokeWidth={2}
          dot={{ r: 2 }}
          isAnimationActive={false}
        />
      </ComposedChart>
    </ChartFigure>
  );
}

export function WastedChart({ report }: { report: StatsReport }) {
  const unit = GRANULARITY_UNITS[report.granularity];
  const rows = report.series.map((p) => ({
    bucket: p.bucket,
    useful: Math.max(0, p.rebuilds - p.wasted),
    wasted: p.wasted,
  }));
  return (
    <ChartFigure
      title={`Wasted rebuilds per ${unit}`}
      label={`Stacked bar chart of rebuilds per ${unit}, split into those that changed the page and those that did not`}
      summary={wastedSummary(report)}
      height={260}
      empty={report.totals.rebuilds === 0 ? `No rebuilds over ${rangePhrase(report.range)}.` : null}
    >
      <BarChart data={rows} margin={TIME_MARGIN} {...chartProps}>
        <CartesianGrid stroke={colours.grid} vertical={false} />
        <XAxis {...timeAxis(report.granularity)} />
        <YAxis allowDecimals={false} tick={AXIS_TICK} width={64} label={yLabel('Rebuilds')} />
        <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={bucketLabel(report.granularity)} formatter={asCount} />
        <Legend {...legend(['useful', 'wasted'])} />
        <Bar
          dataKey="useful"
          name="Changed the page"
          stackId="rebuilds"
          fill={colours.rebuilds}
          isAnimationActive={false}
        />
        <Bar
          dataKey="wasted"
          name="Wasted (same HTML)"
          stackId="rebuilds"
          fill={colours.wasted}
          isAnimationActive={false}
        />
      </BarChart>
    </ChartFigure>
  );
}

const ROW_HEIGHT = 30;
const horizontalHeight = (rows: number) => 72 + Math.max(rows, 1) * ROW_HEIGHT;

export function TopPagesChart({ report }: { report: StatsReport }) {
  const rows = topPages(report.pages, 10).map((p) => ({
    page: p.page,
    useful: Math.max(0, p.rebuilds - p.wasted),
    wasted: p.wasted,
  }));
  return (
    <ChartFigure
      title="Top pages by rebuilds"
      label={`Horizontal bar chart of the ${rows.length} most rebuilt pages, with wasted rebuilds stacked`}
      summary={topPagesSummary(report)}
      height={horizontalHeight(rows.length)}
      empty={rows.length === 0 ? `No page was rebuilt over ${rangePhrase(report.range)}.` : null}
    >
      <BarChart data={rows} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }} {...chartProps}>
        <CartesianGrid stroke={colours.grid} horizontal={false} />
        <XAxis
          type="number"
          allowDecimals={false}
          tick={AXIS_TICK}
          height={44}
          label={{ value: 'Rebuilds (count)', position: 'insideBottom' as const, ...AXIS_LABEL }}
        />
        <YAxis
          type="category"
          dataKey="page"
          width={150}
          tick={AXIS_TICK}
          tickFormatter={(v: unknown) => shortenPath(String(v), 22)}
        />
        <Tooltip contentStyle={TOOLTIP_STYLE} formatter={asCount} />
        <Legend {...legend(['useful', 'wasted'])} />
        <Bar
          dataKey="useful"
          name="Changed the page"
          stackId="rebuilds"
          fill={colours.rebuilds}
          isAnimationActive={false}
        />
        <Bar
          dataKey="wasted"
          name="Wasted (same HTML)"
          stackId="rebuilds"
          fill={colours.wasted}
          isAnimationActive={false}
        />
      </BarChart>
    </ChartFigure>
  );
}

export function CausesChart({
  title,
  causes,
  what,
  axisLabel,
  colour,
}: {
  title: string;
  causes: CauseCount[];
  /** Finishes "Rebuilds by …" in the summary. */
  what: string;
  axisLabel: string;
  colour: string;
}) {
  const rows = sortedCauses(causes);
  return (
    <ChartFigure
      level={3}
      title={title}
      label={`Horizontal bar chart of rebuilds by ${what}`}
      summary={causesSummary(causes, what)}
      height={horizontalHeight(rows.length)}
      empty={rows.length === 0 ? 'Nothing rebuilt in this range.' : null}
    >
      <BarChart data={rows} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }} {...chartProps}>
        <CartesianGrid stroke={colours.grid} horizontal={false} />
        <XAxis
          type="number"
          allowDecimals={false}
          tick={AXIS_TICK}
          height={44}
          label={{ value: 'Rebuilds (count)', position: 'insideBottom' as const, ...AXIS_LABEL }}
        />
        <YAxis type="category" dataKey="kind" width={150} tick={AXIS_TICK} label={yLabel(axisLabel)} />
        <Tooltip contentStyle={TOOLTIP_STYLE} formatter={asCount} />
        <Bar dataKey="count" name="Rebuilds" fill={colour} isAnimationActive={false} />
      </BarChart>
    </ChartFigure>
  );
}

export function CausesCharts({ report }: { report: StatsReport }) {
  return (
    <div className={styles.chartPair}>
      <CausesChart
        title="By kind of tag"
        causes={report.causes.byKind}
        what="kind of tag"
        axisLabel="Tag kind"
        colour={colours.rebuilds}
      />
      <CausesChart
        title="By event"
        causes={report.causes.byEvent}
        what="event"
        axisLabel="Event"
        colour={colours.stale}
      />
    </div>
  );
}
