import { createHash, scryptSync, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/*
 * The admin session as pure functions of their inputs (password, key, clock), so that expiry and
 * the password check are tested without a server. The cookie handling is in ./auth.ts.
 *
 * The session is a JWT signed with HS256 (jose): it says only "the admin, until <exp>". Nothing is
 * stored on the server, so logging out removes the cookie from the browser that asks; a copied
 * cookie stays valid until it expires, and changing ADMIN_PASSWORD ends every session at once.
 */

export const SESSION_LIFETIME_SECONDS = 12 * 3600;

const ISSUER = 'freshpress-admin';

export interface AdminSession {
  /** When the session ends (seconds since the epoch). */
  expiresAt: number;
}

/**
 * Both sides are hashed first: timingSafeEqual needs equal lengths, and comparing the raw strings'
 * lengths would tell a guesser how long the password is.
 */
export function passwordMatches(candidate: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(candidate), digest(expected));
}

/**
 * The signing key, derived from ADMIN_PASSWORD rather than read from a variable of its own: one
 * setting less to get wrong, and a new password ends every session, which is what an operator
 * who changes it after a leak wants. Through scrypt, not a plain hash: a signed cookie is a
 * known plaintext with its MAC, so a stolen one lets a password be guessed offline, and scrypt
 * makes each guess cost what a login would not.
 */
export function sessionKey(password: string): Uint8Array {
  return new Uint8Array(scryptSync(password, 'freshpress-admin-session-v1', 32));
}

export async function sealSession(key: Uint8Array, now: Date): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + SESSION_LIFETIME_SECONDS)
    .sign(key);
}

/** The session a cookie holds, or null: missing, forged, signed with another key, or expired at `now`. */
export async function openSession(token: string | undefined, key: Uint8Array, now: Date): Promise<AdminSession | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      currentDate: now,
      requiredClaims: ['exp'],
    });
    return { expiresAt: payload.exp! };
  } catch {
    return null;
  }
}
