import 'server-only';
import { getDb } from '@/db/client';
import { getPostState, type PostState } from '@/db/reads';
import { tagsInUseElsewhere } from '@/db/tags-in-use';
import { postStateAfter } from '@/db/writes';
import { currentCachedPages, planOnPages, type PageListing, type PagePlan, type PlanWords } from '@/lib/admin/dry-run';
import { effectiveTags, tagsForPostChange } from '@/lib/core/cache-tags';
import { plannedPostChange, tagsChangingUse, type PostChange } from './writers';

/*
 * The editor's "Preview the effect": the tags a save would invalidate, by the writer's own rule
 * (`plannedPostChange`, then the invalidation strategy), and the cached pages carrying them now.
 */

const postWords: PlanWords = {
  verb: 'Saving',
  subject: 'this post',
  why: () => 'they show this post',
  staying: 'of the post lists',
};

/**
 * The dry run of saving `change` over the stored `before`: edit, publish, unpublish, retag or re-date.
 * `inUseElsewhere` as the writer reads it (`tagsInUseElsewhere`).
 */
export function planPostSave(
  before: PostState,
  change: PostChange,
  pages: PageListing,
  now = new Date(),
  inUseElsewhere: ReadonlySet<string> = new Set(),
): PagePlan {
  const planned = plannedPostChange(before, change, now, inUseElsewhere);
  // Every page this post could be on, whatever the change: those not reached stay cached.
  const related = tagsForPostChange({
    id: before.id,
    slugs: [before.slug, ...(change.slug ? [change.slug] : [])],
    listChanged: true,
    tagNames: [...before.tags, ...(change.tags ?? [])],
    tagsInUseChanged: true,
  });
  return planOnPages(planned ? effectiveTags(planned.tags) : [], related, pages, postWords);
}

/** The dry run of the editor's save, against the stored post and the pages cached now; null when the post is gone. */
export async function dryRunPostSave(id: number, change: PostChange): Promise<PagePlan | null> {
  const [before, pages] = await Promise.all([getPostState(id), currentCachedPages()]);
  if (!before) return null;
  const now = new Date();
  const moved = tagsChangingUse(before, postStateAfter(before, change, now), now);
  return planPostSave(before, change, pages, now, await tagsInUseElsewhere(getDb(), [id], moved, false));
}
