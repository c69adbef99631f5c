import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDatabase } from '@/db/client';
import {
  findAccountByEmail,
  findSessionAccount,
  insertSession,
  ownerExists,
  removeAccount,
  type Account,
} from '@/db/accounts';
import { acceptLink, createInvitation, offerSetup, openLink } from '@/lib/accounts/links';
import { verifyPassword } from '@/lib/accounts/passwords';
import { processSlot } from '@/lib/core/process-singleton';
import { dropDatabase, freshSeededDatabase } from '../support/databases';

/*
 * Accounts on PostgreSQL: the one-use links that create them (the owner's setup, invitations), raced
 * as two browsers would race them, and what removing a person does to their sessions.
 */

const pool = processSlot<ReturnType<typeof createDatabase>>('database.pool');
let name = '';

before(async () => {
  const fresh = await freshSeededDatabase('accounts');
  name = fresh.name;
  // The modules under test use the app's own pool (db/client.ts getDb).
  pool.set(createDatabase(fresh.url, { max: 6 }));
});

after(async () => {
  await pool.get()?.sql.end({ timeout: 5 });
  pool.set(null);
  if (name) await dropDatabase(name);
});

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
const owner = { name: 'Ada', email: 'Ada@Example.com', password: 'correct horse battery staple' };

describe('the owner’s setup link', () => {
  let account: Account;

  test('is offered while nobody can sign in; two browsers racing with two links make one owner', async () => {
    assert.equal(await ownerExists(), false);
    const first = await offerSetup();
    const second = await offerSetup();
    assert.ok(first && second && first !== second);
    assert.match(first, /^http:\/\/localhost:\d+\/admin\/setup\?token=[\w-]{32}$/);
    assert.ok(await openLink(tokenOf(first), 'setup'));
    // A setup token is no invitation.
    assert.equal(await openLink(tokenOf(first), 'invitation'), null);

    // A weak password is refused and uses nothing up.
    const weak = await acceptLink(tokenOf(first), 'setup', { ...owner, password: 'password1234' });
    assert.equal(weak.status, 'invalid');
    assert.ok(await openLink(tokenOf(first), 'setup'));

    const results = await Promise.all([
      acceptLink(tokenOf(first), 'setup', owner),
      acceptLink(tokenOf(second), 'setup', { ...owner, email: 'grace@example.com', name: 'Grace' }),
    ]);
    const created = results.filter((result) => result.status === 'created');
    assert.equal(created.length, 1, JSON.stringify(results));
    assert.deepEqual(
      results.find((result) => result.status !== 'created'),
      { status: 'gone' },
    );
    account = (created[0] as { account: Account }).account;
    assert.equal(account.role, 'owner');
  });

  test('is dead once the owner exists: both links, and no new one is offered', async () => {
    assert.equal(await ownerExists(), true);
    assert.equal(await offerSetup(), null);
    const stored = await findAccountByEmail(account.email);
    assert.ok(stored);
    // Stored lowercased, as a memory-hard hash that the password opens.
    assert.equal(stored.email, account.email.toLowerCase());
    assert.equal(await verifyPassword(owner.password, stored.passwordHash), true);
  });

  test('an invitation fixes the address and the role, works once, and a taken address is refused', async () => {
    const url = await createInvitation({ email: 'author@example.com', role: 'author', invitedBy: account.id });
    assert.match(url, /\/admin\/join\?token=/);
    const link = await openLink(tokenOf(url), 'invitation');
    assert.equal(link?.email, 'author@example.com');
    assert.equal(await openLink(tokenOf(url), 'setup'), null);

    const joined = await Promise.all([
      acceptLink(tokenOf(url), 'invitation', {
        name: 'Ann',
        email: 'someone-else@example.com',
        password: 'a long walk to the sea',
      }),
      acceptLink(tokenOf(url), 'invitation', { name: 'Ann', email: '', password: 'a long walk to the sea' }),
    ]);
    const created = joined.filter((result) => result.status === 'created');
    assert.equal(created.length, 1, JSON.stringify(joined));
    const author = (created[0] as { account: Account }).account;
    assert.deepEqual({ email: author.email, role: author.role }, { email: 'author@example.com', role: 'author' });
    assert.equal(await openLink(tokenOf(url), 'invitation'), null);

    const again = await createInvitation({ email: 'author@example.com', role: 'editor', invitedBy: account.id });
    const taken = await acceptLink(tokenOf(again), 'invitation', {
      name: 'Ann',
      email: '',
      password: 'a long walk to the sea',
    });
    assert.deepEqual(taken, {
      status: 'invalid',
      errors: { email: ['An account with that e-mail address exists already.'] },
    });

    // Removed: their sessions end and they cannot sign in; the owner cannot be removed.
    const now = new Date();
    await insertSession({
      id: 'session-of-ann',
      userId: author.id,
      expiresAt: new Date(now.getTime() + 60_000),
      userAgent: 'test',
      address: '',
    });
    assert.ok(await findSessionAccount('session-of-ann', now));
    assert.equal(await removeAccount(author.id), true);
    assert.equal(await findSessionAccount('session-of-ann', now), null);
    assert.equal(await findAccountByEmail('author@example.com'), null);
    assert.equal(await removeAccount(account.id), false);
  });

  test('an unknown, altered or absurd token opens nothing', async () => {
    for (const token of [undefined, '', 'x', 'a'.repeat(5000), '../../etc/passwd']) {
      assert.equal(await openLink(token, 'invitation'), null);
      assert.equal(await openLink(token, 'setup'), null);
    }
    const gone = await acceptLink('nope', 'invitation', owner);
    assert.deepEqual(gone, { status: 'gone' });
  });
});
