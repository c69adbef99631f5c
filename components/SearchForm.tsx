import { Fragment } from 'react';
import { highlightSegments } from '@/lib/search/highlight';
import { MAX_QUERY_LENGTH } from '@/lib/search/input';

/*
 * Plain GET forms to /search: they work without JavaScript, and the header's reads nothing of the
 * request, so the cached pages it sits on stay static.
 */

/** The header's search box, on every page: always empty, so every page stays one cached copy. */
export function HeaderSearch() {
  return (
    <form role="search" aria-label="Site search" action="/search" method="get" className="site-search">
      <label htmlFor="site-search-q" className="visually-hidden">
        Search this blog
      </label>
      <input id="site-search-q" type="search" name="q" placeholder="Search" maxLength={MAX_QUERY_LENGTH} />
      <button type="submit">Search</button>
    </form>
  );
}

/** The search page's own form, holding the query it shows results for. */
export function SearchForm({ query }: { query: string }) {
  return (
    <form
      role="search"
      aria-labelledby="search-q-label"
      action="/search"
      method="get"
      className="search-form"
      key={query}
    >
      <label htmlFor="search-q" id="search-q-label">
        Search titles, tags and posts
      </label>
      <div className="search-row">
        <input
          id="search-q"
          type="search"
          name="q"
          defaultValue={query}
          maxLength={MAX_QUERY_LENGTH}
          aria-describedby="search-syntax"
        />
        <button type="submit">Search</button>
      </div>
      <p id="search-syntax" className="hint">
        All the words must appear. Put a phrase in &quot;quotes&quot;, write <kbd>or</kbd> between alternatives, and{' '}
        <kbd>-word</kbd> to leave out posts with that word. At most {MAX_QUERY_LENGTH} characters.
      </p>
    </form>
  );
}

/** Text from ts_headline with its matches in <mark>; everything, marked or not, rendered as text. */
export function Highlighted({ text }: { text: string }) {
  return (
    <>
      {highlightSegments(text).map((segment, i) =>
        segment.marked ? <mark key={i}>{segment.text}</mark> : <Fragment key={i}>{segment.text}</Fragment>,
      )}
    </>
  );
}
