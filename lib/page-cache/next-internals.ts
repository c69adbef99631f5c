import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import routerHeaders from 'next/dist/client/components/app-router-headers.js';
import nextConstants from 'next/dist/lib/constants.js';
import type { CacheHandler, CacheHandlerContext, CacheHandlerValue } from 'next/dist/server/lib/incremental-cache';
import freshModule from 'next/dist/compiled/fresh/index.js';
import FileSystemCacheModule from 'next/dist/server/lib/incremental-cache/file-system-cache.js';
import tagsManifestModule, {
  type TagManifestEntry,
} from 'next/dist/server/lib/incremental-cache/tags-manifest.external.js';
import type { IncrementalCacheValue } from 'next/dist/server/response-cache';

/*
 * Every part of Next that Freshpress reaches past its documented API, in one module: the cache
 * handler's types, the file cache it reads prerendered pages through, the in-process tag manifest,
 * the header names Next reads and writes, the shape of its cache keys and entries, and the variable
 * that hands a recorded configuration to Next's server. Each was read from the source of the
 * version below; tests/unit/next-internals.test.ts fails when the installed Next is another one, so
 * an upgrade starts here: read each fact again in the new source, then move the version.
 *
 * Facts relied on, besides the names below (next/dist/server/lib/incremental-cache/index.js,
 * file-system-cache.js, response-cache/, route-cache-key.js, base-server.js):
 * - a cacheHandler gets get(key, ctx{kind, tags, softTags}), set(key, data, ctx{tags,
 *   cacheControl}), revalidateTag(tags, durations), resetRequestCache(); `get` errors are not caught
 *   by Next (every failure must become a miss), `set` errors are;
 * - Next constructs the handler class per request: state lives outside the instance;
 * - a page entry's tags are its `x-next-cache-tags` header; FETCH (unstable_cache) tags come in
 *   the context;
 * - CacheHandlerValue is { lastModified, value, cacheControl }: without cacheControl a path outside
 *   the prerender manifest gets a 1-second revalidate;
 * - page keys are `/route-cache/<KIND>/<hash of the route>/$<path>` (documented as opaque);
 * - IncrementalCache also checks entries against the tag manifest, which `updateTag` /
 *   `revalidateTag` stamp at the end of the request with this host's clock;
 * - the file cache keeps an app page or route as `<distDir>/server/app/<path>.html|.body` beside a
 *   `.meta` JSON holding its status and headers;
 * - a request whose x-prerender-revalidate header holds the build's preview id (its
 *   prerender-manifest.json) is an on-demand revalidation: the response cache batches its lookup
 *   apart from other requests' (getBatcher keys on the flag) and renders whatever it finds,
 *   unstable_cache reads no stored data in it, and it answers x-nextjs-cache: REVALIDATED.
 */

/** The Next version these facts were read from. */
export const NEXT_VERSION_CHECKED = '16.4.6';

export type { CacheHandlerContext, CacheHandlerValue, IncrementalCacheValue, TagManifestEntry };
export type NextCacheHandler = InstanceType<typeof CacheHandler>;
export type GetContext = Parameters<NextCacheHandler['get']>[1];
export type SetContext = Parameters<NextCacheHandler['set']>[2];

// These modules are CommonJS whose exports Node's ES module loader cannot name: loaded from an ES
// module, their exports sit on `default`, once or (through a bundler's interop) twice.
const commonJs = <T>(module: unknown): T => ((module as { default?: T }).default ?? module) as T;

/** Next's own file cache: local mode's store, and the reader of the build's prerendered pages. */
export const FileSystemCache = commonJs<new (ctx: CacheHandlerContext) => NextCacheHandler>(FileSystemCacheModule);

/**
 * The Map Next checks cache entries against, in this process: the same instance Next's own code
 * uses, since the module is one Next shares across its bundles (`.external`).
 */
export const tagsManifest: Map<string, TagManifestEntry> = commonJs<{ tagsManifest: Map<string, TagManifestEntry> }>(
  tagsManifestModule,
).tagsManifest;

const manifestChecks = commonJs<{
  areTagsExpired: (tags: readonly string[], timestamp: number) => boolean;
  areTagsStale: (tags: readonly string[], timestamp: number) => boolean;
}>(tagsManifestModule);

/**
 * Whether Next's own IncrementalCache would refuse an entry made at `lastModified` with these tags,
 * judging by the in-process tag manifest (its areTagsExpired / areTagsStale).
 */
export function manifestRefuses(tags: readonly string[], lastModified: number): boolean {
  return manifestChecks.areTagsExpired(tags, lastModified) || manifestChecks.areTagsStale(tags, lastModified);
}

const previewIds = new Map<string, string>();

/**
 * The header that makes a request to this build an on-demand revalidation (see above): a render
 * that no reader's request for the same page is joined to. The build's preview id is a secret:
 * only this server's requests to itself may carry it.
 */
export function onDemandRevalidateHeader(distDir: string): Record<string, string> {
  let id = previewIds.get(distDir);
  if (id === undefined) {
    const manifest = JSON.parse(readFileSync(path.join(distDir, 'prerender-manifest.json'), 'utf8')) as {
      preview?: { previewModeId?: unknown };
    };
    if (typeof manifest.preview?.previewModeId !== 'string')
      throw new Error(`${distDir}/prerender-manifest.json holds no preview id`);
    id = manifest.preview.previewModeId;
    previewIds.set(distDir, id);
  }
  return { [constants.PRERENDER_REVALIDATE_HEADER]: id };
}

/** Whether a request's conditional headers make Next answer 304 for this ETag (its send-payload.js). */
export const requestIsFresh = commonJs<typeof freshModule>(freshModule);

const constants = commonJs<typeof nextConstants>(nextConstants);
const router = commonJs<typeof routerHeaders>(routerHeaders);

/** Header names, as Next spells them. */
export const NEXT_HEADERS = {
  /** A cached entry's tags (never sent to clients outside Next's hosting "minimal mode"). */
  cacheTags: constants.NEXT_CACHE_TAGS_HEADER,
  /** HIT, STALE or MISS on an ISR answer (set by base-server.js; no constant exported). */
  cacheState: 'x-nextjs-cache',
  /** A server action's id on the JavaScript client's POST. */
  action: router.ACTION_HEADER,
  rsc: router.RSC_HEADER,
  prefetch: router.NEXT_ROUTER_PREFETCH_HEADER,
  segmentPrefetch: router.NEXT_ROUTER_SEGMENT_PREFETCH_HEADER,
  routerStateTree: router.NEXT_ROUTER_STATE_TREE_HEADER,
  nextUrl: router.NEXT_URL,
  staleTime: router.NEXT_ROUTER_STALE_TIME_HEADER,
} as const;

/** The query parameter Next's router adds to RSC requests. */
export const RSC_QUERY = router.NEXT_RSC_UNION_QUERY;

/** Next's implicit per-path tags (`_N_T_/posts/a`): where a page lives, not what it depends on. */
export const isImplicitTag = (tag: string): boolean => tag.startsWith(constants.NEXT_CACHE_IMPLICIT_TAG_ID);

export const PAGE_KINDS: ReadonlySet<string> = new Set(['APP_PAGE', 'APP_ROUTE']);

type PageValue = Extract<IncrementalCacheValue, { kind: 'APP_PAGE' } | { kind: 'APP_ROUTE' }>;

export function isPageValue(value: IncrementalCacheValue | null | undefined): value is PageValue {
  return value?.kind === 'APP_PAGE' || value?.kind === 'APP_ROUTE';
}

/** Every tag a page entry carries, implicit path tags included. */
export function entryTags(value: IncrementalCacheValue | null | undefined): string[] {
  const header = isPageValue(value) ? value.headers?.[NEXT_HEADERS.cacheTags] : undefined;
  return typeof header === 'string' ? header.split(',').filter((tag) => tag !== '') : [];
}

export function entryStatus(value: IncrementalCacheValue | null | undefined): number | undefined {
  return isPageValue(value) ? value.status : undefined;
}

/** The HTML of a page, or the body of a route, as text. */
export function entryBody(value: IncrementalCacheValue | null | undefined): string | null {
  if (value?.kind === 'APP_PAGE') return typeof value.html === 'string' ? value.html : String(value.html);
  if (value?.kind === 'APP_ROUTE')
    return Buffer.isBuffer(value.body) ? value.body.toString('utf8') : String(value.body);
  return null;
}

/** The request path a page key stands for: what follows `/$` (the whole key when there is none). */
export function pathOfCacheKey(key: string): string {
  const index = key.indexOf('/$/');
  return index === -1 ? key : key.slice(index + 2);
}

/** Where the file cache keeps app pages and routes, and the suffix of each entry's metadata file. */
export const fileCache = {
  appDir: (distDir: string) => path.join(distDir, 'server', 'app'),
  metaSuffix: constants.NEXT_META_SUFFIX,
};

/**
 * Runs Next on the configuration the build recorded, as Next's own standalone server.js does:
 * in the standalone folder there is no next.config.ts (nor the TypeScript to load it), and in the
 * source tree the recorded one is the one the pages were built with. The build directory is the
 * server's own, which may be a copy of the one the build wrote. The server actions' body limit is
 * the one setting taken from the running server instead: it follows MEDIA_MAX_MB, which the
 * server's own refusal in front of Next reads at start (server/guards.ts), and the two must agree.
 */
export function adoptRecordedNextConfig(dir: string, distDirName: string, actionBodyLimitBytes: number): void {
  const recorded = path.join(dir, distDirName, 'required-server-files.json');
  if (!existsSync(recorded)) return;
  const nextConfig = (
    JSON.parse(readFileSync(recorded, 'utf8')) as {
      config: { experimental?: { serverActions?: Record<string, unknown> } & Record<string, unknown> };
    }
  ).config;
  const experimental = nextConfig.experimental ?? {};
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify({
    ...nextConfig,
    distDir: distDirName,
    experimental: {
      ...experimental,
      serverActions: { ...experimental.serverActions, bodySizeLimit: actionBodyLimitBytes },
    },
  });
}
