import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { siteUrlOf, type Config } from '@/lib/core/config';

/*
 * Pages prerendered by `next build` hold the site's address (canonical links, og:url, the cards'
 * addresses, the feed, the sitemap, robots.txt), title and description as the build saw them. A
 * build made without SITE_URL (on a CI machine, say) and served with it would otherwise serve
 * those pages naming http://localhost:3000 until each is rebuilt. So the build records what it
 * rendered for, and a server for another site renders each page afresh instead of taking the
 * build's copy: in shared mode the pages it renders are the ones Redis keeps for every server
 * (lib/page-cache/shared-mode.ts); in local mode, where the build's files and the pages rendered
 * since share one folder, a page is taken from it only if this process wrote it (local-mode.ts).
 * Data read at build time holds no address and is used as before.
 */

export const BUILD_SITE_FILE = 'freshpress-site.json';

export interface BuildSite {
  url: string;
  /** Whether SITE_URL was set; without it the address is only this host's on PORT. */
  urlSet: boolean;
  title: string;
  description: string;
}

export function siteOf(settings: Pick<Config, 'SITE_URL' | 'PORT' | 'SITE_TITLE' | 'SITE_DESCRIPTION'>): BuildSite {
  return {
    url: siteUrlOf(settings),
    urlSet: settings.SITE_URL !== undefined,
    title: settings.SITE_TITLE,
    description: settings.SITE_DESCRIPTION,
  };
}

/** Written by server/build.ts after `next build`, beside the build's other files. */
export async function recordBuildSite(distDir: string, site: BuildSite): Promise<void> {
  await writeFile(path.join(distDir, BUILD_SITE_FILE), `${JSON.stringify(site)}\n`);
}

export interface BuildSiteCheck {
  /** Whether the build's prerendered pages were made for this site and may be served. */
  usable: boolean;
  /** One line for the start-up log when they may not. */
  notice: string | null;
}

/**
 * The build's pages are this site's unless an address was set on either side and they differ, or
 * the title or description differ. Without SITE_URL on either side, both are "this host" whatever
 * the port (the tests build once and serve on many ports).
 */
export function checkBuildSite(distDir: string, current: BuildSite): BuildSiteCheck {
  const file = path.join(distDir, BUILD_SITE_FILE);
  if (!existsSync(file)) return { usable: true, notice: null };
  let built: BuildSite;
  try {
    built = JSON.parse(readFileSync(file, 'utf8')) as BuildSite;
  } catch {
    return { usable: true, notice: null };
  }
  const differences: string[] = [];
  if ((built.urlSet || current.urlSet) && built.url !== current.url)
    differences.push(`SITE_URL ${built.urlSet ? built.url : 'unset'} → ${current.urlSet ? current.url : 'unset'}`);
  if (built.title !== current.title) differences.push('SITE_TITLE');
  if (built.description !== current.description) differences.push('SITE_DESCRIPTION');
  if (differences.length === 0) return { usable: true, notice: null };
  return {
    usable: false,
    notice:
      `this build prerendered its pages for another site (${differences.join(', ')}): each page is rendered ` +
      `afresh on its first request instead` +
      (current.urlSet ? '' : `; without SITE_URL, links and cards name ${current.url}`),
  };
}
