import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { databaseCode } from '@/db/errors';
import {
  claimImportedAccount,
  claimLink,
  closeSetupLinks,
  findLink,
  insertAccount,
  insertLink,
  lockSetup,
  ownerExists,
  type Account,
  type LinkRow,
} from '@/db/accounts';
import type { UserRole } from '@/db/schema';
import { config, siteUrl } from '@/lib/core/config';
import { hashPassword, MAX_PASSWORD_LENGTH, NO_PASSWORD, passwordProblem } from './passwords';

/*
 * One-use links that create an account: the owner's first-run setup (printed by the server when
 * nobody can sign in) and the owner's invitations. Only the token's SHA-256 is stored; a link
 * works once, until it expires, and the setup link never once an owner exists.
 */

export const LINK_LIFETIME_MS = 24 * 3600 * 1000;
export const INVITATION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const newToken = () => randomBytes(24).toString('base64url');

export const setupUrl = (token: string) => `${siteUrl}/admin/setup?token=${token}`;
export const joinUrl = (token: string) => `${siteUrl}/admin/join?token=${token}`;

/**
 * A setup address when nobody can sign in (no owner, no ADMIN_PASSWORD); null otherwise. Each
 * call makes a new one: the line a server printed works until it is used or a day has passed.
 */
export async function offerSetup(now = new Date()): Promise<string | null> {
  if (config.ADMIN_PASSWORD !== undefined || (await ownerExists())) return null;
  const token = newToken();
  await insertLink({
    tokenHash: tokenHash(token),
    email: null,
    role: 'owner',
    invitedBy: null,
    expiresAt: new Date(now.getTime() + LINK_LIFETIME_MS),
  });
  return setupUrl(token);
}

export type LinkKind = 'setup' | 'invitation';

/** The link a token names, if it can still be used for `kind`. */
export async function openLink(token: string | undefined, kind: LinkKind, now = new Date()): Promise<LinkRow | null> {
  if (!token || token.length > 100) return null;
  const link = await findLink(tokenHash(token));
  if (!link || link.acceptedAt !== null || link.expiresAt <= now) return null;
  if ((link.role === 'owner') !== (kind === 'setup')) return null;
  if (kind === 'setup' && (await ownerExists())) return null;
  return link;
}

export async function createInvitation(
  invitation: { email: string; role: Exclude<UserRole, 'owner'>; invitedBy: number | null },
  now = new Date(),
): Promise<string> {
  const token = newToken();
  await insertLink({
    tokenHash: tokenHash(token),
    ...invitation,
    expiresAt: new Date(now.getTime() + INVITATION_LIFETIME_MS),
  });
  return joinUrl(token);
}

export const AccountInput = z.object({
  name: z.string().trim().min(1, 'Please give your name.').max(80, 'Use at most 80 characters.'),
  email: z
    .email('That e-mail address looks wrong.')
    .max(254)
    .transform((email) => email.toLowerCase()),
  password: z.string().max(MAX_PASSWORD_LENGTH + 1),
});

export type AccountField = 'name' | 'email' | 'password';
export type AcceptResult =
  | { status: 'created'; account: Account }
  | { status: 'invalid'; errors: Partial<Record<AccountField, string[]>> }
  | { status: 'gone' };

/**
 * Creates the account a link offers and uses the link up, in one transaction: of two browsers
 * racing with one link, one gets the account and the other is told the link is used.
 */
export async function acceptLink(
  token: string,
  kind: LinkKind,
  input: { name: unknown; email: unknown; password: unknown },
  now = new Date(),
): Promise<AcceptResult> {
  const link = await openLink(token, kind, now);
  if (!link) return { status: 'gone' };
  const parsed = AccountInput.safeParse(link.email ? { ...input, email: link.email } : input);
  if (!parsed.success) return { status: 'invalid', errors: z.flattenError(parsed.error).fieldErrors };
  const problem = passwordProblem(parsed.data.password, parsed.data);
  if (problem) return { status: 'invalid', errors: { password: [problem] } };
  const passwordHash = await hashPassword(parsed.data.password);
  try {
    return await getDb().transaction(async (tx) => {
      if (link.role === 'owner') await lockSetup(tx);
      if (!(await claimLink(link.id, now, tx))) return { status: 'gone' } as const;
      const values = { name: parsed.data.name, email: parsed.data.email, role: link.role, passwordHash };
      // An account an import made (lib/moving/import.ts) becomes the person's, with the posts it
      // wrote, through an invitation naming its address, or the owner's setup (whoever holds that
      // link owns the blog anyway): a moved blog's owner gets their own account back.
      const claimable = kind === 'setup' || link.email !== null;
      const account =
        (claimable ? await claimImportedAccount(parsed.data.email, NO_PASSWORD, values, tx) : null) ??
        (await insertAccount(values, tx));
      if (link.role === 'owner') await closeSetupLinks(now, tx);
      return { status: 'created', account } as const;
    });
  } catch (error) {
    if (databaseCode(error) !== '23505') throw error;
    // users_one_owner: another setup link made the owner first; users_email_key: the address is taken.
    if (kind === 'setup' && (await ownerExists())) return { status: 'gone' };
    return { status: 'invalid', errors: { email: ['An account with that e-mail address exists already.'] } };
  }
}
