import { notFound, redirect } from 'next/navigation';
import { getPublishedPostSlugById } from '@/lib/content/readers';
import { parseId } from '@/lib/core/route-params';
import { hasAccess } from '@/lib/stats/access';

export const dynamic = 'force-dynamic';

// The invalidation log knows posts by id; this sends the operator to the post's page. Only
// published posts have one, and with STATS_PASSWORD set only an operator may ask: the log also
// names drafts, whose slugs are not public.
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  if (!(await hasAccess(request.headers.get('authorization')))) notFound();
  const id = parseId((await params).id);
  if (id === null) notFound();
  const slug = await getPublishedPostSlugById(id);
  if (!slug) notFound();
  redirect(`/posts/${slug}`);
}
