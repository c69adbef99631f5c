'use client';

import { useActionState } from 'react';
import { logOut, type LogoutState } from '@/lib/admin/session-actions';

export function LogoutButton() {
  const [state, action, pending] = useActionState<LogoutState, FormData>(logOut, { status: 'idle' });
  return (
    <form action={action}>
      <button type="submit" disabled={pending}>
        Log out
      </button>
      {state.status === 'refused' && <p role="alert">{state.message}</p>}
    </form>
  );
}
