import 'server-only';
import { revalidateTag, updateTag } from 'next/cache';
import { tags } from './cache-tags';
import { config } from './config';
import { getRecorder } from './stats/runtime';

/** What happened, in words the statistics can show next to the tags it invalidated. */
export interface InvalidationEvent {
  kind: 'comment-published' | 'comment-removed' | 'post-created' | 'post-edited' | 'post-published' | 'post-unpublished' | 'post-redated' | 'post-retagged';
  description: string;
  postId?: number;
  commentId?: number;
}

/**
 * Where the write happened decides the API: in a server action `updateTag` expires the entries and
 * lets the action's own response read the new data (the poster sees their comment); elsewhere
 * (route handlers) only `revalidateTag` is allowed, with `expire: 0` so no reader is served stale.
 */
export type WriteContext = 'server-action' | 'route-handler';

/** Call after the transaction commits: invalidating earlier lets a reader re-cache the old rows. */
export function invalidate(tagList: readonly string[], event: InvalidationEvent, context: WriteContext): string[] {
  const effective = config.INVALIDATION_STRATEGY === 'global' ? [tags.everything] : [...new Set(tagList)];
  // Before the tags expire, so the rebuilds they cause can be explained by this event.
  getRecorder().recordInvalidation(effective, event);
  for (const tag of effective) {
    if (context === 'server-action') updateTag(tag);
    else revalidateTag(tag, { expire: 0 });
  }
  return effective;
}
