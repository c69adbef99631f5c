'use client';

import { useActionState } from 'react';
import { logIn, type LoginState } from '@/lib/admin/session-actions';
import { Field } from '@/components/admin/Field';
import { PasswordField } from '@/components/PasswordField';
import { SubmitButton } from '@/components/SubmitButton';

/**
 * `accounts`: people have accounts, so the form asks for an address; `sharedPassword`: the shared
 * ADMIN_PASSWORD also opens the admin, with the address left empty.
 */
export function LoginForm({ accounts, sharedPassword }: { accounts: boolean; sharedPassword: boolean }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(logIn, { status: 'idle' });
  return (
    <section className="comment-form" aria-labelledby="admin-login-heading">
      <h1 id="admin-login-heading">Log in to the admin</h1>
      <form action={action}>
        {accounts && (
          <Field
            id="admin-email"
            name="email"
            label="E-mail"
            type="email"
            autoComplete="username"
            required={!sharedPassword}
            hint={sharedPassword ? 'Leave it empty to log in with the shared admin password.' : undefined}
          />
        )}
        <PasswordField id="admin-password" error={state.status === 'wrong' ? state.message : null} />
        <div className="form-status" role="status" aria-live="polite">
          {state.status === 'failed' && <p className="error">{state.message}</p>}
        </div>
        <SubmitButton pending={pending} label="Log in" busy="Checking…" />
      </form>
    </section>
  );
}
