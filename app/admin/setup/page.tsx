import type { Metadata } from 'next';
import { AccountForm, LinkGone } from '@/components/admin/AccountForm';
import { setUpBlog } from '@/lib/accounts/actions';
import { openLink } from '@/lib/accounts/links';

export const metadata: Metadata = { title: 'Set up your blog', referrer: 'no-referrer' };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const link = typeof token === 'string' ? await openLink(token, 'setup') : null;
  if (!link || typeof token !== 'string') return <LinkGone />;
  return (
    <AccountForm
      action={setUpBlog.bind(null, token)}
      heading="Set up your blog"
      intro="Create the owner’s account. The owner writes, publishes, moderates and invites the other authors."
      email={null}
      submit="Create the owner’s account"
    />
  );
}
