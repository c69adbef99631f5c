import type { NextConfig } from 'next';
import { config } from './lib/config';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  distDir: config.FRESHPRESS_DIST_DIR,
  // Page 1 of a list is the list itself; one address per page keeps caches and search engines simple.
  async redirects() {
    return [
      { source: '/page/1', destination: '/', permanent: true },
      { source: '/tags/:tag/page/1', destination: '/tags/:tag', permanent: true },
    ];
  },
};

export default nextConfig;
