import type { Metadata } from 'next';
import { AccountForm, LinkGone } from '@/components/admin/AccountForm';
import { joinBlog } from '@/lib/accounts/actions';
import { openLink } from '@/lib/accounts/links';
import { ROLE_NAMES } from '@/lib/accounts/roles';

export const metadata: Metadata = { title: 'Join the blog', referrer: 'no-referrer' };

export default async function JoinPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const link = typeof token === 'string' ? await openLink(token, 'invitation') : null;
  if (!link || typeof token !== 'string') return <LinkGone />;
  return (
    <AccountForm
      action={joinBlog.bind(null, token)}
      heading="Join the blog"
      intro={`You are invited as ${ROLE_NAMES[link.role].toLowerCase()}: ${ROLE_NAMES[link.role] === 'Author' ? 'you write your own posts' : 'you write, publish and moderate'}. Choose your name and password.`}
      email={link.email}
      submit="Create my account"
    />
  );
}
