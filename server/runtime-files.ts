import path from 'node:path';

/** Files `npm run build` bundles for Node to load as they are (see server/build.ts). */
const dir = path.join(process.cwd(), '.freshpress');

export const runtimeFiles = {
  dir,
  server: path.join(dir, 'server.mjs'),
  cacheHandler: path.join(dir, 'cache-handler.mjs'),
  migrate: path.join(dir, 'migrate.mjs'),
};
