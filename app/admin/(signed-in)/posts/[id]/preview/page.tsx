import type { Metadata } from 'next';
import Link from 'next/link';
import { forbidden, notFound } from 'next/navigation';
import { Article } from '@/components/Article';
import { getEditablePost } from '@/db/admin-reads';
import { requireAdmin } from '@/lib/admin/auth';
import { maySeeEveryPost } from '@/lib/accounts/roles';
import { toPostDetail } from '@/lib/content/readers';
import { parseId } from '@/lib/core/route-params';

// A draft must never reach a search engine, even through a leaked preview address.
export const metadata: Metadata = { robots: { index: false, follow: false } };

type Props = { params: Promise<{ id: string }> };

/** The stored post as the public page would render it, whatever its status: nothing is cached. */
export default async function PreviewPostPage({ params }: Props) {
  const session = await requireAdmin();
  const id = parseId((await params).id);
  const post = id === null ? null : await getEditablePost(id);
  if (!post) notFound();
  // An author previews their own posts, published or not.
  if (!maySeeEveryPost(session) && post.authorId !== session.accountId) forbidden();
  return (
    <>
      <p role="note" className="preview-note">
        Preview: {post.status === 'draft' ? 'this draft is not published.' : 'as the public page renders it.'}{' '}
        <Link href={`/admin/posts/${post.id}/edit`}>Back to the editor</Link>
      </p>
      <Article
        post={toPostDetail({ ...post, author: post.authorName, publishedAt: post.publishedAt ?? post.updatedAt })}
      />
    </>
  );
}
