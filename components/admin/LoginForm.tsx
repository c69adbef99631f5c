'use client';

import { useActionState } from 'react';
import { logIn, type LoginState } from '@/lib/admin/session-actions';
import { PasswordField } from '@/components/PasswordField';
import { SubmitButton } from '@/components/SubmitButton';

export function LoginForm() {
  const [state, action, pending] = useActionState<LoginState, FormData>(logIn, { status: 'idle' });
  return (
    <section className="comment-form" aria-labelledby="admin-login-heading">
      <h1 id="admin-login-heading">Log in to the admin</h1>
      <form action={action}>
        <PasswordField id="admin-password" error={state.status === 'wrong' ? state.message : null} />
        <div className="form-status" role="status" aria-live="polite">
          {state.status === 'failed' && <p className="error">{state.message}</p>}
        </div>
        <SubmitButton pending={pending} label="Log in" busy="Checking…" />
      </form>
    </section>
  );
}
