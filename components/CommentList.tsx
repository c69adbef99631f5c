import type { InReplyTo, ThreadNode } from '@/lib/comments/thread';
import { CommentBody } from './CommentBody';
import { FormattedDate } from './FormattedDate';
import { ReplyControl } from './ReplyControl';

/** Where a comment's Reply link goes without JavaScript: a page of its own with the reply form. */
export const replyPath = (slug: string, commentId: number) => `/posts/${slug}/reply/${commentId}`;

/**
 * A post's thread as nested lists: each comment with its replies in a list inside its item.
 * `answering` is the comment the reply page's own form answers: it needs no Reply control.
 */
export function CommentList({
  thread,
  slug,
  answering,
}: {
  thread: readonly ThreadNode[];
  slug: string;
  answering?: number;
}) {
  if (thread.length === 0) return <p className="no-comments">No comments yet. Be the first to say something.</p>;
  return (
    <ol className="comment-list">
      {thread.map((node) => (
        <Item
          key={`${node.kind}-${node.kind === 'comment' ? node.comment.id : node.id}`}
          node={node}
          slug={slug}
          answering={answering}
        />
      ))}
    </ol>
  );
}

function Note({ inReplyTo }: { inReplyTo: InReplyTo }) {
  if (!inReplyTo) return null;
  return (
    <span className="in-reply-to">
      {inReplyTo.kind === 'comment' ? (
        <>
          in reply to <a href={`#comment-${inReplyTo.id}`}>{inReplyTo.authorName}</a>
        </>
      ) : (
        'in reply to a comment that was removed'
      )}
    </span>
  );
}

function Item({ node, slug, answering }: { node: ThreadNode; slug: string; answering?: number }) {
  const replies = node.replies.length > 0 && (
    <ol
      className="comment-list replies"
      aria-label={node.kind === 'comment' ? `Replies to ${node.comment.authorName}` : 'Replies to a removed comment'}
    >
      {node.replies.map((reply) => (
        <Item
          key={`${reply.kind}-${reply.kind === 'comment' ? reply.comment.id : reply.id}`}
          node={reply}
          slug={slug}
          answering={answering}
        />
      ))}
    </ol>
  );
  if (node.kind === 'removed') {
    return (
      <li data-testid="removed-comment">
        <p className="comment-removed">This comment was removed.</p>
        {replies}
      </li>
    );
  }
  const { comment } = node;
  return (
    <li id={`comment-${comment.id}`} data-testid="comment">
      <article aria-label={`Comment by ${comment.authorName}`}>
        <header>
          <strong className="comment-author">{comment.authorName}</strong>
          <Note inReplyTo={node.inReplyTo} />
          <a href={`#comment-${comment.id}`} className="comment-date">
            <FormattedDate iso={comment.createdAt} withTime />
          </a>
        </header>
        <CommentBody body={comment.body} />
        {comment.id !== answering && (
          <ReplyControl commentId={comment.id} authorName={comment.authorName} href={replyPath(slug, comment.id)} />
        )}
      </article>
      {replies}
    </li>
  );
}
