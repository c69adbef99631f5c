'use client';

import { useActionState } from 'react';
import { unlockStats, type UnlockState } from '@/lib/actions/stats';

export function StatsLogin() {
  const [state, action, pending] = useActionState<UnlockState, FormData>(unlockStats, { status: 'idle' });
  return (
    <section className="comment-form" aria-labelledby="stats-login-heading">
      <h1 id="stats-login-heading">Cache statistics</h1>
      <p>These statistics are protected. Enter the statistics password to see them.</p>
      <form action={action}>
        <div className="field">
          <label htmlFor="stats-password">Password</label>
          <input
            id="stats-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            aria-invalid={state.status === 'wrong' ? true : undefined}
            aria-describedby={state.status === 'wrong' ? 'stats-password-error' : undefined}
          />
          {state.status === 'wrong' && (
            <p className="field-error" id="stats-password-error" role="alert">
              That password is not right.
            </p>
          )}
        </div>
        <button type="submit" disabled={pending}>
          {pending ? 'Checking…' : 'Show statistics'}
        </button>
      </form>
    </section>
  );
}
