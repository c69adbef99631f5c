import { siteUrl } from '@/lib/core/config';
import { getSitemapIndex } from '@/lib/content/readers';
import { renderSitemapIndex, sitemapIndexEntries, sitemapResponse } from '@/lib/content/sitemap';

// The sitemap index: the files of lib/content/sitemap.ts, each of at most 50,000 addresses.
export const revalidate = 604800;

export async function GET() {
  return sitemapResponse(renderSitemapIndex(sitemapIndexEntries(siteUrl, await getSitemapIndex())));
}
