import { siteUrl } from '@/lib/core/config';
import { getPrerenderedSitemapFiles, getSitemapPosts, getSitemapTags } from '@/lib/content/readers';
import { pageUrls, parseSitemapFileName, postUrls, renderUrlset, sitemapResponse } from '@/lib/content/sitemap';

// One sitemap file: /sitemaps/posts-<n>.xml (a block of post ids) or /sitemaps/pages-<n>.xml.
export const revalidate = 604800;

export async function generateStaticParams() {
  return (await getPrerenderedSitemapFiles()).map((file) => ({ file }));
}

export async function GET(_request: Request, { params }: { params: Promise<{ file: string }> }) {
  const file = parseSitemapFileName((await params).file);
  if (file === null) return sitemapResponse(null);
  if (file.kind === 'posts') {
    const posts = await getSitemapPosts(file.n);
    return sitemapResponse(posts && renderUrlset(postUrls(siteUrl, posts)));
  }
  const tagNames = await getSitemapTags(file.n);
  return sitemapResponse(tagNames && renderUrlset(pageUrls(siteUrl, file.n, tagNames)));
}
