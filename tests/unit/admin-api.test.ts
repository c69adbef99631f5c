import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';

/*
 * The steps every admin route shares, without a server: the order of the refusals, the shape of
 * each answer, and the database refusals read through the ORM's wrapping (the code is on `cause`).
 */

const token = 'unit-test-admin-token-0123456789';
// lib/core/config.ts reads the environment once, at first import.
process.env.ADMIN_TOKEN = token;
const { adminRoute, json } = await import('@/lib/admin/api');

const Input = z.object({ title: z.string().min(1) }).strict();
const call = (handler: ReturnType<typeof adminRoute>, init: { id?: string; body?: string; auth?: string } = {}) =>
  handler(
    new Request('http://blog.test/api/admin/posts/1', {
      method: 'PATCH',
      headers: { authorization: init.auth ?? `Bearer ${token}`, 'content-type': 'application/json' },
      body: init.body ?? '{"title":"A"}',
    }),
    { params: Promise.resolve(init.id === undefined ? {} : { id: init.id }) },
  );

async function answer(response: Response) {
  return {
    status: response.status,
    cacheControl: response.headers.get('cache-control'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const wrapped = (error: unknown) => Object.assign(new Error('Failed query: update "posts"'), { cause: error });

test('refusals come in order: token, then id, then JSON, then the schema', async () => {
  let acted = 0;
  const route = adminRoute(
    { action: 'Changing the post', missing: 'No such post.', input: Input, byId: true },
    async ({ id, input }) => {
      acted += 1;
      return json({ id, title: input.title });
    },
  );
  assert.deepEqual(await answer(await call(route, { id: 'x', auth: 'Bearer wrong' })), {
    status: 401,
    cacheControl: 'no-store',
    body: { error: 'Missing or wrong bearer token.' },
  });
  assert.deepEqual(await answer(await call(route, { id: '2147483648', body: '{' })), {
    status: 404,
    cacheControl: 'no-store',
    body: { error: 'No such post.' },
  });
  assert.deepEqual(await answer(await call(route, { id: '1', body: '{' })), {
    status: 400,
    cacheControl: 'no-store',
    body: { error: 'The request body must be JSON.' },
  });
  const invalid = await answer(await call(route, { id: '1', body: '{"title":""}' }));
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.error, 'Invalid input.');
  assert.ok((invalid.body.fields as Record<string, unknown>).title);
  assert.equal(acted, 0);
  assert.deepEqual(await answer(await call(route, { id: '7' })), {
    status: 200,
    cacheControl: 'no-store',
    body: { id: 7, title: 'A' },
  });
});

test('a route without a schema never reads its body; nothing found is the route’s 404 sentence', async () => {
  const route = adminRoute(
    { action: 'Removing the comment', missing: 'No such comment.', byId: true },
    async () => null,
  );
  assert.deepEqual(await answer(await call(route, { id: '5', body: 'not json' })), {
    status: 404,
    cacheControl: 'no-store',
    body: { error: 'No such comment.' },
  });
});

test('a duplicate slug is a 409 and a missing date a 422, even when the ORM wraps the driver error', async () => {
  const failing = (error: unknown) =>
    adminRoute({ action: 'Creating the post', missing: 'No such post.', input: Input }, async () => {
      throw error;
    });
  for (const error of [{ code: '23505' }, wrapped({ code: '23505' }), wrapped(wrapped({ code: '23505' }))]) {
    assert.deepEqual(await answer(await call(failing(error))), {
      status: 409,
      cacheControl: 'no-store',
      body: { error: 'Another post already uses that slug.' },
    });
  }
  assert.equal((await call(failing(wrapped({ code: '23514' })))).status, 422);
});

test('any other failure is a 500 that names the action and hides the driver message', async (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  const route = adminRoute({ action: 'Creating the post', missing: 'No such post.', input: Input }, async () => {
    throw wrapped({ code: '57P01', message: 'terminating connection due to administrator command' });
  });
  const failed = await answer(await call(route));
  assert.deepEqual(failed, {
    status: 500,
    cacheControl: 'no-store',
    body: { error: 'Creating the post failed; nothing was changed. See the server log.' },
  });
  assert.equal(logged.mock.callCount(), 1);
});
