import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Pagination } from '@/components/Pagination';
import { PostList } from '@/components/PostList';
import { getLatestPosts } from '@/lib/content/readers';
import { parsePageNumber } from '@/lib/core/route-params';

export const revalidate = 604800;

export function generateStaticParams() {
  return [{ n: '2' }, { n: '3' }];
}

type Props = { params: Promise<{ n: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { n } = await params;
  return { title: `Posts, page ${n}` };
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
