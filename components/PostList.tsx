import Link from 'next/link';
import type { PostSummary } from '@/lib/content/readers';
import { FormattedDate } from './FormattedDate';
import { TagLinks } from './TagLinks';

function commentCountLabel(count: number): string {
  if (count === 0) return 'No comments yet';
  return count === 1 ? '1 comment' : `${count} comments`;
}

export function PostList({ posts }: { posts: readonly PostSummary[] }) {
  return (
    <ol className="post-list">
      {posts.map((post) => (
        <li key={post.id}>
          <article className="post-summary" aria-labelledby={`post-${post.id}-title`}>
            <h2 id={`post-${post.id}-title`}>
              <Link href={`/posts/${post.slug}`}>{post.title}</Link>
            </h2>
            <p className="meta">
              <FormattedDate iso={post.publishedAt} />
              <span aria-hidden="true"> · </span>
              <Link href={`/posts/${post.slug}#comments`} data-testid="comment-count">
                {commentCountLabel(post.commentCount)}
              </Link>
            </p>
            <p className="excerpt">{post.excerpt}</p>
            <TagLinks names={post.tags} />
          </article>
        </li>
      ))}
    </ol>
  );
}
