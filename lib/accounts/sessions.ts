import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { cookies, headers } from 'next/headers';
import { findSessionAccount, insertSession, touchSession, type Account, type SessionRow } from '@/db/accounts';
import { CLIENT_HEADER } from '@/lib/core/client-address';
import { sessionCookieAttributes } from '@/lib/core/session-cookie';

/*
 * Account sessions live in PostgreSQL (db/accounts.ts), so a person can list theirs and end any of
 * them, and removing a person ends all of theirs on every host at once. The cookie carries a random
 * token; the table keeps its SHA-256. The shared ADMIN_PASSWORD's stateless session shares the
 * cookie's name and path (lib/admin/auth.ts tells the two apart by the token's prefix).
 */

export const ADMIN_COOKIE = 'freshpress_admin';
const PREFIX = 'a.';
export const ACCOUNT_SESSION_SECONDS = 14 * 24 * 3600;
/** last_seen_at is written at most this often: a click is not a write. */
const TOUCH_AFTER_MS = 5 * 60 * 1000;

export const sessionIdOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const attributes = () => sessionCookieAttributes('/admin', 'strict');

export function isAccountToken(token: string | undefined): token is string {
  return token !== undefined && token.startsWith(PREFIX);
}

/** Signs this browser in as `account`: a new session row and its cookie. */
export async function startAccountSession(account: Pick<Account, 'id'>, now = new Date()): Promise<void> {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const request = await headers();
  await insertSession({
    id: sessionIdOf(token),
    userId: account.id,
    expiresAt: new Date(now.getTime() + ACCOUNT_SESSION_SECONDS * 1000),
    userAgent: (request.get('user-agent') ?? '').slice(0, 300),
    address: request.get(CLIENT_HEADER) ?? '',
  });
  (await cookies()).set(ADMIN_COOKIE, token, { ...(await attributes()), maxAge: ACCOUNT_SESSION_SECONDS });
}

export async function readAccountSession(
  token: string,
  now = new Date(),
): Promise<{ account: Account; session: SessionRow } | null> {
  const found = await findSessionAccount(sessionIdOf(token), now);
  if (found && now.getTime() - found.session.lastSeenAt.getTime() > TOUCH_AFTER_MS)
    await touchSession(found.session.id, now);
  return found;
}

export async function clearAdminCookie(): Promise<void> {
  (await cookies()).delete({ name: ADMIN_COOKIE, ...(await attributes()) });
}
