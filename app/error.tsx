'use client';

import Link from 'next/link';

/*
 * What a visitor sees when a page cannot be rendered, almost always because the database is
 * unreachable for a moment (the server then answers 503 with Retry-After). Never the error
 * itself: in production Next hands this component only a digest, and it shows none of it.
 */
export default function ErrorPage({ retry }: { error: unknown; retry: () => void }) {
  return (
    <section className="not-found" role="alert">
      <h1>This page is temporarily unavailable</h1>
      <p>We couldn’t load it just now. Please try again in a minute; nothing you did caused this.</p>
      <p>
        <button type="button" onClick={() => retry()}>
          Try again
        </button>{' '}
        or go <Link href="/">back to the latest posts</Link>.
      </p>
    </section>
  );
}
