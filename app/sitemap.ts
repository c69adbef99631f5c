import type { MetadataRoute } from 'next';
import { siteUrl } from '@/lib/core/config';
import { getSitemap } from '@/lib/content/readers';

export const revalidate = 604800;

export default async function sitemap(): Promise<MetadataRoute.Sitemap> {
  const { posts, tags } = await getSitemap();
  return [
    { url: `${siteUrl}/`, lastModified: posts[0]?.publishedAt, changeFrequency: 'daily', priority: 1 },
    ...posts.map((post) => ({ url: `${siteUrl}/posts/${post.slug}`, lastModified: post.publishedAt, priority: 0.8 })),
    ...tags.map((name) => ({ url: `${siteUrl}/tags/${encodeURIComponent(name)}`, priority: 0.4 })),
  ];
}
