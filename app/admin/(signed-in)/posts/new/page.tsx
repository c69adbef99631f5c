import { PostEditor } from '@/components/admin/PostEditor';
import { savePost, uploadDroppedImage } from '@/lib/posts/actions';
import { mediaMaxBytes } from '@/lib/media/limits';
import { requireAdmin } from '@/lib/admin/auth';

export default async function NewPostPage() {
  await requireAdmin();
  return (
    <section aria-labelledby="new-post-heading">
      <h1 id="new-post-heading">New post</h1>
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
