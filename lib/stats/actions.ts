'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { accessCookieValue, passwordMatches, STATS_COOKIE } from '@/lib/stats/access';

export type UnlockState = { status: 'idle' } | { status: 'wrong' };

export async function unlockStats(_previous: UnlockState, form: FormData): Promise<UnlockState> {
  const password = form.get('password');
  if (typeof password !== 'string' || !passwordMatches(password)) return { status: 'wrong' };
  (await cookies()).set(STATS_COOKIE, accessCookieValue(), {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: 30 * 86_400,
  });
  redirect('/stats');
}
