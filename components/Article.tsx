import type { PostDetail } from '@/lib/content/readers';
import { FormattedDate } from './FormattedDate';
import { TagLinks } from './TagLinks';

export function Article({ post }: { post: PostDetail }) {
  const edited = Date.parse(post.updatedAt) - Date.parse(post.publishedAt) > 24 * 3600 * 1000;
  return (
    <article className="post" aria-labelledby="post-title">
      <header>
        <h1 id="post-title">{post.title}</h1>
        <p className="meta">
          {post.author && (
            <>
              <span className="byline">{`by ${post.author}`}</span>
              <span aria-hidden="true"> · </span>
            </>
          )}
          <FormattedDate iso={post.publishedAt} />
          {edited && (
            <>
              <span aria-hidden="true"> · </span>updated <FormattedDate iso={post.updatedAt} />
            </>
          )}
        </p>
        <TagLinks names={post.tags} />
      </header>
      {/* Rendered from Markdown and sanitized in lib/content/markdown.ts before it was cached. */}
      <div className="prose" dangerouslySetInnerHTML={{ __html: post.html }} />
    </article>
  );
}
