'use server';

import { redirect } from 'next/navigation';
import { redactError } from '@/lib/core/redact';
import { acceptLink, type AccountField, type LinkKind } from './links';
import { startAccountSession } from './sessions';

export type AccountFormState =
  | { status: 'idle' }
  | { status: 'invalid'; values: { name: string; email: string }; errors: Partial<Record<AccountField, string[]>> }
  | { status: 'gone' }
  | { status: 'failed'; values: { name: string; email: string }; message: string };

const text = (form: FormData, name: string) => {
  const value = form instanceof FormData ? form.get(name) : null;
  return typeof value === 'string' ? value : '';
};

async function accept(kind: LinkKind, token: string, form: FormData): Promise<AccountFormState> {
  const values = { name: text(form, 'name'), email: text(form, 'email') };
  let result;
  try {
    result = await acceptLink(token, kind, { ...values, password: text(form, 'password') });
  } catch (error) {
    console.error(`[admin] creating an account (${kind}) failed`, redactError(error));
    return { status: 'failed', values, message: 'The account could not be created; please try again in a minute.' };
  }
  if (result.status === 'gone') return { status: 'gone' };
  if (result.status === 'invalid') return { status: 'invalid', values, errors: result.errors };
  await startAccountSession(result.account);
  redirect('/admin');
}

/** The owner's first-run setup: the token is bound with .bind on the page, never read from the form. */
export async function setUpBlog(token: string, _previous: AccountFormState, form: FormData) {
  return accept('setup', token, form);
}

export async function joinBlog(token: string, _previous: AccountFormState, form: FormData) {
  return accept('invitation', token, form);
}
