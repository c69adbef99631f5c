import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Article } from '@/components/Article';
import { CommentForm } from '@/components/CommentForm';
import { CommentList } from '@/components/CommentList';
import { RelatedPosts } from '@/components/RelatedPosts';
import { ReplyForms } from '@/components/ReplyControl';
import { postComment } from '@/lib/comments/actions';
import { buildThread } from '@/lib/comments/thread';
import { jsonForScript } from '@/lib/content/json-ld';
import { notFoundMetadata, postMetadata, postStructuredData } from '@/lib/content/link-preview';
import { getComments, getPost, getPrerenderedSlugs, getRelatedPosts } from '@/lib/content/readers';
import { parseSlug } from '@/lib/core/route-params';

export const revalidate = 604800;

// The newest posts are rendered at build time; older ones on first request, then cached alike.
export async function generateStaticParams() {
  return (await getPrerenderedSlugs()).map((slug) => ({ slug }));
}

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const slug = parseSlug((await params).slug);
  const post = slug === null ? null : await getPost(slug);
  return post ? postMetadata(post) : notFoundMetadata;
}

export default async function PostPage({ params }: Props) {
  const slug = parseSlug((await params).slug);
  const post = slug === null ? null : await getPost(slug);
  if (!post) notFound();
  const [{ published, hidden }, related] = await Promise.all([getComments(post.id), getRelatedPosts(post)]);
  const form = {
    action: postComment.bind(null, post.id),
    postId: post.id,
    publishedIds: published.map((comment) => comment.id),
    // A server component renders once per cached page: the time is that render's, on purpose.
    // eslint-disable-next-line react-hooks/purity
    renderedAt: Date.now(),
  };
  return (
    <>
      {/* Data, not script: escaped so no title can end the element (lib/content/json-ld.ts). */}
      <script
        type="application/ld+json"
        dangerouslySetInnerHTML={{ __html: jsonForScript(postStructuredData(post)) }}
      />
      <Article post={post} />
      <RelatedPosts posts={related} />
      <section id="comments" className="comments" aria-labelledby="comments-heading">
        <h2 id="comments-heading">{published.length === 1 ? '1 comment' : `${published.length} comments`}</h2>
        <ReplyForms {...form}>
          <CommentList thread={buildThread(published, hidden)} slug={post.slug} />
        </ReplyForms>
        <CommentForm {...form} />
      </section>
    </>
  );
}
