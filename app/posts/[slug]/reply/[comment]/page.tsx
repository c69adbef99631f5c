import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { CommentForm } from '@/components/CommentForm';
import { CommentList } from '@/components/CommentList';
import { ReplyForms } from '@/components/ReplyControl';
import { postComment } from '@/lib/comments/actions';
import { buildSubthread } from '@/lib/comments/thread';
import { getComments, getPost } from '@/lib/content/readers';
import { parseId, parseSlug } from '@/lib/core/route-params';

/*
 * The reply form without JavaScript: the comment answered, with its replies, and the form with
 * its parent set. Rendered per request and never cached: one page per comment would fill the page
 * cache for crawlers, who are asked not to come (noindex here, nofollow on the links, robots.txt).
 * It reads the post's cached comments, so a made-up comment id costs one lookup and stores nothing.
 */
export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ slug: string; comment: string }> };

async function answering(params: Props['params']) {
  const raw = await params;
  const slug = parseSlug(raw.slug);
  const id = parseId(raw.comment);
  const post = slug === null || id === null ? null : await getPost(slug);
  if (!post || id === null) return null;
  const { published, hidden } = await getComments(post.id);
  const node = buildSubthread(published, hidden, id);
  return node && { post, node, publishedIds: published.map((comment) => comment.id) };
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = await answering(params);
  return {
    title: found ? `Reply to ${found.node.comment.authorName} — ${found.post.title}` : 'Comment not found',
    robots: { index: false, follow: false },
  };
}

export default async function ReplyPage({ params }: Props) {
  const found = await answering(params);
  if (!found) notFound();
  const { post, node, publishedIds } = found;
  const form = {
    action: postComment.bind(null, post.id),
    postId: post.id,
    publishedIds,
    // eslint-disable-next-line react-hooks/purity
    renderedAt: Date.now(),
  };
  return (
    <>
      <p className="back-link">
        <Link href={`/posts/${post.slug}#comment-${node.comment.id}`}>Back to “{post.title}”</Link>
      </p>
      <h1>Reply to {node.comment.authorName}</h1>
      <section className="comments" aria-label="The comment you are answering">
        <ReplyForms {...form}>
          <CommentList thread={[node]} slug={post.slug} answering={node.comment.id} />
        </ReplyForms>
        <CommentForm {...form} replyTo={{ id: node.comment.id, authorName: node.comment.authorName }} />
      </section>
    </>
  );
}
