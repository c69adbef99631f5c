import { config, siteUrl } from '@/lib/core/config';
import { getFeedPosts } from '@/lib/content/readers';
import { renderRss } from '@/lib/content/feed';

export const revalidate = 604800;

export async function GET() {
  const xml = renderRss(
    { title: config.SITE_TITLE, description: config.SITE_DESCRIPTION, siteUrl },
    await getFeedPosts(),
  );
  return new Response(xml, { headers: { 'Content-Type': 'application/rss+xml; charset=utf-8' } });
}
