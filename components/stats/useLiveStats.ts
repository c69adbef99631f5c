'use client';

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { STATS_RANGES, type StatsRange, type StatsReport, type StoreStatus } from '@/lib/stats/types';

export const REFRESH_MS = 10_000;
const DEFAULT_RANGE: StatsRange = '24h';
const RANGE_CHANGED = 'freshpress:stats-range-changed';

export interface Failure {
  /** "store": the stats store is unreachable (503); "refresh": anything else went wrong on the way. */
  kind: 'store' | 'refresh';
  message: string;
  /** When the failing request finished; null for the server's own failure before the page was sent. */
  at: string | null;
  /** The server's view of the store as it answered the 503, fresher than the last report's. */
  store: StoreStatus | null;
  /** The range that was asked for, which may not be the range on screen. */
  range: StatsRange | null;
}

export interface LiveStats {
  /** The range the visitor chose (the URL's); `report.range` says what is on screen. */
  range: StatsRange;
  report: StatsReport | null;
  failure: Failure | null;
  /** True while the report on screen is for another range than the one chosen. */
  pending: boolean;
  chooseRange: (range: StatsRange) => void;
}

type Outcome =
  | { ok: true; report: StatsReport }
  | { ok: false; failure: Failure }
  | { ok: false; failure: null /* aborted: the range changed or the dashboard went away */ };

function isRange(value: string | null): value is StatsRange {
  return value !== null && (STATS_RANGES as readonly string[]).includes(value);
}

function subscribeToRange(onChange: () => void) {
  window.addEventListener('popstate', onChange);
  window.addEventListener(RANGE_CHANGED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(RANGE_CHANGED, onChange);
  };
}

function isStatsReport(value: unknown): value is StatsReport {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Record<keyof StatsReport, unknown>>;
  return (
    typeof r.range === 'string' &&
    typeof r.generatedAt === 'string' &&
    typeof r.totals === 'object' &&
    typeof r.homepage === 'object' &&
    typeof r.store === 'object' &&
    Array.isArray(r.series) &&
    Array.isArray(r.pages) &&
    Array.isArray(r.invalidations) &&
    Array.isArray(r.rebuilds) &&
    typeof r.purges === 'object'
  );
}

async function loadReport(range: StatsRange, signal: AbortSignal): Promise<Outcome> {
  const failed = (kind: Failure['kind'], message: string, store: StoreStatus | null = null): Outcome => ({
    ok: false,
    failure: { kind, message, at: new Date().toISOString(), store, range },
  });
  let response: Response;
  try {
    response = await fetch(`/api/stats?range=${range}`, {
      cache: 'no-store',
      signal,
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    if (signal.aborted) return { ok: false, failure: null };
    return failed('refresh', error instanceof Error ? error.message : 'the network request failed');
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    if (signal.aborted) return { ok: false, failure: null };
  }
  if (response.status === 503) {
    const b = (body ?? {}) as { error?: unknown; store?: unknown };
    const store = typeof b.store === 'object' && b.store !== null ? (b.store as StoreStatus) : null;
    return failed('store', typeof b.error === 'string' ? b.error : 'The statistics store is unreachable.', store);
  }
  if (!response.ok) return failed('refresh', `the server answered ${response.status}`);
  if (!isStatsReport(body)) return failed('refresh', 'the server sent something that is not a report');
  return { ok: true, report: body };
}

/**
 * The report on screen, kept fresh: the chosen range lives in the URL (so a reload or a shared link
 * shows the same range), and a new report is fetched every REFRESH_MS while the tab is visible.
 * A failed refresh leaves the last report in place and says so.
 */
export function useLiveStats(initialReport: StatsReport | null, initialError: string | null): LiveStats {
  const serverRange = initialReport?.range ?? DEFAULT_RANGE;
  // The server snapshot keeps hydration identical to the server's HTML; the URL is read after.
  const range = useSyncExternalStore(
    subscribeToRange,
    () => {
      const fromUrl = new URLSearchParams(window.location.search).get('range');
      return isRange(fromUrl) ? fromUrl : serverRange;
    },
    () => serverRange,
  );

  const [state, setState] = useState<{ report: StatsReport | null; failure: Failure | null }>(() => ({
    report: initialReport,
    failure: initialError ? { kind: 'store', message: initialError, at: null, store: null, range: serverRange } : null,
  }));

  // Written only from effects and fetch callbacks; the timer logic needs them without re-running.
  const shownRange = useRef<StatsRange | null>(initialReport?.range ?? null);
  const lastAttemptAt = useRef(0);

  useEffect(() => {
    let disposed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: AbortController | null = null;

    const schedule = (delay: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), delay);
    };

    const refresh = async () => {
      timer = undefined;
      // One request at a time: a slow store must not pile up requests behind it.
      if (disposed || inFlight) return;
      // A hidden tab stops here; becoming visible starts the cycle again.
      if (document.visibilityState === 'hidden') return;
      const controller = new AbortController();
      inFlight = controller;
      const outcome = await loadReport(range, controller.signal);
      inFlight = null;
      if (disposed || (!outcome.ok && outcome.failure === null)) return;
      lastAttemptAt.current = Date.now();
      if (outcome.ok) {
        shownRange.current = outcome.report.range;
        setState({ report: outcome.report, failure: null });
      } else {
        const failure = outcome.failure;
        setState((previous) => ({ report: previous.report, failure }));
      }
      schedule(REFRESH_MS);
    };

    const onVisibilityChange = () => {
      if (disposed || inFlight || document.visibilityState !== 'visible') return;
      schedule(Math.max(0, lastAttemptAt.current + REFRESH_MS - Date.now()));
    };
    document.addEventListener('visibilitychange', onVisibilityChange);

    if (shownRange.current === range) {
      // The report on screen is this range's; it counts as the latest attempt.
      if (lastAttemptAt.current === 0) lastAttemptAt.current = Date.now();
      schedule(Math.max(0, lastAttemptAt.current + REFRESH_MS - Date.now()));
    } else {
      schedule(0);
    }

    return () => {
      disposed = true;
      clearTimeout(timer);
      inFlight?.abort();
      document.removeEventListener('visibilitychange', onVisibilityChange);
    };
  }, [range]);

  const chooseRange = useCallback((next: StatsRange) => {
    const url = new URL(window.location.href);
    url.searchParams.set('range', next);
    // replaceState rather than a navigation: the server need not render the page again, and the
    // back button should leave the dashboard rather than step through ranges. Next.js keeps its
    // router in step with replaceState only when the state passed is not its own, hence null.
    window.history.replaceState(null, '', url);
    window.dispatchEvent(new Event(RANGE_CHANGED));
  }, []);

  return {
    range,
    report: state.report,
    failure: state.failure,
    pending: state.report !== null && state.report.range !== range,
    chooseRange,
  };
}
