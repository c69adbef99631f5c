import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/admin/LoginForm';
import { adminEnabled, adminSession } from '@/lib/admin/auth';

export default async function AdminLoginPage() {
  if (!adminEnabled()) {
    return (
      <section aria-labelledby="admin-off-heading">
        <h1 id="admin-off-heading">The admin is off</h1>
        <p>
          To turn it on, set <code>ADMIN_PASSWORD</code> (12 characters or more) in the server&rsquo;s environment and
          restart it.
        </p>
      </section>
    );
  }
  if (await adminSession()) redirect('/admin');
  return <LoginForm />;
}
