import { parseCommentText } from '@/lib/comments/text';

/** Plain text through React's escaping; the only markup a commenter gets is paragraphs and links. */
export function CommentBody({ body }: { body: string }) {
  return (
    <div className="comment-body">
      {parseCommentText(body).map((lines, p) => (
        <p key={p}>
          {lines.map((segments, l) => (
            <span key={l}>
              {l > 0 && <br />}
              {segments.map((segment, s) =>
                segment.kind === 'link' ? (
                  <a key={s} href={segment.href} rel="nofollow ugc noopener noreferrer">
                    {segment.text}
                  </a>
                ) : (
                  <span key={s}>{segment.text}</span>
                ),
              )}
            </span>
          ))}
        </p>
      ))}
    </div>
  );
}
