import type { MetadataRoute } from 'next';
import { siteUrl } from '@/lib/core/config';

// Reply pages (one per comment, rendered per request) are for readers who follow a Reply link without
// JavaScript; a crawler would only load the server.
export default function robots(): MetadataRoute.Robots {
  return {
    rules: [{ userAgent: '*', allow: '/', disallow: ['/api/', '/stats', '/posts/*/reply/'] }],
    sitemap: `${siteUrl}/sitemap.xml`,
  };
}
