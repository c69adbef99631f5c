'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { CLIENT_HEADER } from '@/lib/core/client-address';
import { admitLogin, describeWait } from '@/lib/core/flood-control';
import { statsPasswordMatches, statsSession } from '@/lib/stats/access';

export type UnlockState = { status: 'idle' } | { status: 'refused'; message: string };

export async function unlockStats(_previous: UnlockState, form: FormData): Promise<UnlockState> {
  // The admin login's limit, counted before the password is looked at, right or wrong: a guesser
  // learns nothing from it, and the two forms share one allowance per client.
  const admission = await admitLogin((await headers()).get(CLIENT_HEADER) ?? 'unknown');
  if (!admission.admitted) {
    return {
      status: 'refused',
      message: `Too many attempts. Please wait ${describeWait(admission.retryAfterSeconds)} and try again.`,
    };
  }
  const password = form instanceof FormData ? form.get('password') : null;
  if (typeof password !== 'string' || !statsPasswordMatches(password))
    return { status: 'refused', message: 'That password is not right.' };
  await statsSession.start();
  redirect('/stats');
}
