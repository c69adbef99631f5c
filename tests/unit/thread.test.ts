import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildSubthread,
  buildThread,
  missingParents,
  THREAD_DEPTH,
  type HiddenComment,
  type ThreadComment,
  type ThreadNode,
} from '@/lib/comments/thread';

/*
 * The thread a post page shows, from the rows its cached reader returns: published comments
 * oldest first (each with the comment it answers), and the hidden comments some of them answer.
 */

let clock = 0;
/** A published comment, a minute after the one made before it. */
function said(id: number, parentId: number | null = null, extra: Partial<ThreadComment> = {}): ThreadComment {
  clock += 1;
  return {
    id,
    parentId,
    parentRemoved: false,
    authorName: `Author ${id}`,
    body: `Comment ${id}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, clock)).toISOString(),
    ...extra,
  };
}
function hidden(id: number, parentId: number | null = null, at = said(id).createdAt): HiddenComment {
  return { id, parentId, parentRemoved: false, createdAt: at };
}

/** The thread as text: one line per node, indented by depth, with its note. */
function outline(nodes: readonly ThreadNode[]): string[] {
  return nodes.flatMap((node) => {
    const label = node.kind === 'comment' ? String(node.comment.id) : `removed(${node.id})`;
    const note =
      node.inReplyTo === null
        ? ''
        : node.inReplyTo.kind === 'comment'
          ? ` → ${node.inReplyTo.authorName}`
          : ' → removed';
    return [`${'  '.repeat(node.depth - 1)}${label}${note}`, ...outline(node.replies)];
  });
}

test('comments without replies are one level, oldest first', () => {
  const rows = [said(1), said(2), said(3)];
  assert.deepEqual(outline(buildThread(rows)), ['1', '2', '3']);
});

test('replies nest under the comment they answer, oldest first at each level, whatever order they come in', () => {
  const a = said(1);
  const b = said(2);
  const a1 = said(3, 1);
  const b1 = said(4, 2);
  const a2 = said(5, 1);
  const a1x = said(6, 3);
  // Rows arrive oldest first from the database; shuffled here, the thread must not care.
  assert.deepEqual(outline(buildThread([a2, b, a1x, a, b1, a1])), ['1', '  3', '    6', '  5', '2', '  4']);
});

test('at equal times the lower id comes first', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const rows = [said(9, null, { createdAt: at }), said(7, null, { createdAt: at }), said(8, 7, { createdAt: at })];
  assert.deepEqual(outline(buildThread(rows)), ['7', '  8', '9']);
});

test(`nesting stops at ${THREAD_DEPTH} levels: deeper replies stand at the last level, in time order, saying whom they answer`, () => {
  const chain = [said(1), said(2, 1), said(3, 2), said(4, 3), said(5, 4), said(6, 5)];
  const sideReply = said(7, 3);
  const lateToFive = said(8, 5);
  assert.equal(THREAD_DEPTH, 4);
  assert.deepEqual(outline(buildThread([...chain, sideReply, lateToFive])), [
    '1',
    '  2',
    '    3',
    '      4',
    '      5 → Author 4',
    '      6 → Author 5',
    '      7',
    '      8 → Author 5',
  ]);
  const deepest = Math.max(...outline(buildThread(chain)).map((line) => line.search(/\S/) / 2 + 1));
  assert.equal(deepest, THREAD_DEPTH);
});

test('a reply to a hidden comment keeps its place under a placeholder, which says nothing of it', () => {
  const a = said(1);
  const spam = hidden(2, 1);
  const reply = said(3, 2);
  const thread = buildThread([a, reply], [spam]);
  assert.deepEqual(outline(thread), ['1', '  removed(2)', '    3']);
  const placeholder = thread[0]!.replies[0]!;
  assert.equal(placeholder.kind, 'removed');
  assert.deepEqual(Object.keys(placeholder).sort(), ['depth', 'id', 'inReplyTo', 'kind', 'replies']);
});

test('a chain of hidden comments stands as a chain of placeholders', () => {
  const thread = buildThread([said(3, 2)], [hidden(1), hidden(2, 1)]);
  assert.deepEqual(outline(thread), ['removed(1)', '  removed(2)', '    3']);
});

test('a reply whose comment was deleted starts a thread at the top, in time order, saying it answered a removed comment', () => {
  const first = said(1);
  const orphan = said(3, null, { parentRemoved: true });
  const later = said(4);
  const toOrphan = said(5, 3);
  assert.deepEqual(outline(buildThread([later, orphan, first, toOrphan])), ['1', '3 → removed', '  5', '4']);
});

test('a reply naming a comment in neither list is kept at the top, marked the same way', () => {
  assert.deepEqual(outline(buildThread([said(1), said(2, 99)])), ['1', '2 → removed']);
});

test('the parents to look for are those published comments name and do not include', () => {
  const rows = [said(1), said(2, 1), said(3, 40), said(4, 40), said(5, 41)];
  assert.deepEqual(missingParents(rows), [40, 41]);
  assert.deepEqual(missingParents([said(1), said(2, 1)]), []);
});

test("the reply page's thread starts at the comment answered, with everything under it nested again", () => {
  const rows = [said(1), said(2, 1), said(3, 2), said(4, 3), said(5, 4), said(6, 5), said(7)];
  const node = buildSubthread(rows, [], 3);
  assert.ok(node);
  assert.equal(node.comment.id, 3);
  assert.equal(node.inReplyTo, null);
  assert.deepEqual(outline([node]), ['3', '  4', '    5', '      6']);
  assert.equal(buildSubthread(rows, [], 99), null);
});

test('the reply page of a comment under a hidden one shows its own replies, hidden ones as placeholders', () => {
  const rows = [said(1), said(3, 2), said(5, 4)];
  const node = buildSubthread(rows, [hidden(2, 1), hidden(4, 1)], 1);
  assert.deepEqual(outline([node!]), ['1', '  removed(2)', '    3', '  removed(4)', '    5']);
  assert.equal(buildSubthread(rows, [hidden(2, 1)], 2), null, 'a hidden comment has no reply page');
});
