import { notFound } from 'next/navigation';
import { AdminPagination } from '@/components/admin/AdminPagination';
import { ModerationQueue } from '@/components/admin/ModerationQueue';
import type { CommentStatus } from '@/db/schema';
import { requireAdminWho } from '@/lib/admin/auth';
import { mayModerate } from '@/lib/accounts/roles';
import { moderationQueue, queuePostChoices } from '@/lib/comments/moderation';
import { parseId, parsePageQuery } from '@/lib/core/route-params';

const STATUSES: readonly CommentStatus[] = ['pending', 'spam', 'published'];

type Search = { status?: string | string[]; post?: string | string[]; page?: string | string[] };

export default async function CommentsQueuePage({ searchParams }: { searchParams: Promise<Search> }) {
  await requireAdminWho(mayModerate);
  const search = await searchParams;
  const status = STATUSES.find((s) => s === search.status) ?? 'pending';
  const postId = typeof search.post === 'string' ? (parseId(search.post) ?? undefined) : undefined;
  const page = parsePageQuery(search.page);
  if (page === null) notFound();
  const [queue, posts] = await Promise.all([moderationQueue({ status, postId, page }), queuePostChoices(postId)]);
  const filter = { status, post: postId === undefined ? undefined : String(postId) };

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
          <select name="post" defaultValue={postId ?? ''} aria-describedby="post-filter-hint">
            <option value="">All posts</option>
            {posts.map((post) => (
              <option key={post.id} value={post.id}>
                {post.title}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <small id="post-filter-hint">
          The {posts.length} newest posts with comments; “only this post” beside a comment filters by its post.
        </small>
      </form>
      {queue.page > queue.pageCount && (
        <p role="note">
          Page {queue.page} is past the end of this list ({queue.pageCount} {queue.pageCount === 1 ? 'page' : 'pages'}).
        </p>
      )}
      <ModerationQueue rows={queue.rows} status={status} />
      <AdminPagination
        path="/admin/comments"
        filter={filter}
        page={queue.page}
        pageCount={queue.pageCount}
        total={queue.total}
        noun={queue.total === 1 ? 'comment' : 'comments'}
      />
    </main>
  );
}
