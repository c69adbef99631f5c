import 'server-only';
import { redirect } from 'next/navigation';
import { config } from '@/lib/core/config';
import { ADMIN_SESSION, type Session } from '@/lib/core/session';
import { sessionCookie } from '@/lib/core/session-cookie';

/*
 * Who may use the admin pages. `adminSession()` is the one check: every admin page calls
 * `requireAdmin()` and every admin server action is wrapped in `adminAction()`, both of which
 * ask it. A page's check alone would not do: a server action is an endpoint of its own that
 * anyone can call with its id, whatever page it was taken from. The bearer-token API
 * (lib/admin/api.ts) is for scripts and keeps its own check.
 */

export const LOGIN_PATH = '/admin/login';

const cookie = sessionCookie({
  kind: ADMIN_SESSION,
  name: 'freshpress_admin',
  // Sent to /admin only: the public pages never receive it, so nothing about them changes with a login.
  path: '/admin',
  sameSite: 'strict',
  password: () => config.ADMIN_PASSWORD,
});

/** False when ADMIN_PASSWORD is unset: nobody can log in, and the login page says how to turn it on. */
export function adminEnabled(): boolean {
  return config.ADMIN_PASSWORD !== undefined;
}

export function adminSession(): Promise<Session | null> {
  return cookie.read();
}

/** For admin pages and layouts: the session, or a redirect to the login. */
export async function requireAdmin(): Promise<Session> {
  const session = await adminSession();
  if (!session) redirect(LOGIN_PATH);
  return session;
}

export type Refused = { status: 'refused'; message: string };

export const NOT_SIGNED_IN: Refused = {
  status: 'refused',
  message: 'You are not logged in (or your session has ended), so nothing was done. Log in and try again.',
};

/** For admin server actions: runs `act` only with a session, checked on every call. */
export function adminAction<Args extends unknown[], Result>(
  act: (...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result | Refused> {
  return async (...args) => ((await adminSession()) ? act(...args) : NOT_SIGNED_IN);
}

export function startSession(): Promise<void> {
  return cookie.start();
}

export function endSession(): Promise<void> {
  return cookie.end();
}
