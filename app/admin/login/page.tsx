import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/admin/LoginForm';
import { ownerExists } from '@/db/accounts';
import { adminSession } from '@/lib/admin/auth';
import { config } from '@/lib/core/config';

export default async function AdminLoginPage() {
  const accounts = await ownerExists();
  const sharedPassword = config.ADMIN_PASSWORD !== undefined;
  if (!accounts && !sharedPassword) {
    return (
      <section aria-labelledby="admin-off-heading">
        <h1 id="admin-off-heading">The blog is not set up yet</h1>
        <p>
          When it starts, the server prints a line <code>Set up your blog: …/admin/setup?token=…</code>. Open that
          address to create the owner&rsquo;s account; it works once, for a day, and every start prints a new one.
        </p>
        <p>
          Deployments that prefer one shared password can set <code>ADMIN_PASSWORD</code> (12 characters or more) in the
          server&rsquo;s environment and restart it.
        </p>
      </section>
    );
  }
  if (await adminSession()) redirect('/admin');
  return <LoginForm accounts={accounts} sharedPassword={sharedPassword} />;
}
