import type { Metadata } from 'next';
import Link from 'next/link';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { FormattedDate } from '@/components/FormattedDate';
import { Pagination } from '@/components/Pagination';
import { Highlighted, SearchForm } from '@/components/SearchForm';
import { TagLinks } from '@/components/TagLinks';
import { searchPosts, type SearchOutcome } from '@/db/search';
import { CLIENT_HEADER } from '@/lib/core/client-address';
import { config } from '@/lib/core/config';
import { admitSearch, describeWait } from '@/lib/core/flood-control';
import {
  MAX_QUERY_LENGTH,
  parseSearchRequest,
  RESULTS_PER_PAGE,
  searchHref,
  type SearchRequest,
} from '@/lib/search/input';

/*
 * /search?q=…&page=…: rendered for every request and never cached — not in the page cache, the
 * fast path or at the edge (Next sends it `private, no-store`). Every page around it stays static:
 * the header's form is plain HTML that reads nothing of the request. Each search that runs is
 * counted against the client's SEARCH_RATE_LIMIT and bounded by SEARCH_TIMEOUT_MS; what cannot be
 * searched is answered in words, never with a 5xx.
 */
export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;
type Props = { searchParams: Promise<SearchParams> };

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const request = parseSearchRequest(await searchParams);
  return {
    title: request.kind === 'search' ? `Search: ${request.query}` : 'Search',
    // Results are not content of their own; the posts they link to are.
    robots: { index: false },
  };
}

const count = new Intl.NumberFormat('en-GB');

export default async function SearchPage({ searchParams }: Props) {
  const request = parseSearchRequest(await searchParams);
  if (request.kind === 'bad-page') notFound();
  return (
    <>
      <h1 className="list-heading">Search</h1>
      <SearchForm query={request.kind === 'empty' ? '' : request.query} />
      <SearchAnswer request={request} />
    </>
  );
}

async function SearchAnswer({ request }: { request: Exclude<SearchRequest, { kind: 'bad-page' }> }) {
  if (request.kind === 'empty') return null;
  if (request.kind === 'too-long') {
    return (
      <p className="search-message" role="alert">
        That search is {count.format(request.length)} characters long; a search can have at most {MAX_QUERY_LENGTH}.
        Shorten it and search again.
      </p>
    );
  }
  const admission = await admitSearch((await headers()).get(CLIENT_HEADER) ?? 'unknown');
  if (!admission.admitted) {
    return (
      <p className="search-message" role="alert">
        You have searched many times in a short while. Please wait {describeWait(admission.retryAfterSeconds)} and
        search again.
      </p>
    );
  }
  const outcome = await searchPosts(request.query, request.page, { timeoutMs: config.SEARCH_TIMEOUT_MS });
  return <Results query={request.query} page={request.page} outcome={outcome} />;
}

function Results({ query, page, outcome }: { query: string; page: number; outcome: SearchOutcome }) {
  if (outcome.kind === 'timed-out') {
    return (
      <p className="search-message" role="alert">
        That search took too long and was stopped. Try fewer words, or words that are less common.
      </p>
    );
  }
  if (outcome.kind === 'no-terms') {
    return (
      <p className="search-message" role="status">
        There is nothing to search for in “{query}”: very common words (such as “the” or “and”) and punctuation are left
        out of searches.
      </p>
    );
  }
  if (outcome.total === 0) {
    return (
      <p className="search-message" role="status">
        No posts match “{query}”.
      </p>
    );
  }
  const matches = `${count.format(outcome.total)} ${outcome.total === 1 ? 'post matches' : 'posts match'}`;
  if (outcome.hits.length === 0) {
    return (
      <p className="search-message" role="status">
        There is no page {count.format(page)} of results: {matches} “{query}”, on {count.format(outcome.pageCount)}{' '}
        {outcome.pageCount === 1 ? 'page' : 'pages'}. <Link href={searchHref(query)}>See the first page</Link>.
      </p>
    );
  }
  return (
    <>
      <p className="list-count" role="status" data-testid="search-count">
        {matches} “{query}”
      </p>
      <ol className="post-list search-results" start={(page - 1) * RESULTS_PER_PAGE + 1}>
        {outcome.hits.map((hit) => (
          <li key={hit.id}>
            <article className="post-summary" aria-labelledby={`result-${hit.id}-title`}>
              <h2 id={`result-${hit.id}-title`}>
                <Link href={`/posts/${hit.slug}`}>
                  <Highlighted text={hit.title} />
                </Link>
              </h2>
              <p className="meta">
                <FormattedDate iso={hit.publishedAt} />
              </p>
              <p className="excerpt">
                <Highlighted text={hit.excerpt} />
              </p>
              <TagLinks names={hit.tags} marked={hit.matchedTags} />
            </article>
          </li>
        ))}
      </ol>
      <Pagination
        page={page}
        pageCount={outcome.pageCount}
        hrefOf={(n) => searchHref(query, n)}
        labels={{ previous: '← Better matches', next: 'More results →' }}
      />
    </>
  );
}
