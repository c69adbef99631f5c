import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AdminPagination } from '@/components/admin/AdminPagination';
import { countPostsForAdmin, listPostsForAdmin } from '@/db/admin-reads';
import { requireAdmin } from '@/lib/admin/auth';
import { maySeeEveryPost } from '@/lib/accounts/roles';
import { readAdminPage } from '@/lib/admin/pagination';
import { parsePageQuery } from '@/lib/core/route-params';

function stateOf(post: { status: 'draft' | 'published'; publishedAt: Date | null }, now: Date): string {
  if (post.status === 'draft') return 'Draft';
  return post.publishedAt && post.publishedAt > now ? `Scheduled for ${post.publishedAt.toISOString()}` : 'Published';
}

export default async function AdminPostsPage({
  searchParams,
}: {
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const session = await requireAdmin();
  const page = parsePageQuery((await searchParams).page);
  if (page === null) notFound();
  // An author's list is their own posts.
  const authorId = maySeeEveryPost(session) ? undefined : (session.accountId ?? undefined);
  const list = await readAdminPage(
    page,
    () => countPostsForAdmin(authorId),
    (n) => listPostsForAdmin({ page: n, authorId }),
  );
  const now = new Date();
  return (
    <section aria-labelledby="admin-posts-heading">
      <h1 id="admin-posts-heading">Posts</h1>
      <p>
        <Link href="/admin/posts/new">Write a new post</Link>
      </p>
      {list.page > list.pageCount && (
        <p role="note">
          Page {list.page} is past the end of this list ({list.pageCount} {list.pageCount === 1 ? 'page' : 'pages'}).
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Author</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {list.rows.map((post) => (
            <tr key={post.id}>
              <td>{post.title}</td>
              <td>{post.authorName ?? '—'}</td>
              <td>{stateOf(post, now)}</td>
              <td>
                <Link href={`/admin/posts/${post.id}/edit`} aria-label={`Edit “${post.title}”`}>
                  Edit
                </Link>{' '}
                <Link href={`/admin/posts/${post.id}/preview`} aria-label={`Preview “${post.title}”`}>
                  Preview
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <AdminPagination
        path="/admin/posts"
        page={list.page}
        pageCount={list.pageCount}
        total={list.total}
        noun={list.total === 1 ? 'post' : 'posts'}
      />
    </section>
  );
}
