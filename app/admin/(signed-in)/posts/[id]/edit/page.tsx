import Link from 'next/link';
import { forbidden, notFound } from 'next/navigation';
import { PostEditor } from '@/components/admin/PostEditor';
import { getEditablePost } from '@/db/admin-reads';
import { savePost, uploadDroppedImage } from '@/lib/posts/actions';
import { mediaMaxBytes } from '@/lib/media/limits';
import { requireAdmin, reviewRequired } from '@/lib/admin/auth';
import { postRefusal, publishRefusal } from '@/lib/accounts/roles';
import { toUtcField } from '@/lib/posts/editor-form';
import { parseId } from '@/lib/core/route-params';

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ saved?: string }> };

export default async function EditPostPage({ params, searchParams }: Props) {
  const session = await requireAdmin();
  const id = parseId((await params).id);
  const post = id === null ? null : await getEditablePost(id);
  if (!post) notFound();
  const review = await reviewRequired();
  const refusal = postRefusal(session, post, review);
  if (refusal && post.authorId !== session.accountId) forbidden();
  const saved = (await searchParams).saved;
  const invalidated = saved?.split(' ').filter((tag) => tag !== '') ?? [];
  return (
    <section aria-labelledby="edit-post-heading">
      <h1 id="edit-post-heading">Edit “{post.title}”</h1>
      {saved !== undefined && (
        <p role="status">
          Saved. {invalidated.length > 0 ? `Invalidated ${invalidated.join(', ')}.` : 'Nothing was invalidated.'}
        </p>
      )}
      <p>
        <Link href={`/admin/posts/${post.id}/preview`}>Preview</Link>
        {post.authorName && ` · by ${post.authorName}`}
      </p>
      {refusal && <p role="note">{refusal}</p>}
      {!refusal && publishRefusal(session, 'published', review) && (
        <p role="note">The owner asks for review: save your post as a draft, and an editor will publish it.</p>
      )}
      <PostEditor
        // A new key after each save: the fields start again from what is stored.
        key={post.updatedAt.getTime()}
        action={savePost.bind(null, post.id)}
        initial={{
          title: post.title,
          slug: post.slug,
          body: post.body,
          tags: post.tags.join(', '),
          status: post.status,
          publishedAt: toUtcField(post.publishedAt),
        }}
        uploadDropped={uploadDroppedImage}
        maxImageBytes={mediaMaxBytes}
        submitLabel="Save"
        dryRun
      />
    </section>
  );
}
