'use client';

import { useActionState } from 'react';
import { manageOwnSessions, type SessionsState } from '@/lib/accounts/people-actions';

export interface SessionEntry {
  id: string;
  current: boolean;
  browser: string;
  address: string;
  started: string;
  lastSeen: string;
}

/** A person's own sessions, this browser's marked, each of which can be ended. */
export function SessionList({ sessions }: { sessions: readonly SessionEntry[] }) {
  const [state, action, pending] = useActionState<SessionsState, FormData>(manageOwnSessions, { status: 'idle' });
  return (
    <form action={action}>
      <div role="status" aria-live="polite">
        {state.status === 'done' && <p>{state.message}</p>}
      </div>
      {state.status === 'refused' && <p role="alert">{state.message}</p>}
      <ul aria-label="Sessions">
        {sessions.map((session) => (
          <li key={session.id}>
            {session.browser || 'Unknown browser'}
            {session.address && ` from ${session.address}`}, signed in {session.started}, last seen {session.lastSeen}
            {session.current ? (
              ' (this browser)'
            ) : (
              <>
                {' '}
                <button type="submit" name="session" value={session.id} disabled={pending}>
                  End this session
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {sessions.length > 1 && (
        <button type="submit" name="session" value="others" disabled={pending}>
          End every other session
        </button>
      )}
    </form>
  );
}
