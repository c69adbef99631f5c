import { postCard } from '@/lib/content/cards';
import { CARD_SIZE } from '@/lib/content/link-preview';
import { getPost, getPrerenderedSlugs } from '@/lib/content/readers';
import { parseSlug } from '@/lib/core/route-params';

/*
 * A post's card, /posts/<slug>/opengraph-image: cached like the post's page and rebuilt with it.
 * It reads the post through the cached reader, so its entry carries the post's tags (post:<id>,
 * slug:<slug>): a retitle, a retag or an unpublication invalidates it, a comment does not.
 * The page names it in its metadata (lib/content/link-preview.ts), with a query that changes
 * with what the card shows.
 */

export const revalidate = 604800;
export const size = CARD_SIZE;
export const contentType = 'image/png';

// The newest posts' cards are drawn at build time, with their pages; older ones on first request.
export async function generateStaticParams() {
  return (await getPrerenderedSlugs()).map((slug) => ({ slug }));
}

export default async function Image({ params }: { params: Promise<{ slug: string }> }) {
  const slug = parseSlug((await params).slug);
  const post = slug === null ? null : await getPost(slug);
  // A 404 is not kept by the page cache (lib/page-cache/entries.ts): a scan of made-up slugs costs no space.
  if (!post) return new Response('Not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
  return postCard(post);
}
