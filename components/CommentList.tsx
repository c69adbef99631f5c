import type { PublicComment } from '@/lib/content/readers';
import { CommentBody } from './CommentBody';
import { FormattedDate } from './FormattedDate';

export function CommentList({ comments }: { comments: readonly PublicComment[] }) {
  if (comments.length === 0) return <p className="no-comments">No comments yet. Be the first to say something.</p>;
  return (
    <ol className="comment-list">
      {comments.map((comment) => (
        <li key={comment.id} id={`comment-${comment.id}`} data-testid="comment">
          <article aria-label={`Comment by ${comment.authorName}`}>
            <header>
              <strong className="comment-author">{comment.authorName}</strong>
              <a href={`#comment-${comment.id}`} className="comment-date">
                <FormattedDate iso={comment.createdAt} withTime />
              </a>
            </header>
            <CommentBody body={comment.body} />
          </article>
        </li>
      ))}
    </ol>
  );
}
