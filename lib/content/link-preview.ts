import { createHash } from 'node:crypto';
import type { Metadata } from 'next';
import { config, siteUrl } from '@/lib/core/config';
import { blogPosting } from './json-ld';
import type { PostDetail } from './readers';

/*
 * What a link to a page shows where it is shared (Open Graph, read by most sites and chat apps,
 * and Twitter's cards), and the address search engines should file it under. Every public page
 * builds its metadata here, so each carries the whole set: Next merges metadata one key deep, and a
 * page that set `openGraph` or `alternates` without repeating the layout's would lose the rest.
 *
 * Addresses are absolute, from SITE_URL (the layout's metadataBase): they are written into cached
 * HTML, so they can never come from the request (its Host header, its query).
 */

/** The size of every card, the one Open Graph and Twitter's large card both show uncropped. */
export const CARD_SIZE = { width: 1200, height: 630 } as const;

/**
 * Changed whenever the card's drawing changes (app/posts/[slug]/opengraph-image.tsx): part of each
 * card's address, so sites that keep images by address fetch the new drawing.
 */
const CARD_DESIGN = 1;

const FEED_LINK = { 'application/rss+xml': [{ url: '/feed.xml', title: config.SITE_TITLE }] };

/** The site's own card (app/opengraph-image.tsx): the picture of every page that is not a post. */
const SITE_CARD = { url: '/opengraph-image', ...CARD_SIZE, type: 'image/png', alt: config.SITE_TITLE };

export const absoluteUrl = (path: string) => `${siteUrl}${path}`;

export type CardPost = Pick<PostDetail, 'slug' | 'title' | 'publishedAt' | 'tags'>;

/**
 * The address of a post's card. The query names what the card shows: sites that keep a card by its
 * address (Facebook, LinkedIn, Slack) see a new address after a retitle and fetch the new card.
 * The server ignores it; every variant is the one cached image.
 */
export function postCardPath(post: CardPost): string {
  const shown = JSON.stringify([CARD_DESIGN, config.SITE_TITLE, post.title, post.publishedAt, post.tags]);
  const version = createHash('sha256').update(shown).digest('base64url').slice(0, 12);
  return `/posts/${post.slug}/opengraph-image?v=${version}`;
}

type OpenGraph = NonNullable<Metadata['openGraph']>;
type Card = { url: string; width: number; height: number; type: string; alt: string };

/** og:* and twitter:* for a page: the same title, description and picture in both. */
function preview(title: string, description: string, card: Card, openGraph: OpenGraph): Metadata {
  return {
    openGraph: { siteName: config.SITE_TITLE, title, description, images: [card], ...openGraph },
    twitter: { card: 'summary_large_image', title, description, images: [card] },
  };
}

/** What every page falls back to (the root layout): the site's name and card, and no canonical address. */
export const siteMetadata: Metadata = {
  title: { default: config.SITE_TITLE, template: `%s — ${config.SITE_TITLE}` },
  description: config.SITE_DESCRIPTION,
  alternates: { types: FEED_LINK },
  ...preview(config.SITE_TITLE, config.SITE_DESCRIPTION, SITE_CARD, { type: 'website' }),
};

interface PageDescription {
  /** The document's title, after which the layout adds the site's name; the card's unless `cardTitle`. */
  title: string;
  cardTitle?: string;
  /** The title is the whole document title (the homepage's is the site's name). */
  absoluteTitle?: boolean;
  description: string;
  /** The page's own address, without a query: its canonical URL and og:url. */
  path: string;
}

/** A page that lists posts (the homepage and its pages, a tag's pages): a website, with the site's card. */
export function listMetadata({
  title,
  cardTitle = title,
  absoluteTitle,
  description,
  path,
}: PageDescription): Metadata {
  return {
    title: absoluteTitle ? { absolute: title } : title,
    description,
    alternates: { canonical: path, types: FEED_LINK },
    ...preview(cardTitle, description, SITE_CARD, { type: 'website', url: path }),
  };
}

/** A post's page: an article, dated and tagged, with its own card. */
export function postMetadata(post: PostDetail): Metadata {
  const path = `/posts/${post.slug}`;
  const card = { url: postCardPath(post), ...CARD_SIZE, type: 'image/png', alt: post.title };
  return {
    title: post.title,
    description: post.excerpt,
    alternates: { canonical: path, types: FEED_LINK },
    ...preview(post.title, post.excerpt, card, {
      type: 'article',
      url: path,
      publishedTime: post.publishedAt,
      modifiedTime: post.updatedAt,
      tags: post.tags,
    }),
  };
}

/** A tag's page: what its card says, with how many posts carry the tag. */
export function tagPreview(
  name: string,
  list: { total: number; page: number; pageCount: number },
): { cardTitle: string; description: string } {
  const count = list.total === 1 ? '1 post' : `${list.total} posts`;
  const which = list.pageCount > 1 ? ` (page ${list.page} of ${list.pageCount})` : '';
  return {
    cardTitle: `Posts tagged #${name}${list.page > 1 ? `, page ${list.page}` : ''}`,
    description: `${count} tagged #${name} on ${config.SITE_TITLE}${which}.`,
  };
}

/**
 * An address that names nothing: the site's name and card for whoever shares it, but no canonical
 * address or og:url, as there is no page to file it under (Next adds `robots: noindex` to a 404).
 */
export const notFoundMetadata: Metadata = {
  title: 'Page not found',
  description: config.SITE_DESCRIPTION,
  alternates: { types: FEED_LINK },
  ...preview(`Page not found — ${config.SITE_TITLE}`, config.SITE_DESCRIPTION, SITE_CARD, { type: 'website' }),
};

/** The post's BlogPosting (lib/content/json-ld.ts), with the same addresses as its metadata. */
export function postStructuredData(post: PostDetail): Record<string, unknown> {
  return blogPosting({
    url: absoluteUrl(`/posts/${post.slug}`),
    imageUrl: absoluteUrl(postCardPath(post)),
    siteUrl,
    siteName: config.SITE_TITLE,
    title: post.title,
    description: post.excerpt,
    publishedAt: post.publishedAt,
    updatedAt: post.updatedAt,
    tags: post.tags,
    author: post.author,
  });
}
