import { existsSync } from 'node:fs';
import type { NextConfig } from 'next';
import { config } from './lib/core/config';
import { actionBodyLimitBytes } from './lib/media/limits';
import { runtimeFiles } from './server/runtime-files';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The server compresses, after its security headers have read the page (server/serve.ts).
  compress: false,
  distDir: config.FRESHPRESS_DIST_DIR,
  // <distDir>/standalone: a folder that runs on any Node host without the source tree
  // (completed by server/build.ts; README, "Deploying").
  output: 'standalone',
  typescript: { ignoreBuildErrors: config.FRESHPRESS_BUILD_TYPECHECK === 'off' },
  // The page cache: shared in Redis or Next's own, durable either way (lib/page-cache/handler.ts). `npm run build`
  // bundles it first; `next dev` without a build runs with Next's own cache.
  cacheHandler: existsSync(runtimeFiles.cacheHandler) ? runtimeFiles.cacheHandler : undefined,
  experimental: {
    // The browser's router cache keeps a prefetched page this long and shows it on a client-side
    // navigation without asking the server: 5 minutes by default, 30 s is Next's minimum. Measured
    // in tests/e2e/http-cache.spec.ts.
    staleTimes: { static: 30 },
    // An editor's server action may carry an image (lib/media/limits.ts); the server sets the same
    // limit again from its own settings at start (lib/page-cache/next-internals.ts).
    serverActions: { bodySizeLimit: actionBodyLimitBytes },
    // forbidden() answers an admin page a role may not see with a 403 (lib/admin/auth.ts).
    authInterrupts: true,
  },
  // Page 1 of a list is the list itself; one address per page keeps caches and search engines simple.
  async redirects() {
    return [
      { source: '/page/1', destination: '/', permanent: true },
      { source: '/tags/:tag/page/1', destination: '/tags/:tag', permanent: true },
    ];
  },
};

export default nextConfig;
