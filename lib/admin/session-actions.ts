'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { findAccountByEmail } from '@/db/accounts';
import { adminAction, endSession, LOGIN_PATH, startPasswordSession } from '@/lib/admin/auth';
import { decoyHash, verifyPassword } from '@/lib/accounts/passwords';
import { startAccountSession } from '@/lib/accounts/sessions';
import { passwordMatches } from '@/lib/core/session';
import { CLIENT_HEADER } from '@/lib/core/client-address';
import { config } from '@/lib/core/config';
import { admitLogin, describeWait } from '@/lib/core/flood-control';

export type LoginState =
  { status: 'idle' } | { status: 'wrong'; message: string } | { status: 'failed'; message: string };

const text = (form: FormData, name: string) => {
  const value = form instanceof FormData ? form.get(name) : null;
  return typeof value === 'string' ? value : '';
};

/**
 * With an e-mail address, a person's account; without one, the shared ADMIN_PASSWORD where it is
 * set. Either way the same message for a wrong address or a wrong password, and the same time:
 * an unknown address is checked against a decoy hash, so the answer does not tell who has an account.
 */
export async function logIn(_previous: LoginState, form: FormData): Promise<LoginState> {
  // Counted before the password is looked at, right or wrong: a guesser learns nothing from the limit.
  const admission = await admitLogin((await headers()).get(CLIENT_HEADER) ?? 'unknown');
  if (!admission.admitted) {
    return {
      status: 'failed',
      message: `Too many login attempts. Please wait ${describeWait(admission.retryAfterSeconds)} and try again.`,
    };
  }
  const email = text(form, 'email').trim().toLowerCase();
  const password = text(form, 'password');
  if (email === '') {
    if (config.ADMIN_PASSWORD === undefined)
      return { status: 'wrong', message: 'Enter the e-mail address of your account.' };
    if (!passwordMatches(password, config.ADMIN_PASSWORD))
      return { status: 'wrong', message: 'That password is not right.' };
    await startPasswordSession();
    redirect('/admin');
  }
  const account = email.length <= 254 ? await findAccountByEmail(email) : null;
  const matches = await verifyPassword(password, account?.passwordHash ?? (await decoyHash()));
  if (!account || !matches) return { status: 'wrong', message: 'That e-mail address and password do not match.' };
  await startAccountSession(account);
  redirect('/admin');
}

export type LogoutState = { status: 'idle' } | { status: 'refused'; message: string };

export const logOut = adminAction(async (_previous: LogoutState, _form: FormData): Promise<LogoutState> => {
  await endSession();
  redirect(LOGIN_PATH);
});
