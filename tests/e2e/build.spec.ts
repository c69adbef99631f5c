import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './support/fixtures';

/*
 * A page that reads cookies(), headers() or searchParams becomes dynamic and silently loses its
 * cache. These tests read what `next build` reported for the build the other suites run against.
 */

const cachedRoutes = [
  '/',
  '/page/[n]',
  '/posts/[slug]',
  '/tags/[tag]',
  '/tags/[tag]/page/[n]',
  '/feed.xml',
  '/sitemap.xml',
  '/sitemaps/[file]',
  '/posts/[slug]/opengraph-image',
  '/opengraph-image',
];

/**
 * Symbol per route from the build's table. A route with generateStaticParams has a header line
 * without a symbol and its prerendered paths below it; it takes the symbol of those paths.
 */
async function routeTable(): Promise<Map<string, string>> {
  const output = await readFile(path.join('test-results', 'build-output.txt'), 'utf8');
  const table = new Map<string, string>();
  let header: string | null = null;
  for (const line of output.split('\n')) {
    const match = line.match(/^([┌├└│ ]+?)\s*([○●ƒ◐])?\s+(\/\S*)/u);
    if (!match) continue;
    const [, indent, symbol, route] = match;
    const nested = indent!.startsWith('│');
    if (!nested) header = null;
    if (!symbol) {
      header = route!;
      continue;
    }
    if (nested && header && !table.has(header)) table.set(header, symbol);
    if (!nested) table.set(route!, symbol);
  }
  return table;
}

test('next build lists every cached route as static or ISR, never as dynamic', async () => {
  const table = await routeTable();
  for (const route of cachedRoutes) {
    expect(table.get(route), `${route} in the build's route table`).toMatch(/^[○●]$/u);
  }
  // The admin API and search read the request and are meant to be dynamic; they prove the parser sees ƒ rows.
  expect(table.get('/api/admin/posts')).toBe('ƒ');
  // One reply page per comment is rendered per request, so crawlers cannot fill the cache with them.
  expect(table.get('/posts/[slug]/reply/[comment]')).toBe('ƒ');
  expect(table.get('/search')).toBe('ƒ');
});

test('the prerender manifest gives cached pages a lifetime of a week', async () => {
  const manifest = JSON.parse(await readFile(path.join('.next', 'prerender-manifest.json'), 'utf8')) as {
    routes: Record<string, { initialRevalidateSeconds: number | false }>;
    dynamicRoutes: Record<string, unknown>;
  };
  expect(manifest.routes['/']?.initialRevalidateSeconds).toBe(604800);
  expect(manifest.routes['/feed.xml']?.initialRevalidateSeconds).toBe(604800);
  expect(manifest.routes['/sitemap.xml']?.initialRevalidateSeconds).toBe(604800);
  expect(manifest.routes['/sitemaps/posts-1.xml']?.initialRevalidateSeconds).toBe(604800);
  for (const route of [
    '/posts/[slug]',
    '/tags/[tag]',
    '/page/[n]',
    '/sitemaps/[file]',
    '/posts/[slug]/opengraph-image',
  ])
    expect(Object.keys(manifest.dynamicRoutes)).toContain(route);
  const prerenderedPosts = Object.keys(manifest.routes).filter((route) => /^\/posts\/[^/]+$/.test(route));
  expect(prerenderedPosts).toHaveLength(20);
  // Each of those posts' cards is drawn at build time too, and lives as long as its page.
  const cards = Object.keys(manifest.routes).filter((route) => /^\/posts\/[^/]+\/opengraph-image$/.test(route));
  expect(cards.sort()).toEqual(prerenderedPosts.map((route) => `${route}/opengraph-image`).sort());
  for (const card of cards) expect(manifest.routes[card]?.initialRevalidateSeconds, card).toBe(604800);
});

test('cached pages answer with the page cache, not a render per request', async ({ request }) => {
  for (const route of ['/', '/feed.xml']) {
    await request.get(route);
    const again = await request.get(route);
    expect(again.headers()['x-nextjs-cache'], route).toBe('HIT');
  }
});
