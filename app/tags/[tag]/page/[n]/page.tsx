import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { TagPage } from '@/components/TagPage';
import { listMetadata, notFoundMetadata, tagPreview } from '@/lib/content/link-preview';
import { getTaggedPosts } from '@/lib/content/readers';
import { parsePageNumber, parseTag } from '@/lib/core/route-params';

export const revalidate = 604800;

// Rendered on first request, then cached: older tag pages are rarely visited.
export function generateStaticParams() {
  return [];
}

type Props = { params: Promise<{ tag: string; n: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { tag, n } = await params;
  const name = parseTag(tag);
  const page = parsePageNumber(n);
  const list = name === null || page === null || page === 1 ? null : await getTaggedPosts(name, page);
  if (name === null || !list) return notFoundMetadata;
  return listMetadata({
    title: `#${name}, page ${page}`,
    ...tagPreview(name, list),
    path: `/tags/${name}/page/${page}`,
  });
}

export default async function TagOlderPage({ params }: Props) {
  const { tag, n } = await params;
  const name = parseTag(tag);
  const page = parsePageNumber(n);
  // Page 1 is redirected to the tag page in next.config.ts before it gets here.
  if (name === null || page === null || page === 1) notFound();
  const list = await getTaggedPosts(name, page);
  if (!list) notFound();
  return <TagPage name={name} list={list} />;
}
