import nodeFsMethods from 'next/dist/server/lib/node-fs-methods.js';

/** The file system Next hands its file cache, for tests that build one outside a Next server. */
export const nextFs = ((nodeFsMethods as unknown as { default?: typeof nodeFsMethods }).default ?? nodeFsMethods)
  .nodeFs;
