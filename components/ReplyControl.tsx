'use client';

import {
  createContext,
  useContext,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type MouseEvent,
  type ReactNode,
} from 'react';
import type { CommentState } from '@/lib/comments/input';
import { CommentForm, type CommentFormProps } from './CommentForm';

/*
 * The Reply control beside each comment. Without JavaScript it is a link to the reply page, whose
 * form has the parent set; with it, the same link opens that form inline under the comment, one
 * at a time, and the reply appears nested in the response to the post itself.
 */

type FormBase = Pick<CommentFormProps, 'action' | 'postId' | 'publishedIds' | 'renderedAt'>;

const ReplyContext = createContext<{ form: FormBase; openId: number | null; open: (id: number | null) => void } | null>(
  null,
);

/** What the Reply controls under it share: the post's form, and which comment's reply form is open. */
export function ReplyForms({ children, ...form }: FormBase & { children: ReactNode }) {
  const [openId, open] = useState<number | null>(null);
  const { action, postId, publishedIds, renderedAt } = form;
  const value = useMemo(
    () => ({ form: { action, postId, publishedIds, renderedAt }, openId, open }),
    [action, postId, publishedIds, renderedAt, openId],
  );
  return <ReplyContext.Provider value={value}>{children}</ReplyContext.Provider>;
}

type Sent = Extract<CommentState, { status: 'published' | 'pending-moderation' }>;

/** Focus on the reply the response has just put in the thread, once it is there. */
function focusComment(id: number, tries = 60): void {
  const article = document.getElementById(`comment-${id}`)?.querySelector('article');
  if (article) {
    article.setAttribute('tabindex', '-1');
    article.focus();
  } else if (tries > 0) {
    requestAnimationFrame(() => focusComment(id, tries - 1));
  }
}

const noSubscription = () => () => {};

export function ReplyControl({ commentId, authorName, href }: { commentId: number; authorName: string; href: string }) {
  const thread = useContext(ReplyContext);
  const linkRef = useRef<HTMLAnchorElement>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const isOpen = thread?.openId === commentId;
  // Before hydration (or without JavaScript) the link goes to the reply page and expands nothing.
  const hydrated = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );

  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    // A new tab or window still gets the reply page.
    if (!thread || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    setNotice(null);
    thread.open(isOpen ? null : commentId);
  };
  const onCancel = () => {
    thread?.open(null);
    linkRef.current?.focus();
  };
  const onSent = (sent: Sent) => {
    thread?.open(null);
    if (sent.status === 'published') {
      setNotice('Thank you — your reply is published.');
      focusComment(sent.commentId);
    } else {
      setNotice('Thank you — your reply will appear once a moderator has approved it.');
      requestAnimationFrame(() => noticeRef.current?.focus());
    }
  };

  return (
    <div className="comment-actions">
      <a
        ref={linkRef}
        href={href}
        rel="nofollow"
        className="reply-link"
        onClick={onClick}
        aria-expanded={thread && hydrated ? isOpen : undefined}
      >
        Reply<span className="visually-hidden"> to {authorName}</span>
      </a>
      {notice && (
        <p className="reply-notice" role="status" tabIndex={-1} ref={noticeRef}>
          {notice}
        </p>
      )}
      {thread && isOpen && (
        <CommentForm {...thread.form} replyTo={{ id: commentId, authorName }} inline={{ onCancel, onSent }} />
      )}
    </div>
  );
}
