import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { PostList } from '@/components/PostList';
import { config } from '@/lib/core/config';
import { getLatestPostsUncached } from '@/lib/content/readers';

/*
 * The benchmark's baseline: the homepage as a naive app serves it, rendered with fresh queries on
 * every request. Off (404) unless UNCACHED_BASELINE=on.
 */
export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Latest posts (uncached)', robots: { index: false } };

export default async function UncachedHomePage() {
  if (config.UNCACHED_BASELINE !== 'on') notFound();
  const list = await getLatestPostsUncached(1);
  return (
    <>
      <h1 className="visually-hidden">Latest posts</h1>
      <PostList posts={list.posts} />
    </>
  );
}
