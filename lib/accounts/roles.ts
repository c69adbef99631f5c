import type { UserRole } from '@/db/schema';

/*
 * What each role may do, as pure functions of who asks and what they touch: every admin page and
 * action asks here, and the unit tests read like the table in the README.
 *
 *   owner   everything, and the only one who invites, removes and re-roles people
 *   editor  every post and comment, but not people
 *   author  their own posts; publishing needs an editor when the owner asks for review
 *
 * The shared ADMIN_PASSWORD and the API's ADMIN_TOKEN act as the owner, as they did before accounts.
 */

export interface Actor {
  role: UserRole;
  /** The account, or null for the shared password and the API token. */
  accountId: number | null;
}

export interface PostOwnership {
  authorId: number | null;
  status: 'draft' | 'published';
}

export const mayManagePeople = (actor: Actor) => actor.role === 'owner';
export const mayModerate = (actor: Actor) => actor.role !== 'author';
export const maySeeEveryPost = (actor: Actor) => actor.role !== 'author';

/** Why `actor` may not open or save `post` as it stands, or null. */
export function postRefusal(actor: Actor, post: PostOwnership, reviewRequired: boolean): string | null {
  if (actor.role !== 'author') return null;
  if (post.authorId === null || post.authorId !== actor.accountId)
    return 'This post is not yours: authors edit their own posts only.';
  if (reviewRequired && post.status === 'published')
    return 'This post is published, and the owner asks for review: an editor changes published posts.';
  return null;
}

/** Why `actor` may not save a post with `status`, or null. */
export function publishRefusal(actor: Actor, status: 'draft' | 'published' | undefined, reviewRequired: boolean) {
  if (actor.role !== 'author' || !reviewRequired || status !== 'published') return null;
  return 'The owner asks for review: save this as a draft, and an editor will publish it.';
}

export const ROLE_NAMES: Record<UserRole, string> = { owner: 'Owner', editor: 'Editor', author: 'Author' };
