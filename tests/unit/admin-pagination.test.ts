import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPageHref, readAdminPage } from '@/lib/admin/pagination';

test('page links keep the list’s filter, and page 1 is the list’s own address', () => {
  assert.equal(adminPageHref('/admin/posts', {}, 1), '/admin/posts');
  assert.equal(adminPageHref('/admin/posts', {}, 3), '/admin/posts?page=3');
  assert.equal(
    adminPageHref('/admin/comments', { status: 'spam', post: '12' }, 2),
    '/admin/comments?status=spam&post=12&page=2',
  );
  assert.equal(
    adminPageHref('/admin/comments', { status: 'pending', post: undefined }, 1),
    '/admin/comments?status=pending',
  );
});

test('a page counts its list in pages of 50, and a page past the end is empty, not an error', async () => {
  const rows = (page: number) => Promise.resolve(page <= 3 ? [`row of page ${page}`] : []);
  assert.deepEqual(await readAdminPage(2, () => Promise.resolve(101), rows), {
    rows: ['row of page 2'],
    page: 2,
    pageCount: 3,
    total: 101,
  });
  assert.equal((await readAdminPage(1, () => Promise.resolve(0), rows)).pageCount, 1);
  assert.deepEqual((await readAdminPage(9, () => Promise.resolve(100), rows)).rows, []);
});
