import { AdminNav } from '@/components/admin/AdminNav';
import { countPendingComments } from '@/db/admin-reads';
import { requireAdmin } from '@/lib/admin/auth';

export default async function SignedInLayout({ children }: { children: React.ReactNode }) {
  // The pages check too: a layout is not rendered again on every navigation between its pages.
  await requireAdmin();
  const sections = [
    { label: 'Home', href: '/admin' },
    { label: 'Posts', href: '/admin/posts' },
    { label: 'Pending comments', href: '/admin/comments', count: await countPendingComments() },
  ];
  return (
    <div className="admin">
      <AdminNav sections={sections} />
      {children}
    </div>
  );
}
