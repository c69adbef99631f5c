import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileCache, NEXT_HEADERS } from './next-internals';
import { pageOfKey } from './rebuilds';
import type { PageCacheRuntime } from './runtime';

/*
 * Which pages the page cache holds now, and the tags each carries: for the admin's dry run, which
 * names the pages an invalidation would rebuild. Read from the cache itself, not inferred from the
 * readers, so a page the dry run names is one a visitor would really see rebuilt. Entries already
 * made stale by an earlier invalidation are still listed: they are rebuilt on their next visit anyway.
 */

export interface CachedPage {
  page: string;
  tags: string[];
}

/** More than a blog's pages; a bound so a huge cache cannot make an admin page slow. */
export const LISTING_LIMIT = 5000;

export async function cachedPages(runtime: PageCacheRuntime | null, limit = LISTING_LIMIT): Promise<CachedPage[]> {
  if (!runtime) return [];
  const entries = runtime.store ? await runtime.store.listEntries(limit) : await localEntries(runtime.distDir, limit);
  // The HTML and the RSC payload of a page can be separate entries: one page, the union of their tags.
  const pages = new Map<string, Set<string>>();
  for (const entry of entries) {
    const page = pageOfKey(entry.key, undefined);
    // The shared store also holds the data cache's entries, keyed by a hash: a reader, not a page.
    if (!page.startsWith('/')) continue;
    const known = pages.get(page) ?? new Set<string>();
    for (const tag of entry.tags) known.add(tag);
    pages.set(page, known);
  }
  return [...pages].map(([page, tags]) => ({ page, tags: [...tags] })).sort((a, b) => a.page.localeCompare(b.page));
}

/** Next's file cache keeps each app page or route beside a metadata file whose headers carry its tags. */
async function localEntries(distDir: string, limit: number): Promise<{ key: string; tags: string[] }[]> {
  const root = fileCache.appDir(distDir);
  const out: { key: string; tags: string[] }[] = [];
  const walk = async (dir: string): Promise<void> => {
    const items = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const item of items) {
      if (out.length >= limit) return;
      const full = path.join(dir, item.name);
      if (item.isDirectory()) await walk(full);
      else if (item.name.endsWith(fileCache.metaSuffix)) {
        const tags = await metaTags(full);
        if (tags)
          out.push({
            key: `/${path.relative(root, full).slice(0, -fileCache.metaSuffix.length).split(path.sep).join('/')}`,
            tags,
          });
      }
    }
  };
  await walk(root);
  return out;
}

async function metaTags(file: string): Promise<string[] | null> {
  try {
    const meta = JSON.parse(await readFile(file, 'utf8')) as { status?: number; headers?: Record<string, unknown> };
    const header = meta.headers?.[NEXT_HEADERS.cacheTags];
    if (meta.status === 404 || typeof header !== 'string') return null;
    return header.split(',').filter((tag) => tag !== '');
  } catch {
    // Being rewritten as it was read: the next listing sees it.
    return null;
  }
}
