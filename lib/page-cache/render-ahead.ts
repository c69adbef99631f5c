import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import type { InvalidationEvent } from '@/db/schema';
import { config } from '@/lib/core/config';
import { processSingleton } from '@/lib/core/process-singleton';
import { onDemandRevalidateHeader } from './next-internals';
import type { PageCacheRuntime } from './runtime';
import type { PendingChange, SharedStore } from './store';
import { AHEAD_TTL_SECONDS, INVALIDATE_BATCH } from './store';
import { fetchOwnPage, warmTargets } from './warming';

/*
 * Rendering ahead of a change (shared mode): between a writer's commit and the moment its
 * invalidation is applied, the pages read lately that depend on it are rendered by this server
 * with the change's tags treated as invalidated already — their data read afresh — and kept
 * aside in Redis. The invalidation installs them in the same script that
 * marks the tags (./store.ts), so from the moment the change is visible its pages are already in
 * the cache: no reader waits for their render, and the writer's own response, rendered after the
 * apply, shows the change as before. Until then readers see the page as it was, which is what the
 * committed-but-not-applied change means for every reader already.
 *
 * The writer waits for this, at most RENDER_AHEAD_MS; the pages not done by then are warmed in the
 * background after the apply (./warming.ts), as are all of them when the edge must be refilled.
 * A render ahead is a GET of this server's own address marked with AHEAD_HEADER and the change's
 * token, and WARM_HEADER (it is counted as a page warmed); a token Redis does not know — forged,
 * or one whose change was applied — makes it an ordinary request.
 *
 * It is also an on-demand revalidation, Next's own way to have a page rendered afresh
 * (./next-internals.ts): Next's response cache joins concurrent requests for one page into one
 * lookup or render, and an ordinary GET would hand its render to every reader that reached Next
 * for the page meanwhile — readers waiting for a render of a change not yet applied, which
 * happened to every reader going through Next. Readers' lookups are batched apart from it and find
 * the page as it was. Next reads no stored data in it either: every query of the page runs. A
 * reader's own render under way (the page was missing) can still take it in, and that render began
 * before the change: then it is asked once more.
 */

export const AHEAD_HEADER = 'x-freshpress-ahead';
/** On the answer to a render ahead: `1` when its render was kept aside for the change. */
export const KEPT_HEADER = 'x-freshpress-ahead-kept';
/** A render ahead given a reader's render is asked again after this long. */
const RETRY_MS = 5;

/** At most this many pages are rendered ahead of one change, the most read first. */
export const MAX_AHEAD_PAGES = 20;

export interface AheadRequest {
  token: string;
  /** The change this request renders ahead of, once Redis has said; null: none (an ordinary request). */
  change(store: SharedStore): Promise<PendingChange | null>;
  /** When each page's render began (Redis's clock), for the entry kept aside. */
  starts: Map<string, number>;
  /** A page of this request was kept aside for the change (./shared-mode.ts). */
  kept: boolean;
}

const storage = processSingleton('pageCache.renderAhead', () => new AsyncLocalStorage<AheadRequest>());

/** What this process's writers rendered ahead, for /api/health. */
export interface AheadReport {
  /** Changes whose pages were rendered ahead. */
  changes: number;
  /** Pages rendered ahead in time, and those of them installed with their change. */
  rendered: number;
  installed: number;
  /** Pages read lately that depended on a change but were not rendered within RENDER_AHEAD_MS. */
  late: number;
  /** Requests asked again because Next gave them a reader's render of the same page. */
  retried: number;
}

const report = processSingleton<AheadReport>('pageCache.renderAheadReport', () => ({
  changes: 0,
  rendered: 0,
  installed: 0,
  late: 0,
  retried: 0,
}));

export function aheadReport(): AheadReport {
  return { ...report };
}

/** The apply installed `count` pages rendered ahead (lib/invalidation/apply.ts). */
export function noteInstalled(count: number): void {
  report.installed += count;
}

/**
 * Runs `work` (a request handed to Next) as a render ahead of the change `token` names; its answer
 * carries KEPT_HEADER when its own render was kept aside.
 */
export function withAheadToken<T>(token: string, res: ServerResponse, work: () => T): T {
  let change: Promise<PendingChange | null> | null = null;
  const request: AheadRequest = {
    token,
    change: (store) => (change ??= store.changeOf(token).catch(() => null)),
    starts: new Map(),
    kept: false,
  };
  const writeHead = res.writeHead;
  // Next stores a render before it answers with it, so by the head the render is kept or it never will be.
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    if (request.kept && !this.headersSent) this.setHeader(KEPT_HEADER, '1');
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
  return storage.run(request, work);
}

/** The render ahead this request is, if it is one. */
export function aheadRequest(): AheadRequest | undefined {
  return storage.getStore();
}

export interface RenderedAhead {
  token: string;
  /** The pages whose render ahead finished in time. */
  pages: string[];
  /** Pages read lately that depend on the change but were not rendered in time. */
  missed: number;
}

/**
 * Renders ahead of a committed change the pages that depend on it, within RENDER_AHEAD_MS. Null
 * when there is nothing to do or it cannot be done (local mode, Redis away, the server not
 * listening yet); never throws: the change is applied either way.
 */
export async function renderAhead(
  runtime: PageCacheRuntime,
  tags: readonly string[],
  event: InvalidationEvent | null,
): Promise<RenderedAhead | null> {
  const budgetMs = config.RENDER_AHEAD_MS;
  const store = runtime.store;
  if (budgetMs <= 0 || runtime.mode !== 'shared' || !store?.isReady || runtime.resyncing) return null;
  // Installed by the one script that marks every tag of the change (./store.ts).
  if (tags.length > INVALIDATE_BATCH) return null;
  const deadline = Date.now() + budgetMs;
  try {
    const targets = (await warmTargets(runtime, tags)).slice(0, MAX_AHEAD_PAGES);
    if (targets.length === 0) return null;
    const token = await store.beginChange({ tags: [...tags], event }, AHEAD_TTL_SECONDS);
    const headers = { [AHEAD_HEADER]: token, ...onDemandRevalidateHeader(runtime.distDir) };
    const pages: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < targets.length && Date.now() < deadline) {
        const { page } = targets[next++]!;
        if (await renderPageAhead(page, headers, deadline)) pages.push(page);
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.WARM_CONCURRENCY, targets.length) }, worker));
    report.changes += 1;
    report.rendered += pages.length;
    report.late += targets.length - pages.length;
    return { token, pages, missed: targets.length - pages.length };
  } catch {
    // Redis or this server did not answer: the pages are warmed after the apply, as without this.
    return null;
  }
}

/**
 * Asks for `page` as a render ahead (`headers`) until its own render is kept, within `deadline`.
 * Given a reader's render under way, which began before the change was committed, it asks once
 * more; past that, readers keep the page busy rendering, and it is warmed after the change instead.
 */
async function renderPageAhead(page: string, headers: Record<string, string>, deadline: number): Promise<boolean> {
  for (let attempt = 0; ; attempt += 1) {
    const answer = await fetchOwnPage(page, headers, deadline - Date.now());
    if (!answer) return false;
    if (answer[KEPT_HEADER] === '1') return true;
    if (attempt > 0 || Date.now() + RETRY_MS >= deadline) return false;
    report.retried += 1;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
