import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { COMMON_PASSWORDS } from './common-passwords';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './limits';

/*
 * Account passwords: scrypt from node:crypto (memory-hard, no native addon to build), stored as
 * `scrypt$N$r$p$salt$hash` so the parameters can be raised later without locking anyone out.
 */

export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH };

/**
 * The password of an account made by an import: not a hash, so verifyPassword matches nothing
 * against it. The person gets in through an invitation to the same address, which claims the
 * account (lib/accounts/links.ts).
 */
export const NO_PASSWORD = 'none:imported';

/** 2^15 × 8 × 128 B = 32 MiB per hash, ~100 ms on this machine: a login's cost, a guesser's wall. */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash no password matches, checked against when an address is unknown so both cost the same. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(32).toString('base64url'));
  return decoy;
}

/** Why a new password will not do, or null: long enough, not a common one, not the person's own name or address. */
export function passwordProblem(password: string, person: { email?: string; name?: string } = {}): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `Use at least ${MIN_PASSWORD_LENGTH} characters: a few unrelated words make a good one.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const folded = password.toLowerCase();
  if (COMMON_PASSWORDS.has(folded) || COMMON_PASSWORDS.has(folded.replace(/[\d!@#$%^&*.?_-]+$/, '')))
    return 'That password is one of the most common ones; guessers try those first. Choose another.';
  const own = [person.email?.toLowerCase(), person.email?.toLowerCase().split('@')[0], person.name?.toLowerCase()];
  if (own.some((text) => text !== undefined && text.length >= 4 && folded.includes(text)))
    return 'That password contains your name or e-mail address. Choose another.';
  if (new Set(folded).size <= 3) return 'That password repeats too few characters. Choose another.';
  return null;
}
