import { AdminNav, type AdminSection } from '@/components/admin/AdminNav';
import { countPendingComments } from '@/db/admin-reads';
import { requireAdmin } from '@/lib/admin/auth';
import { mayManagePeople, mayModerate } from '@/lib/accounts/roles';

export default async function SignedInLayout({ children }: { children: React.ReactNode }) {
  // The pages check too: a layout is not rendered again on every navigation between its pages.
  const session = await requireAdmin();
  const sections: AdminSection[] = [
    { label: 'Home', href: '/admin' },
    { label: 'Posts', href: '/admin/posts' },
    ...(mayModerate(session)
      ? [{ label: 'Pending comments', href: '/admin/comments', count: await countPendingComments() }]
      : []),
    ...(mayManagePeople(session)
      ? [
          { label: 'People', href: '/admin/people' },
          { label: 'Mail', href: '/admin/mail' },
        ]
      : []),
    { label: session.account ? `${session.account.name} (account)` : 'Account', href: '/admin/account' },
  ];
  return (
    <div className="admin">
      <AdminNav sections={sections} />
      {children}
    </div>
  );
}
