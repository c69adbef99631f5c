import { requireAdmin } from '@/lib/admin/auth';

export default async function AdminHomePage() {
  await requireAdmin();
  return <h1>Admin</h1>;
}
