'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import type { AccountFormState } from '@/lib/accounts/actions';
import { MIN_PASSWORD_LENGTH } from '@/lib/accounts/limits';
import { Field } from './Field';
import { SubmitButton } from '@/components/SubmitButton';

/** The form of a one-use link: the owner's setup, or an invited person's account. */
export function AccountForm({
  action,
  heading,
  intro,
  email,
  submit,
}: {
  action: (previous: AccountFormState, form: FormData) => Promise<AccountFormState>;
  heading: string;
  intro: string;
  /** The address an invitation was sent to: shown, not editable. */
  email: string | null;
  submit: string;
}) {
  const [state, formAction, pending] = useActionState<AccountFormState, FormData>(action, { status: 'idle' });
  if (state.status === 'gone') return <LinkGone />;
  const values = state.status === 'invalid' || state.status === 'failed' ? state.values : { name: '', email: '' };
  const errors = state.status === 'invalid' ? state.errors : {};
  return (
    <section className="comment-form" aria-labelledby="account-heading">
      <h1 id="account-heading">{heading}</h1>
      <p>{intro}</p>
      <form action={formAction}>
        <Field
          id="account-name"
          name="name"
          label="Name"
          autoComplete="name"
          defaultValue={values.name}
          errors={errors.name}
        />
        <Field
          id="account-email"
          name="email"
          label="E-mail"
          type="email"
          autoComplete="username"
          defaultValue={email ?? values.email}
          readOnly={email !== null}
          errors={errors.email}
        />
        <Field
          id="account-password"
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters, not one of the common ones.`}
          errors={errors.password}
        />
        <div className="form-status" role="status" aria-live="polite">
          {state.status === 'failed' && <p className="error">{state.message}</p>}
        </div>
        <SubmitButton pending={pending} label={submit} busy="Creating the account…" />
      </form>
    </section>
  );
}

export function LinkGone() {
  return (
    <section aria-labelledby="link-gone-heading">
      <h1 id="link-gone-heading">This link no longer works</h1>
      <p>It has been used, it has expired, or it was never valid. Links to create an account work once.</p>
      <p>
        Ask the blog&rsquo;s owner for a new invitation, or <Link href="/admin/login">log in</Link> if you have an
        account.
      </p>
    </section>
  );
}
