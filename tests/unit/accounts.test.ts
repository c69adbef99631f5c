import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, passwordProblem, verifyPassword } from '@/lib/accounts/passwords';
import {
  mayManagePeople,
  mayModerate,
  maySeeEveryPost,
  postRefusal,
  publishRefusal,
  type Actor,
} from '@/lib/accounts/roles';

const owner: Actor = { role: 'owner', accountId: 1 };
const shared: Actor = { role: 'owner', accountId: null };
const editor: Actor = { role: 'editor', accountId: 2 };
const author: Actor = { role: 'author', accountId: 3 };

test('who may do what: the owner everything, an editor all but people, an author their own posts', () => {
  assert.deepEqual(
    [owner, shared, editor, author].map((actor) => [
      mayManagePeople(actor),
      mayModerate(actor),
      maySeeEveryPost(actor),
    ]),
    [
      [true, true, true],
      [true, true, true],
      [false, true, true],
      [false, false, false],
    ],
  );
  const mine = { authorId: 3, status: 'draft' as const };
  const theirs = { authorId: 2, status: 'draft' as const };
  const nobodys = { authorId: null, status: 'published' as const };
  for (const review of [false, true]) {
    assert.equal(postRefusal(owner, theirs, review), null);
    assert.equal(postRefusal(editor, nobodys, review), null);
    assert.equal(postRefusal(author, mine, review), null);
    assert.match(postRefusal(author, theirs, review) ?? '', /not yours/);
    assert.match(postRefusal(author, nobodys, review) ?? '', /not yours/);
  }
  // With review on, a published post of the author's own is an editor's to change.
  assert.equal(postRefusal(author, { authorId: 3, status: 'published' }, false), null);
  assert.match(postRefusal(author, { authorId: 3, status: 'published' }, true) ?? '', /editor changes published posts/);
});

test('publishing needs an editor only for authors, and only when the owner asks for review', () => {
  assert.equal(publishRefusal(author, 'published', false), null);
  assert.match(publishRefusal(author, 'published', true) ?? '', /save this as a draft/);
  assert.equal(publishRefusal(author, 'draft', true), null);
  assert.equal(publishRefusal(author, undefined, true), null);
  assert.equal(publishRefusal(editor, 'published', true), null);
  assert.equal(publishRefusal(shared, 'published', true), null);
});

test('a new password is long enough, not a common one, not the person’s own name or address', () => {
  assert.match(passwordProblem('short') ?? '', /at least 12 characters/);
  // Long enough, but among the most common passwords (whatever the case, with digits tacked on).
  assert.match(passwordProblem('1QAZ2WSX3EDC') ?? '', /most common/);
  assert.match(passwordProblem('PASSWORD12345678') ?? '', /most common/);
  assert.match(passwordProblem('Iloveyou123456!') ?? '', /most common/);
  assert.match(
    passwordProblem('ada.lovelace-2026', { email: 'ada.lovelace@example.com' }) ?? '',
    /your name or e-mail/,
  );
  assert.match(passwordProblem('my name is Grace Hopper', { name: 'Grace Hopper' }) ?? '', /your name or e-mail/);
  assert.match(passwordProblem('aaaaaaaaaaaaaaaa') ?? '', /repeats too few/);
  assert.match(passwordProblem('x'.repeat(257)) ?? '', /at most 256/);
  assert.equal(passwordProblem('correct horse battery staple', { email: 'ada@example.com', name: 'Ada' }), null);
});

test('a stored password is salted scrypt: it verifies, a wrong one does not, and the same password hashes differently', async () => {
  const stored = await hashPassword('correct horse battery staple');
  assert.match(stored, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.equal(await verifyPassword('correct horse battery staple', stored), true);
  assert.equal(await verifyPassword('correct horse battery stapler', stored), false);
  assert.notEqual(await hashPassword('correct horse battery staple'), stored);
  assert.equal(await verifyPassword('anything', 'not-a-hash'), false);
  // NFKC: the same word typed with a composed or a decomposed accent is the same password.
  const accented = await hashPassword('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
  assert.equal(await verifyPassword('cafe\u0301 au lait, s\u2019il vous pla\u00eet', accented), true);
});
