import { notFound, redirect } from 'next/navigation';
import { getPostSlugById } from '@/lib/content';

export const dynamic = 'force-dynamic';

// The invalidation log knows posts by id; this sends the operator to the post's page.
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const id = Number((await params).id);
  if (!Number.isSafeInteger(id) || id <= 0) notFound();
  const slug = await getPostSlugById(id);
  if (!slug) notFound();
  redirect(`/posts/${slug}`);
}
