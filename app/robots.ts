import type { MetadataRoute } from 'next';
import { siteUrl } from '@/lib/core/config';

export default function robots(): MetadataRoute.Robots {
  return {
    rules: [{ userAgent: '*', allow: '/', disallow: ['/api/', '/stats', '/search'] }],
    sitemap: `${siteUrl}/sitemap.xml`,
  };
}
