'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { adminAction, endSession, LOGIN_PATH, startSession } from '@/lib/admin/auth';
import { passwordMatches } from '@/lib/core/session';
import { CLIENT_HEADER } from '@/lib/core/client-address';
import { config } from '@/lib/core/config';
import { admitLogin, describeWait } from '@/lib/core/flood-control';

export type LoginState =
  { status: 'idle' } | { status: 'wrong'; message: string } | { status: 'failed'; message: string };

export async function logIn(_previous: LoginState, form: FormData): Promise<LoginState> {
  if (config.ADMIN_PASSWORD === undefined)
    return { status: 'failed', message: 'The admin is off: ADMIN_PASSWORD is not set.' };
  // Counted before the password is looked at, right or wrong: a guesser learns nothing from the limit.
  const admission = await admitLogin((await headers()).get(CLIENT_HEADER) ?? 'unknown');
  if (!admission.admitted) {
    return {
      status: 'failed',
      message: `Too many login attempts. Please wait ${describeWait(admission.retryAfterSeconds)} and try again.`,
    };
  }
  const password = form instanceof FormData ? form.get('password') : null;
  if (typeof password !== 'string' || !passwordMatches(password, config.ADMIN_PASSWORD)) {
    return { status: 'wrong', message: 'That password is not right.' };
  }
  await startSession();
  redirect('/admin');
}

export type LogoutState = { status: 'idle' } | { status: 'refused'; message: string };

export const logOut = adminAction(async (_previous: LogoutState, _form: FormData): Promise<LogoutState> => {
  await endSession();
  redirect(LOGIN_PATH);
});
