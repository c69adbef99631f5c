import { ModerationQueue } from '@/components/admin/ModerationQueue';
import { postsWithComments } from '@/db/admin-reads';
import type { CommentStatus } from '@/db/schema';
import { requireAdmin } from '@/lib/admin/auth';
import { moderationQueue } from '@/lib/comments/moderation';
import { parseId } from '@/lib/core/route-params';

const STATUSES: readonly CommentStatus[] = ['pending', 'spam', 'published'];

type Search = { status?: string | string[]; post?: string | string[] };

export default async function CommentsQueuePage({ searchParams }: { searchParams: Promise<Search> }) {
  await requireAdmin();
  const search = await searchParams;
  const status = STATUSES.find((s) => s === search.status) ?? 'pending';
  const postId = typeof search.post === 'string' ? (parseId(search.post) ?? undefined) : undefined;
  const [rows, posts] = await Promise.all([moderationQueue({ status, postId }), postsWithComments()]);

  return (
    <main>
      <h1>Comments</h1>
      <form method="get" action="/admin/comments" className="admin-filter">
        <label>
          Status{' '}
          <select name="status" defaultValue={status}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Post{' '}
          <select name="post" defaultValue={postId ?? ''}>
            <option value="">All posts</option>
            {posts.map((post) => (
              <option key={post.id} value={post.id}>
                {post.title}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <ModerationQueue rows={rows} />
    </main>
  );
}
