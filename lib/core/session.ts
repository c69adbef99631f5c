import { createHash, scryptSync, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/*
 * The site's signed sessions — the admin's and the statistics' — as pure functions of their inputs
 * (kind, password, key, clock), so that expiry and the password check are tested without a server.
 * The cookies that carry them are in ./session-cookie.ts.
 *
 * A session is a JWT signed with HS256 (jose): it says only "<kind>, until <exp>". Nothing is
 * stored on the server, so logging out removes the cookie from the browser that asks; a copied
 * cookie stays valid until it expires, and changing the password ends every session at once.
 */

export interface SessionKind {
  /**
   * In the token's issuer and in its key's salt: a session of one kind never opens another, even
   * if an operator gives both the same password.
   */
  name: 'admin' | 'stats';
  lifetimeSeconds: number;
}

export const ADMIN_SESSION: SessionKind = { name: 'admin', lifetimeSeconds: 12 * 3600 };
export const STATS_SESSION: SessionKind = { name: 'stats', lifetimeSeconds: 12 * 3600 };

export interface Session {
  /** When the session ends (seconds since the epoch). */
  expiresAt: number;
}

const issuer = (kind: SessionKind) => `freshpress-${kind.name}`;

/**
 * Both sides are hashed first: timingSafeEqual needs equal lengths, and comparing the raw strings'
 * lengths would tell a guesser how long the password is.
 */
export function passwordMatches(candidate: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(candidate), digest(expected));
}

/**
 * The signing key, derived from the kind's password rather than read from a variable of its own:
 * one setting less to get wrong, and a new password ends every session, which is what an operator
 * who changes it after a leak wants. Through scrypt, not a plain hash: a signed cookie is a
 * known plaintext with its MAC, so a stolen one lets a password be guessed offline, and scrypt
 * makes each guess cost what a login would not.
 */
export function sessionKey(kind: SessionKind, password: string): Uint8Array {
  return new Uint8Array(scryptSync(password, `freshpress-${kind.name}-session-v1`, 32));
}

export async function sealSession(kind: SessionKind, key: Uint8Array, now: Date): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(issuer(kind))
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + kind.lifetimeSeconds)
    .sign(key);
}

/** The session a cookie holds, or null: missing, forged, of another kind or key, or expired at `now`. */
export async function openSession(
  kind: SessionKind,
  token: string | undefined,
  key: Uint8Array,
  now: Date,
): Promise<Session | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: issuer(kind),
      currentDate: now,
      requiredClaims: ['exp'],
    });
    return { expiresAt: payload.exp! };
  } catch {
    return null;
  }
}
