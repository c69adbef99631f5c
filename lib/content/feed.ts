import type { FeedItem } from './readers';

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

/** RSS 2.0 with an atom:link to itself, as feed validators expect. */
export function renderRss(
  channel: { title: string; description: string; siteUrl: string },
  posts: readonly FeedItem[],
  generatedAt: Date = new Date(),
): string {
  const items = posts.map((post) => {
    const link = `${channel.siteUrl}/posts/${post.slug}`;
    return `    <item>
      <title>${escapeXml(post.title)}</title>
      <link>${escapeXml(link)}</link>
      <guid isPermaLink="true">${escapeXml(link)}</guid>
      <pubDate>${new Date(post.publishedAt).toUTCString()}</pubDate>
${post.author ? `      <dc:creator>${escapeXml(post.author)}</dc:creator>\n` : ''}${post.tags.map((name) => `      <category>${escapeXml(name)}</category>`).join('\n')}
      <description>${escapeXml(post.excerpt)}</description>
    </item>`;
  });
  const newest = posts[0]?.publishedAt;
  // The same render marker as the HTML pages carry, as a comment feed readers ignore.
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- x-generated-at: ${generatedAt.toISOString()} -->
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>${escapeXml(channel.title)}</title>
    <link>${escapeXml(channel.siteUrl)}/</link>
    <description>${escapeXml(channel.description)}</description>
    <language>en</language>
    <atom:link href="${escapeXml(channel.siteUrl)}/feed.xml" rel="self" type="application/rss+xml" />
${newest ? `    <lastBuildDate>${new Date(newest).toUTCString()}</lastBuildDate>\n` : ''}${items.join('\n')}
  </channel>
</rss>
`;
}
