import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Pagination } from '@/components/Pagination';
import { PostList } from '@/components/PostList';
import { listMetadata, notFoundMetadata } from '@/lib/content/link-preview';
import { getLatestPosts } from '@/lib/content/readers';
import { config } from '@/lib/core/config';
import { parsePageNumber } from '@/lib/core/route-params';

export const revalidate = 604800;

export function generateStaticParams() {
  return [{ n: '2' }, { n: '3' }];
}

type Props = { params: Promise<{ n: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const page = parsePageNumber((await params).n);
  // The same cached reads as the page's own: no query of its own.
  const list = page === null || page === 1 ? null : await getLatestPosts(page);
  if (!list) return notFoundMetadata;
  return listMetadata({
    title: `Posts, page ${page}`,
    cardTitle: `Older posts — page ${page}`,
    description: `Page ${page} of ${list.pageCount} of the posts on ${config.SITE_TITLE}. ${config.SITE_DESCRIPTION}`,
    path: `/page/${page}`,
  });
}

export default async function OlderPostsPage({ params }: Props) {
  const page = parsePageNumber((await params).n);
  // Page 1 is redirected to / in next.config.ts before it gets here.
  if (page === null || page === 1) notFound();
  const list = await getLatestPosts(page);
  if (!list) notFound();
  return (
    <>
      <h1 className="list-heading">Older posts — page {page}</h1>
      <PostList posts={list.posts} />
      <Pagination basePath="/" page={page} pageCount={list.pageCount} />
    </>
  );
}
