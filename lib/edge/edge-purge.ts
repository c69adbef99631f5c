import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tags as cacheTags } from '@/lib/core/cache-tags';
import { config } from '@/lib/core/config';
import { processSingleton } from '@/lib/core/process-singleton';
import { getRecorder } from '@/lib/stats/runtime';
import { EdgePurger } from './purger';
import { purgeTierOf } from './tiers';

/*
 * The edge purge as the rest of the site uses it: this process's purger, set up from the
 * configuration, and the purge of everything the first server of a new build sends.
 */

/** This process's purger, or null with no purge-capable tier (one per process: lib/core/process-singleton.ts). */
export function edgePurger(): EdgePurger | null {
  return processSingleton('edge.purger', () => {
    const tier = purgeTierOf(config);
    return tier
      ? new EdgePurger(tier, {
          maxAgeMs: config.EDGE_MAX_AGE * 1000,
          queueLimit: config.EDGE_PURGE_QUEUE,
          repurgeMs: config.EDGE_REPURGE_MS,
          record: (attempt) => getRecorder().recordPurge(attempt),
        })
      : null;
  });
}

/**
 * After a deploy the edge holds the old build's pages, whose scripts and server actions the new
 * build no longer has: the first server of a new build purges everything. Remembered beside the
 * build, so a restart of the same build keeps the edge's pages.
 */
export async function purgeEdgeForNewBuild(distDir: string, buildId: string): Promise<void> {
  const purger = edgePurger();
  if (!purger) return;
  const marker = path.join(distDir, 'freshpress-edge-build');
  const identity = `${config.EDGE} ${buildId}`;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === identity) return;
  // No second purge: nothing can be in transit from a build that has not served yet.
  await purger.purge([cacheTags.everything], { waitMs: 10_000, repurge: false });
  if (purger.queued === 0) writeFileSync(marker, identity);
  else console.warn("[edge] could not purge the previous build's pages yet; retrying in the background");
}
