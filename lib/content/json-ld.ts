/*
 * Structured data for search engines: a post's schema.org BlogPosting, as the text of a
 * <script type="application/ld+json"> element. The browser runs no script of that type (and the
 * server's script policy lists none, server/security-headers.ts), but the HTML parser still ends the
 * element at the first "</script" in it, and treats "<!--" inside it specially: a title such as
 * "</script><script>alert(1)</script>" must not be able to close the element and open another. So
 * every "<", ">" and "&" becomes a \u escape, which JSON reads back as the same character, and so
 * do U+2028 and U+2029, which end a line in older JavaScript parsers that may read the block.
 * JSON.stringify already escapes quotes, backslashes, control characters and lone surrogates.
 */

const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/g;

/** JSON of `value` that can stand as the whole text of a script element: no "<", ">", "&", U+2028 or U+2029. */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('JSON-LD must be a JSON value');
  return json.replace(UNSAFE_IN_SCRIPT, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface BlogPostingInput {
  /** Absolute addresses. */
  url: string;
  imageUrl: string;
  siteUrl: string;
  siteName: string;
  title: string;
  description: string;
  publishedAt: string;
  updatedAt: string;
  tags: readonly string[];
  /** The author's name; null: the site itself wrote it (a post from before accounts, or the API). */
  author: string | null;
}

/** A post as schema.org's BlogPosting. */
export function blogPosting(post: BlogPostingInput): Record<string, unknown> {
  const site = { '@type': 'Organization', name: post.siteName, url: `${post.siteUrl}/` };
  return {
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: post.title,
    description: post.description,
    url: post.url,
    mainEntityOfPage: { '@type': 'WebPage', '@id': post.url },
    image: [post.imageUrl],
    datePublished: post.publishedAt,
    dateModified: post.updatedAt,
    keywords: [...post.tags],
    inLanguage: 'en',
    author: post.author ? { '@type': 'Person', name: post.author } : site,
    publisher: site,
  };
}
