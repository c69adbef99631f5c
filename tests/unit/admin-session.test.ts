import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSession, passwordMatches, sealSession, sessionKey, SESSION_LIFETIME_SECONDS } from '@/lib/admin/session';

const password = 'correct horse battery staple';
const key = sessionKey(password);
const start = new Date('2026-11-27T10:00:00Z');
const later = (seconds: number) => new Date(start.getTime() + seconds * 1000);

test('only the exact password matches: not a prefix, a longer string, another case or nothing', () => {
  assert.equal(passwordMatches(password, password), true);
  for (const wrong of ['', 'correct horse', `${password} `, password.toUpperCase()])
    assert.equal(passwordMatches(wrong, password), false, wrong);
});

test('a session opens until its twelfth hour is over, and not a second later', async () => {
  const token = await sealSession(key, start);
  assert.equal(SESSION_LIFETIME_SECONDS, 12 * 3600);
  assert.deepEqual(await openSession(token, key, later(SESSION_LIFETIME_SECONDS - 1)), {
    expiresAt: start.getTime() / 1000 + SESSION_LIFETIME_SECONDS,
  });
  assert.equal(await openSession(token, key, later(SESSION_LIFETIME_SECONDS + 1)), null);
});

test('a session signed with another password, altered or missing does not open', async () => {
  const token = await sealSession(key, start);
  assert.equal(await openSession(token, sessionKey('another password entirely'), start), null);
  const [header, payload, signature] = token.split('.');
  const extended = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), exp: 4_000_000_000 }),
  ).toString('base64url');
  assert.equal(await openSession(`${header}.${extended}.${signature}`, key, start), null);
  assert.equal(await openSession(undefined, key, start), null);
  assert.equal(await openSession('not a token', key, start), null);
});
