import { edgeKeyOf } from '@/lib/core/cache-tags';
import { EDGE_KEYS_HEADER } from '@/lib/edge/headers';
import {
  entryTags,
  isImplicitTag,
  isPageValue,
  type CacheHandlerValue,
  type GetContext,
  type IncrementalCacheValue,
  type SetContext,
} from './next-internals';

/* Rules about cache entries that both modes share: what is kept, for how long, checked against what. */

/** Redis keeps an entry no longer than this, whatever its lifetime: old builds' entries go with it. */
export const MAX_TTL_SECONDS = 14 * 86_400;

/** The tags an entry is checked against: a page's own, or a data entry's plus the reading page's. */
export function tagsFor(ctx: GetContext, stored: readonly string[]): readonly string[] {
  if (ctx.kind !== 'FETCH') return stored;
  return [...new Set([...stored, ...(ctx.tags ?? []), ...(ctx.softTags ?? [])])];
}

/** The tags of a value being stored: a data entry's come in the context, a page's in its headers. */
export function tagsToStore(data: IncrementalCacheValue, ctx: SetContext): string[] {
  return data.kind === 'FETCH' ? [...new Set(('tags' in ctx ? ctx.tags : undefined) ?? [])] : entryTags(data);
}

/** Tags invalidated at or after `lastModified`. */
export function invalidatedTags(tags: readonly string[], times: readonly number[], lastModified: number): string[] {
  return tags.filter((_, i) => (times[i] ?? 0) >= lastModified);
}

export function revalidateOf(data: CacheHandlerValue): number | false | undefined {
  if (data.cacheControl) return data.cacheControl.revalidate;
  return data.value?.kind === 'FETCH' ? data.value.revalidate : undefined;
}

/** Past its lifetime at `now`: Next serves it and renders again in the background. */
export function pastLifetime(data: CacheHandlerValue, now: number): boolean {
  const revalidate = revalidateOf(data);
  return typeof revalidate === 'number' && data.lastModified + revalidate * 1000 < now;
}

/**
 * What a made-up address produces is not kept: an error page (a 404 for /posts/<anything>), or a
 * lookup that found nothing (null). Scans would otherwise fill Redis or the disk one address at a
 * time; not keeping them, a 404 costs one indexed query and a render, and no space.
 */
export function worthKeeping(data: IncrementalCacheValue): boolean {
  if (data.kind === 'FETCH') return data.data.body !== 'null';
  if ('status' in data && typeof data.status === 'number') return data.status < 400;
  return true;
}

export function ttlSeconds(data: IncrementalCacheValue, ctx: SetContext): number {
  const cacheControl = 'cacheControl' in ctx ? ctx.cacheControl : undefined;
  const lifetime =
    cacheControl?.expire ?? (typeof cacheControl?.revalidate === 'number' ? cacheControl.revalidate : undefined);
  const fetchLifetime =
    data.kind === 'FETCH' && typeof data.revalidate === 'number' && data.revalidate > 0 ? data.revalidate : undefined;
  return Math.min(lifetime ?? fetchLifetime ?? MAX_TTL_SECONDS, MAX_TTL_SECONDS);
}

/**
 * Called on every page value handed to Next: the page's tags when the value is known to be
 * current, null otherwise (the keys are then removed, so nothing stale is ever tagged for the
 * edge). Next copies a value's headers onto the response; the server turns these into the edge
 * tier's own headers (lib/edge/headers.ts). Next's implicit per-path tags say where a page lives,
 * and nothing purges by them.
 */
export function setEdgeKeys(value: IncrementalCacheValue | null | undefined, tags: readonly string[] | null): void {
  if (!isPageValue(value)) return;
  const keys = tags?.filter((tag) => !isImplicitTag(tag)).map(edgeKeyOf) ?? [];
  if (keys.length === 0) {
    if (value.headers) delete value.headers[EDGE_KEYS_HEADER];
    return;
  }
  // In place: the response being built may already hold this object.
  value.headers ??= {};
  value.headers[EDGE_KEYS_HEADER] = keys.join(' ');
}
