/*
 * A post's comments as a thread: replies under the comment they answer, oldest first at every
 * level, at most THREAD_DEPTH levels deep. Pure, so the post page, the reply page and the tests
 * build the same thread from the same rows.
 */

/** Levels of nesting shown; replies deeper than this are shown at the last level, saying whom they answer. */
export const THREAD_DEPTH = 4;

/** A published comment as the public pages receive it (never its author's e-mail). */
export interface ThreadComment {
  id: number;
  /** The comment it answers; null for a comment of its own, or when that one was deleted. */
  parentId: number | null;
  /** The comment it answered was deleted. */
  parentRemoved: boolean;
  authorName: string;
  body: string;
  /** ISO 8601. */
  createdAt: string;
}

/** A comment that is not published but has published replies: where it stood, nothing of what it said. */
export interface HiddenComment {
  id: number;
  parentId: number | null;
  parentRemoved: boolean;
  createdAt: string;
}

/**
 * Whom a comment answers, said beside it when the thread does not show it by nesting: a reply
 * past the last level (`comment`), or one whose parent is gone or hidden (`removed`).
 */
export type InReplyTo = { kind: 'comment'; id: number; authorName: string } | { kind: 'removed' } | null;

export type ThreadNode =
  | { kind: 'comment'; comment: ThreadComment; depth: number; inReplyTo: InReplyTo; replies: ThreadNode[] }
  | { kind: 'removed'; id: number; depth: number; inReplyTo: InReplyTo; replies: ThreadNode[] };

type Entry = { kind: 'comment'; comment: ThreadComment } | { kind: 'removed'; hidden: HiddenComment };

const idOf = (entry: Entry) => (entry.kind === 'comment' ? entry.comment.id : entry.hidden.id);
const rowOf = (entry: Entry) => (entry.kind === 'comment' ? entry.comment : entry.hidden);

function oldestFirst(a: Entry, b: Entry): number {
  const [x, y] = [rowOf(a), rowOf(b)];
  return x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : x.id - y.id;
}

/** The parent ids that published comments name and that are not among them: where hidden comments may stand. */
export function missingParents(published: readonly ThreadComment[]): number[] {
  const ids = new Set(published.map((comment) => comment.id));
  return [
    ...new Set(
      published.flatMap((comment) =>
        comment.parentId !== null && !ids.has(comment.parentId) ? [comment.parentId] : [],
      ),
    ),
  ];
}

/**
 * The thread of `published` comments, with `hidden` ones standing where they were as placeholders.
 * A reply whose parent is in neither list (deleted, or a row the reads did not agree on) starts a
 * thread of its own at the top, saying it answered a removed comment. Levels count from 1 (the
 * top); `maxDepth` is 2 or more.
 */
export function buildThread(
  published: readonly ThreadComment[],
  hidden: readonly HiddenComment[] = [],
  maxDepth = THREAD_DEPTH,
): ThreadNode[] {
  const entries = new Map<number, Entry>();
  for (const row of hidden) entries.set(row.id, { kind: 'removed', hidden: row });
  for (const comment of published) entries.set(comment.id, { kind: 'comment', comment });

  const children = new Map<number | null, Entry[]>();
  const orphans = new Set<number>();
  for (const entry of entries.values()) {
    const row = rowOf(entry);
    let parent = row.parentId;
    if (parent !== null && !entries.has(parent)) parent = null;
    if (parent === null && (row.parentId !== null || row.parentRemoved)) orphans.add(row.id);
    const siblings = children.get(parent);
    if (siblings) siblings.push(entry);
    else children.set(parent, [entry]);
  }
  for (const list of children.values()) list.sort(oldestFirst);

  const replyTo = (entry: Entry): InReplyTo => {
    const parent = rowOf(entry).parentId;
    const found = parent === null ? undefined : entries.get(parent);
    return found?.kind === 'comment'
      ? { kind: 'comment', id: found.comment.id, authorName: found.comment.authorName }
      : { kind: 'removed' };
  };
  const node = (entry: Entry, depth: number, inReplyTo: InReplyTo, replies: ThreadNode[]): ThreadNode =>
    entry.kind === 'comment'
      ? { kind: 'comment', comment: entry.comment, depth, inReplyTo, replies }
      : { kind: 'removed', id: entry.hidden.id, depth, inReplyTo, replies };

  // Everything under `parent`, in time order: the last level, where nesting stops.
  const descendants = (parent: number): Entry[] =>
    (children.get(parent) ?? []).flatMap((entry) => [entry, ...descendants(idOf(entry))]);

  const level = (parent: number | null, depth: number): ThreadNode[] => {
    if (parent !== null && depth >= maxDepth) return flattened(parent, depth);
    return (children.get(parent) ?? []).map((entry) =>
      node(
        entry,
        depth,
        // A hidden comment needs no note: it is the placeholder already.
        orphans.has(idOf(entry)) && entry.kind === 'comment' ? { kind: 'removed' } : null,
        level(idOf(entry), depth + 1),
      ),
    );
  };
  const flattened = (parent: number, depth: number): ThreadNode[] =>
    descendants(parent)
      .sort(oldestFirst)
      .map((entry) => node(entry, depth, rowOf(entry).parentId === parent ? null : replyTo(entry), []));

  return level(null, 1);
}

/**
 * Published comment `id` at the top of a thread of its own, with every reply under it (the reply
 * page's), or null when `id` is not a published comment of `published`.
 */
export function buildSubthread(
  published: readonly ThreadComment[],
  hidden: readonly HiddenComment[],
  id: number,
  maxDepth = THREAD_DEPTH,
): Extract<ThreadNode, { kind: 'comment' }> | null {
  const root = published.find((comment) => comment.id === id);
  if (!root) return null;
  const below = new Set<number>([id]);
  // Rows come oldest first and a reply is always younger than what it answers; but a hidden row
  // list is read apart, so repeat until nothing more joins.
  for (let grown = true; grown;) {
    grown = false;
    for (const row of [...published, ...hidden]) {
      if (row.parentId !== null && below.has(row.parentId) && !below.has(row.id)) {
        below.add(row.id);
        grown = true;
      }
    }
  }
  const [node] = buildThread(
    [
      { ...root, parentId: null, parentRemoved: false },
      ...published.filter((comment) => comment.id !== id && below.has(comment.id)),
    ],
    hidden.filter((row) => below.has(row.id)),
    maxDepth,
  );
  return node?.kind === 'comment' ? node : null;
}
