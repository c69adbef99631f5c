import 'server-only';
import { cookies } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';
import { deleteSession, readSetting, type Account } from '@/db/accounts';
import type { Actor } from '@/lib/accounts/roles';
import { ADMIN_COOKIE, clearAdminCookie, isAccountToken, readAccountSession } from '@/lib/accounts/sessions';
import { config } from '@/lib/core/config';
import { ADMIN_SESSION } from '@/lib/core/session';
import { sessionCookie } from '@/lib/core/session-cookie';

/*
 * Who may use the admin pages. `adminSession()` is the one check: every admin page calls
 * `requireAdmin()` and every admin server action is wrapped in `adminAction()`, both of which
 * ask it. A page's check alone would not do: a server action is an endpoint of its own that
 * anyone can call with its id, whatever page it was taken from. The bearer-token API
 * (lib/admin/api.ts) is for scripts and keeps its own check.
 *
 * Two kinds of session open the admin: a person's account (lib/accounts/sessions.ts) and the
 * shared ADMIN_PASSWORD of deployments from before accounts, which acts as the owner.
 */

export const LOGIN_PATH = '/admin/login';

const passwordCookie = sessionCookie({
  kind: ADMIN_SESSION,
  name: ADMIN_COOKIE,
  // Sent to /admin only: the public pages never receive it, so nothing about them changes with a login.
  path: '/admin',
  sameSite: 'strict',
  password: () => config.ADMIN_PASSWORD,
});

export interface AdminSession extends Actor {
  /** When the session ends (seconds since the epoch). */
  expiresAt: number;
  /** The person signed in; null for the shared password. */
  account: Account | null;
  /** The stored session's id (the token's hash); null for the shared password. */
  sessionId: string | null;
}

/** Read once per request however many components and checks ask. */
export const adminSession = cache(async (): Promise<AdminSession | null> => {
  const token = (await cookies()).get(ADMIN_COOKIE)?.value;
  if (isAccountToken(token)) {
    const found = await readAccountSession(token);
    if (!found) return null;
    return {
      role: found.account.role,
      accountId: found.account.id,
      account: found.account,
      sessionId: found.session.id,
      expiresAt: Math.floor(found.session.expiresAt.getTime() / 1000),
    };
  }
  const shared = await passwordCookie.read();
  return shared && { role: 'owner', accountId: null, account: null, sessionId: null, expiresAt: shared.expiresAt };
});

/** For admin pages and layouts: the session, or a redirect to the login. */
export async function requireAdmin(): Promise<AdminSession> {
  const session = await adminSession();
  if (!session) redirect(LOGIN_PATH);
  return session;
}

/** For pages of one role's: a 403 page for a session whose role may not see it. */
export async function requireAdminWho(may: (actor: Actor) => boolean): Promise<AdminSession> {
  const session = await requireAdmin();
  if (!may(session)) forbidden();
  return session;
}

export type Refused = { status: 'refused'; message: string };

export const NOT_SIGNED_IN: Refused = {
  status: 'refused',
  message: 'You are not logged in (or your session has ended), so nothing was done. Log in and try again.',
};

export const NOT_ALLOWED: Refused = {
  status: 'refused',
  message: 'Your role does not allow this, so nothing was done. Ask the blog’s owner.',
};

/** For admin server actions: runs `act` only with a session, checked on every call. */
export function adminAction<Args extends unknown[], Result>(
  act: (...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result | Refused> {
  return async (...args) => ((await adminSession()) ? act(...args) : NOT_SIGNED_IN);
}

/** For admin server actions of one role's: refused, with nothing done, for a session whose role may not. */
export function adminActionWho<Args extends unknown[], Result>(
  may: (actor: Actor) => boolean,
  act: (session: AdminSession, ...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result | Refused> {
  return async (...args) => {
    const session = await adminSession();
    if (!session) return NOT_SIGNED_IN;
    return may(session) ? act(session, ...args) : NOT_ALLOWED;
  };
}

/** Whether authors need an editor to publish (the owner's choice, on the People page). */
export async function reviewRequired(): Promise<boolean> {
  return (await readSetting<boolean>(REVIEW_SETTING)) === true;
}
export const REVIEW_SETTING = 'review_required';

export function startPasswordSession(): Promise<void> {
  return passwordCookie.start();
}

export async function endSession(): Promise<void> {
  const session = await adminSession();
  if (session?.account && session.sessionId) await deleteSession(session.account.id, session.sessionId);
  await clearAdminCookie();
}
