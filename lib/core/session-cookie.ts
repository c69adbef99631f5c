import 'server-only';
import { cookies, headers } from 'next/headers';
import { siteUrl } from './config';
import { openSession, sealSession, sessionKey, type Session, type SessionKind } from './session';

/*
 * The cookie that carries a session (./session.ts): HttpOnly, SameSite, Max-Age of the session's
 * lifetime, Secure whenever the visitor's browser speaks HTTPS. The admin and the statistics each
 * make one here; nothing else writes a session cookie.
 */

export interface SessionCookieSpec {
  kind: SessionKind;
  name: string;
  path: string;
  sameSite: 'strict' | 'lax';
  /** The kind's password as configured; undefined: the kind is off, and no cookie opens it. */
  password: () => string | undefined;
}

export interface SessionCookie {
  /** The session the request's cookie holds, or null. */
  read(): Promise<Session | null>;
  /** Sets a new session's cookie on the response (a server action's or a route handler's). */
  start(): Promise<void>;
  end(): Promise<void>;
}

/**
 * Secure whenever the visitor's browser speaks HTTPS: the site's public address says so, or the
 * proxy that ended TLS does. A browser refuses to send a Secure cookie over plain http, so on
 * http://localhost the flag would lock the visitor out.
 */
async function secure(): Promise<boolean> {
  return siteUrl.startsWith('https:') || (await headers()).get('x-forwarded-proto') === 'https';
}

/** What every session cookie is sent with: the account sessions' (lib/accounts/sessions.ts) as well. */
export async function sessionCookieAttributes(path: string, sameSite: 'strict' | 'lax') {
  return { path, httpOnly: true, sameSite, secure: await secure() };
}

export function sessionCookie(spec: SessionCookieSpec): SessionCookie {
  // scrypt is slow on purpose (./session.ts): derived once per password, not on every request.
  let derived: { password: string; key: Uint8Array } | null = null;
  const key = (password: string) => {
    if (derived?.password !== password) derived = { password, key: sessionKey(spec.kind, password) };
    return derived.key;
  };
  const attributes = () => sessionCookieAttributes(spec.path, spec.sameSite);
  return {
    async read() {
      const password = spec.password();
      if (password === undefined) return null;
      return openSession(spec.kind, (await cookies()).get(spec.name)?.value, key(password), new Date());
    },
    async start() {
      const password = spec.password();
      if (password === undefined) return;
      const token = await sealSession(spec.kind, key(password), new Date());
      (await cookies()).set(spec.name, token, { ...(await attributes()), maxAge: spec.kind.lifetimeSeconds });
    },
    async end() {
      (await cookies()).delete({ name: spec.name, ...(await attributes()) });
    },
  };
}
