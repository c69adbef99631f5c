import assert from 'node:assert/strict';
import test from 'node:test';
import { ReadIndex, selectWarmTargets, Warmer, type ReadPage } from '@/lib/page-cache/warming';

const HOUR = 3_600_000;
const now = 10 * HOUR;

const read = (page: string, reads: number, agoMs: number, tags = ['post:1:comments']): ReadPage => ({
  page,
  tags,
  reads,
  lastReadAt: now - agoMs,
});

test('only pages read within the window are warmed', () => {
  const targets = selectWarmTargets(
    [read('/', 50, 1000), read('/posts/a', 3, HOUR - 1), read('/tags/old', 90, HOUR + 1)],
    ['post:1:comments'],
    now,
    HOUR,
  );
  assert.deepEqual(
    targets.map((t) => t.page),
    ['/', '/posts/a'],
  );
  assert.deepEqual(selectWarmTargets([read('/', 50, 0)], ['post:1:comments'], now, 0), []);
});

test('the most read pages are warmed first; among equals, the most recently read', () => {
  const targets = selectWarmTargets(
    [read('/tags/x', 2, 10), read('/', 40, 5000), read('/posts/a', 7, 10), read('/page/2', 7, 1)],
    ['post:1:comments'],
    now,
    HOUR,
  );
  assert.deepEqual(
    targets.map((t) => t.page),
    ['/', '/page/2', '/posts/a', '/tags/x'],
  );
});

test('a page no longer carrying an invalidated tag is left alone, and the count is bounded', () => {
  const candidates = [
    read('/', 40, 10),
    read('/posts/b', 30, 10, ['post:2', 'post:2:comments']),
    ...Array.from({ length: 20 }, (_, i) => read(`/posts/p${i}`, i, 10)),
  ];
  const targets = selectWarmTargets(candidates, ['post:1:comments'], now, HOUR, 5);
  assert.equal(targets.length, 5);
  assert.equal(
    targets.some((t) => t.page === '/posts/b'),
    false,
  );
  assert.equal(targets[0]!.page, '/');
});

/** A warm-up whose end the test decides. */
function controlledFetches() {
  const started: string[] = [];
  const finishers = new Map<string, (() => void)[]>();
  let running = 0;
  let mostAtOnce = 0;
  const fetchPage = (page: string) =>
    new Promise<void>((resolve) => {
      started.push(page);
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      finishers.set(page, [
        ...(finishers.get(page) ?? []),
        () => {
          running -= 1;
          resolve();
        },
      ]);
    });
  const finish = async (page: string) => {
    const list = finishers.get(page);
    assert.ok(list && list.length > 0, `${page} is being warmed`);
    list.shift()!();
    // Let the warmer's continuation run and start the next page.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return { fetchPage, started, finish, mostAtOnce: () => mostAtOnce };
}

test('the warmer renders at most its concurrency at once, most read first, each queued page once', async () => {
  const fetches = controlledFetches();
  const warmer = new Warmer(fetches.fetchPage, 2);
  warmer.enqueue([
    { page: '/tags/x', reads: 1 },
    { page: '/', reads: 90 },
    { page: '/posts/a', reads: 30 },
  ]);
  // Already queued: not queued twice.
  warmer.enqueue([
    { page: '/tags/x', reads: 1 },
    { page: '/page/2', reads: 5 },
  ]);
  assert.deepEqual(fetches.started, ['/', '/posts/a']);
  await fetches.finish('/posts/a');
  assert.deepEqual(fetches.started, ['/', '/posts/a', '/page/2']);
  await fetches.finish('/');
  await fetches.finish('/page/2');
  await fetches.finish('/tags/x');
  await warmer.idle();
  assert.deepEqual(fetches.started, ['/', '/posts/a', '/page/2', '/tags/x']);
  assert.equal(fetches.mostAtOnce(), 2);
  assert.equal(warmer.pending, 0);
});

test('a page invalidated again while it is being warmed is warmed once more afterwards', async () => {
  const fetches = controlledFetches();
  const warmer = new Warmer(fetches.fetchPage, 1);
  warmer.enqueue([{ page: '/', reads: 9 }]);
  warmer.enqueue([{ page: '/', reads: 9 }]);
  warmer.enqueue([{ page: '/', reads: 9 }]);
  assert.deepEqual(fetches.started, ['/']);
  await fetches.finish('/');
  assert.deepEqual(fetches.started, ['/', '/']);
  await fetches.finish('/');
  await warmer.idle();
  assert.deepEqual(fetches.started, ['/', '/']);
});

test('a failed warm-up is reported and does not stop the others', async () => {
  const failures: string[] = [];
  const warmer = new Warmer(
    async (page) => {
      if (page === '/broken') throw new Error('refused');
    },
    1,
    (page) => failures.push(page),
  );
  warmer.enqueue([
    { page: '/broken', reads: 2 },
    { page: '/', reads: 1 },
  ]);
  await warmer.idle();
  assert.deepEqual(failures, ['/broken']);
});

test('the read index counts readers of pages whose tags the cache handler noted, and nothing else', () => {
  const index = new ReadIndex(3);
  const value = { kind: 'APP_PAGE', status: 200, headers: {}, html: '', rscData: undefined } as never;
  index.noteEntry('/route-cache/APP_PAGE/h/$/posts/a', value, ['post:1', 'post:1:comments']);
  index.noteRead('/posts/a', 100);
  index.noteRead('/posts/a', 200);
  // Never seen by the cache handler (an uncached page): not a candidate.
  index.noteRead('/stats', 200);
  assert.deepEqual(index.localCandidates(['post:1:comments']), [
    { page: '/posts/a', tags: ['post:1', 'post:1:comments'], reads: 2, lastReadAt: 200 },
  ]);
  assert.deepEqual(index.localCandidates(['post:2']), []);
});
