import { pastLifetime, setEdgeKeys, tagsToStore, worthKeeping } from './entries';
import {
  entryTags,
  PAGE_KINDS,
  type CacheHandlerValue,
  type GetContext,
  type IncrementalCacheValue,
  type NextCacheHandler,
  type SetContext,
  type TagManifestEntry,
} from './next-internals';
import type { RebuildObserver } from './rebuilds';
import type { RenderStarts } from './render-starts';
import type { PageCacheRuntime } from './runtime';
import { noteServedEntry } from './served-entry';
import { readIndex } from './warming';

/*
 * Local mode: one process on Next's own file cache, whose in-process tag manifest the server
 * refills from the outbox at start (./setup.ts), so a restart forgets no invalidation. Also what
 * runs without the production server (`next build`, `next dev`), with no manifest to consult.
 */

export interface LocalModeOptions {
  starts: RenderStarts;
  observer: RebuildObserver;
}

export class LocalMode {
  private readonly reads = readIndex();

  constructor(private readonly options: LocalModeOptions) {}

  async get(
    files: NextCacheHandler,
    key: string,
    ctx: GetContext,
    buildPages?: PageCacheRuntime['buildPages'],
  ): Promise<CacheHandlerValue | null> {
    const { starts, observer } = this.options;
    let data = await files.get(key, ctx);
    // A build made for another site (./build-site.ts): only the pages this process wrote are this site's.
    if (buildPages && !buildPages.usable && PAGE_KINDS.has(ctx.kind) && (data?.lastModified ?? 0) < buildPages.ownSince)
      data = null;
    if (!data?.value || pastLifetime(data, Date.now())) starts.note(key, Date.now());
    if (!PAGE_KINDS.has(ctx.kind)) return data;
    // Next's file cache returns nothing whose tags were invalidated since it was written.
    setEdgeKeys(data?.value, entryTags(data?.value));
    if (data?.value) {
      observer.served(key, data.value, data.lastModified, data.cacheControl?.revalidate);
      const revalidate = data.cacheControl?.revalidate;
      noteServedEntry({
        tags: entryTags(data.value),
        lastModified: data.lastModified,
        revalidate: typeof revalidate === 'number' ? revalidate : null,
        generation: null,
        epoch: null,
      });
      this.reads.noteEntry(key, data.value, entryTags(data.value));
    } else observer.missed(key);
    return data;
  }

  async set(
    files: NextCacheHandler,
    manifest: Map<string, TagManifestEntry> | null,
    key: string,
    data: IncrementalCacheValue | null,
    ctx: SetContext,
  ): Promise<void> {
    setEdgeKeys(data, null);
    const startedAt = this.options.starts.take(key);
    if (data && !worthKeeping(data)) {
      this.options.observer.discarded(key);
      return;
    }
    if (data && startedAt !== null && manifest) {
      // An invalidation since this render began: its result may hold the old content.
      if (tagsToStore(data, ctx).some((tag) => (manifest.get(tag)?.expired ?? 0) >= startedAt)) return;
    }
    await files.set(key, data, ctx);
    setEdgeKeys(data, entryTags(data));
    if (data && PAGE_KINDS.has(data.kind)) {
      this.options.observer.wrote(key, data, 'cacheControl' in ctx ? ctx.cacheControl?.revalidate : undefined);
      this.reads.noteEntry(key, data, entryTags(data));
    }
  }
}
