'use client';

import { useActionState } from 'react';
import { unlockStats, type UnlockState } from '@/lib/stats/actions';
import { PasswordField } from '@/components/PasswordField';
import { SubmitButton } from '@/components/SubmitButton';

export function StatsLogin() {
  const [state, action, pending] = useActionState<UnlockState, FormData>(unlockStats, { status: 'idle' });
  return (
    <section className="comment-form" aria-labelledby="stats-login-heading">
      <h1 id="stats-login-heading">Cache statistics</h1>
      <p>These statistics are protected. Enter the statistics password to see them.</p>
      <form action={action}>
        <PasswordField id="stats-password" error={state.status === 'refused' ? state.message : null} />
        <SubmitButton pending={pending} label="Show statistics" busy="Checking…" />
      </form>
    </section>
  );
}
