import type { Metadata } from 'next';
import Link from 'next/link';
import { notFoundMetadata } from '@/lib/content/link-preview';

export const metadata: Metadata = notFoundMetadata;

export default function NotFound() {
  return (
    <section className="not-found">
      <h1>Nothing here</h1>
      <p>This page does not exist, or the post was moved or unpublished.</p>
      <p>
        <Link href="/">Back to the latest posts</Link> or follow the <Link href="/feed.xml">RSS feed</Link>.
      </p>
    </section>
  );
}
