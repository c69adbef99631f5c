import { PostEditor } from '@/components/admin/PostEditor';
import { savePost, uploadDroppedImage } from '@/lib/posts/actions';
import { mediaMaxBytes } from '@/lib/media/limits';
import { requireAdmin, reviewRequired } from '@/lib/admin/auth';
import { publishRefusal } from '@/lib/accounts/roles';

export default async function NewPostPage() {
  const session = await requireAdmin();
  const underReview = publishRefusal(session, 'published', await reviewRequired()) !== null;
  return (
    <section aria-labelledby="new-post-heading">
      <h1 id="new-post-heading">New post</h1>
      {underReview && (
        <p role="note">The owner asks for review: save your post as a draft, and an editor will publish it.</p>
      )}
      <PostEditor
        action={savePost.bind(null, null)}
        initial={{ title: '', slug: '', body: '', tags: '', status: 'draft', publishedAt: '' }}
        uploadDropped={uploadDroppedImage}
        maxImageBytes={mediaMaxBytes}
        submitLabel="Save"
      />
    </section>
  );
}
