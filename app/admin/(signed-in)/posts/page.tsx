import Link from 'next/link';
import { listPostsForAdmin } from '@/db/admin-reads';
import { requireAdmin } from '@/lib/admin/auth';

function stateOf(post: { status: 'draft' | 'published'; publishedAt: Date | null }, now: Date): string {
  if (post.status === 'draft') return 'Draft';
  return post.publishedAt && post.publishedAt > now ? `Scheduled for ${post.publishedAt.toISOString()}` : 'Published';
}

export default async function AdminPostsPage() {
  await requireAdmin();
  const posts = await listPostsForAdmin();
  const now = new Date();
  return (
    <section aria-labelledby="admin-posts-heading">
      <h1 id="admin-posts-heading">Posts</h1>
      <p>
        <Link href="/admin/posts/new">Write a new post</Link>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {posts.map((post) => (
            <tr key={post.id}>
              <td>{post.title}</td>
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
    </section>
  );
}
