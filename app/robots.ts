import type { MetadataRoute } from 'next';
import { siteUrl } from '@/lib/core/config';

// Reply pages (one per comment) and search results are rendered per request, for readers; a crawler
// would only load the server.
export default function robots(): MetadataRoute.Robots {
  return {
    rules: [{ userAgent: '*', allow: '/', disallow: ['/api/', '/stats', '/search', '/posts/*/reply/'] }],
    sitemap: `${siteUrl}/sitemap.xml`,
  };
}
