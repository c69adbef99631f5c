import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { TagPage } from '@/components/TagPage';
import { listMetadata, notFoundMetadata, tagPreview } from '@/lib/content/link-preview';
import { getPrerenderedTags, getTaggedPosts } from '@/lib/content/readers';
import { parseTag } from '@/lib/core/route-params';

export const revalidate = 604800;

export async function generateStaticParams() {
  return (await getPrerenderedTags()).map((tag) => ({ tag }));
}

type Props = { params: Promise<{ tag: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const name = parseTag((await params).tag);
  const list = name === null ? null : await getTaggedPosts(name, 1);
  if (name === null || !list) return notFoundMetadata;
  return listMetadata({ title: `#${name}`, ...tagPreview(name, list), path: `/tags/${name}` });
}

export default async function TagFirstPage({ params }: Props) {
  const name = parseTag((await params).tag);
  if (name === null) notFound();
  const list = await getTaggedPosts(name, 1);
  if (!list) notFound();
  return <TagPage name={name} list={list} />;
}
