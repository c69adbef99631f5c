import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ADMIN_SESSION,
  openSession,
  passwordMatches,
  sealSession,
  sessionKey,
  STATS_SESSION,
} from '@/lib/core/session';

const password = 'correct horse battery staple';
const key = sessionKey(ADMIN_SESSION, password);
const start = new Date('2026-11-27T10:00:00Z');
const later = (seconds: number) => new Date(start.getTime() + seconds * 1000);
const lifetime = ADMIN_SESSION.lifetimeSeconds;

test('only the exact password matches: not a prefix, a longer string, another case or nothing', () => {
  assert.equal(passwordMatches(password, password), true);
  for (const wrong of ['', 'correct horse', `${password} `, password.toUpperCase()])
    assert.equal(passwordMatches(wrong, password), false, wrong);
});

test('a session opens until its twelfth hour is over, and not a second later', async () => {
  const token = await sealSession(ADMIN_SESSION, key, start);
  assert.equal(lifetime, 12 * 3600);
  assert.deepEqual(await openSession(ADMIN_SESSION, token, key, later(lifetime - 1)), {
    expiresAt: start.getTime() / 1000 + lifetime,
  });
  assert.equal(await openSession(ADMIN_SESSION, token, key, later(lifetime + 1)), null);
});

test('a session signed with another password, altered or missing does not open', async () => {
  const token = await sealSession(ADMIN_SESSION, key, start);
  assert.equal(
    await openSession(ADMIN_SESSION, token, sessionKey(ADMIN_SESSION, 'another password entirely'), start),
    null,
  );
  const [header, payload, signature] = token.split('.');
  const extended = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), exp: 4_000_000_000 }),
  ).toString('base64url');
  assert.equal(await openSession(ADMIN_SESSION, `${header}.${extended}.${signature}`, key, start), null);
  assert.equal(await openSession(ADMIN_SESSION, undefined, key, start), null);
  assert.equal(await openSession(ADMIN_SESSION, 'not a token', key, start), null);
});

test('a statistics session never opens the admin, nor an admin session the statistics, even with one password for both', async () => {
  const statsKey = sessionKey(STATS_SESSION, password);
  const stats = await sealSession(STATS_SESSION, statsKey, start);
  assert.notEqual(await openSession(STATS_SESSION, stats, statsKey, start), null);
  assert.equal(await openSession(ADMIN_SESSION, stats, key, start), null);
  assert.equal(await openSession(ADMIN_SESSION, stats, statsKey, start), null);
  const admin = await sealSession(ADMIN_SESSION, key, start);
  assert.equal(await openSession(STATS_SESSION, admin, statsKey, start), null);
  assert.equal(await openSession(STATS_SESSION, admin, key, start), null);
});

test('a statistics session ends after its twelfth hour too', async () => {
  const statsKey = sessionKey(STATS_SESSION, password);
  const token = await sealSession(STATS_SESSION, statsKey, start);
  assert.equal(STATS_SESSION.lifetimeSeconds, 12 * 3600);
  assert.notEqual(await openSession(STATS_SESSION, token, statsKey, later(STATS_SESSION.lifetimeSeconds - 1)), null);
  assert.equal(await openSession(STATS_SESSION, token, statsKey, later(STATS_SESSION.lifetimeSeconds + 1)), null);
});
