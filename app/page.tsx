import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Pagination } from '@/components/Pagination';
import { PostList } from '@/components/PostList';
import { listMetadata } from '@/lib/content/link-preview';
import { getLatestPosts } from '@/lib/content/readers';
import { config } from '@/lib/core/config';

// A week: the page is rebuilt when a post it lists changes (tag invalidation), not on a timer.
export const revalidate = 604800;

export const metadata: Metadata = listMetadata({
  title: config.SITE_TITLE,
  absoluteTitle: true,
  description: config.SITE_DESCRIPTION,
  path: '/',
});

export default async function HomePage() {
  const list = await getLatestPosts(1);
  if (!list) notFound();
  return (
    <>
      <h1 className="visually-hidden">Latest posts</h1>
      <PostList posts={list.posts} />
      <Pagination basePath="/" page={1} pageCount={list.pageCount} />
    </>
  );
}
