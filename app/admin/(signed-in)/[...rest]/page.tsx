import { notFound } from 'next/navigation';
import { requireAdmin } from '@/lib/admin/auth';

// An address under /admin that is no page answers like one that is: the login first, so a
// visitor without a session cannot tell which admin pages exist.
export default async function UnknownAdminPage() {
  await requireAdmin();
  notFound();
}
