import Link from 'next/link';
import type { RelatedPost } from '@/lib/content/readers';
import { FormattedDate } from './FormattedDate';

export function RelatedPosts({ posts }: { posts: readonly RelatedPost[] }) {
  if (posts.length === 0) return null;
  return (
    <aside className="related-posts" aria-labelledby="related-heading">
      <h2 id="related-heading">Related posts</h2>
      <ul>
        {posts.map((post) => (
          <li key={post.id} data-related-id={post.id}>
            <Link href={`/posts/${post.slug}`}>{post.title}</Link> <FormattedDate iso={post.publishedAt} />
          </li>
        ))}
      </ul>
    </aside>
  );
}
