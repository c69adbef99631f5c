import 'server-only';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { config, siteUrl } from '@/lib/core/config';
import { openSession, sealSession, sessionKey, SESSION_LIFETIME_SECONDS, type AdminSession } from './session';

/*
 * Who may use the admin pages. `adminSession()` is the one check: every admin page calls
 * `requireAdmin()` and every admin server action is wrapped in `adminAction()`, both of which
 * ask it. A page's check alone would not do: a server action is an endpoint of its own that
 * anyone can call with its id, whatever page it was taken from. The bearer-token API
 * (lib/admin/api.ts) is for scripts and keeps its own check.
 */

export const LOGIN_PATH = '/admin/login';

// Sent to /admin only: the public pages never receive it, so nothing about them changes with a login.
const COOKIE = { name: 'freshpress_admin', path: '/admin' } as const;

type Key = { password: string; key: Uint8Array };
let derived: Key | null = null;

function key(password: string): Uint8Array {
  if (derived?.password !== password) derived = { password, key: sessionKey(password) };
  return derived.key;
}

/** False when ADMIN_PASSWORD is unset: nobody can log in, and the login page says how to turn it on. */
export function adminEnabled(): boolean {
  return config.ADMIN_PASSWORD !== undefined;
}

export async function adminSession(): Promise<AdminSession | null> {
  if (config.ADMIN_PASSWORD === undefined) return null;
  return openSession((await cookies()).get(COOKIE.name)?.value, key(config.ADMIN_PASSWORD), new Date());
}

/** For admin pages and layouts: the session, or a redirect to the login. */
export async function requireAdmin(): Promise<AdminSession> {
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

/**
 * Secure whenever the visitor's browser speaks HTTPS: the site's public address says so, or the
 * proxy that ended TLS does. A browser refuses to send a Secure cookie over plain http, so on
 * http://localhost the flag would lock the admin out.
 */
async function secure(): Promise<boolean> {
  return siteUrl.startsWith('https:') || (await headers()).get('x-forwarded-proto') === 'https';
}

export async function startSession(): Promise<void> {
  if (config.ADMIN_PASSWORD === undefined) return;
  (await cookies()).set(COOKIE.name, await sealSession(key(config.ADMIN_PASSWORD), new Date()), {
    path: COOKIE.path,
    httpOnly: true,
    sameSite: 'strict',
    secure: await secure(),
    maxAge: SESSION_LIFETIME_SECONDS,
  });
}

export async function endSession(): Promise<void> {
  (await cookies()).delete({
    name: COOKIE.name,
    path: COOKIE.path,
    httpOnly: true,
    sameSite: 'strict',
    secure: await secure(),
  });
}
