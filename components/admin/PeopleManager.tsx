'use client';

import { useActionState } from 'react';
import { managePeople, type PeopleState } from '@/lib/accounts/people-actions';
import { Field } from './Field';
import { SubmitButton } from '@/components/SubmitButton';

export interface PersonRow {
  id: number;
  name: string;
  email: string;
  role: 'owner' | 'editor' | 'author';
  roleName: string;
  since: string;
  removed: boolean;
  sessions: number;
  posts: number;
}

export interface InvitationRow {
  id: number;
  email: string;
  roleName: string;
  expires: string;
}

/** The owner's page: who has an account, the invitations out, and whether authors need review. */
export function PeopleManager({
  people,
  invitations,
  review,
}: {
  people: readonly PersonRow[];
  invitations: readonly InvitationRow[];
  review: boolean;
}) {
  const [state, action, pending] = useActionState<PeopleState, FormData>(managePeople, { status: 'idle' });
  const invalid = state.status === 'invalid' ? state : null;
  return (
    <>
      <div role="status" aria-live="polite">
        {state.status === 'done' && <p>{state.message}</p>}
        {state.status === 'invited' && (
          <div className="invitation-link">
            <p>
              Send this link to {state.email}. It makes them {state.role === 'editor' ? 'an editor' : 'an author'},
              works once, for 7 days{state.mailed ? '. It is on its way to them by e-mail too' : ''}:
            </p>
            <p>
              <input
                aria-label="Invitation link"
                readOnly
                value={state.url}
                size={Math.min(state.url.length, 80)}
                onFocus={(event) => event.currentTarget.select()}
              />
            </p>
          </div>
        )}
      </div>
      {(state.status === 'failed' || state.status === 'refused') && <p role="alert">{state.message}</p>}

      <section aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite someone</h2>
        <form action={action}>
          <Field
            id="invite-email"
            name="email"
            label="Their e-mail"
            type="email"
            defaultValue={invalid?.values.email}
            errors={invalid?.errors.email}
          />
          <div className="field">
            <label htmlFor="invite-role">Role</label>
            <select id="invite-role" name="role" defaultValue={invalid?.values.role ?? 'author'}>
              <option value="author">Author: writes their own posts</option>
              <option value="editor">Editor: every post and comment, not people</option>
            </select>
            {invalid?.errors.role && (
              <p className="field-error" role="alert">
                {invalid.errors.role[0]}
              </p>
            )}
          </div>
          <input type="hidden" name="intent" value="invite" />
          <SubmitButton pending={pending} label="Make an invitation link" busy="Making the link…" />
        </form>
      </section>

      <section aria-labelledby="review-heading">
        <h2 id="review-heading">Review</h2>
        <form action={action}>
          <input type="hidden" name="intent" value="review" />
          <label>
            <input type="checkbox" name="review" defaultChecked={review} /> Authors need an editor to publish
          </label>{' '}
          <button type="submit" disabled={pending}>
            Save
          </button>
        </form>
      </section>

      <section aria-labelledby="people-heading">
        <h2 id="people-heading">People</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Posts</th>
              <th scope="col">Sessions</th>
              <th scope="col">Since</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {people.map((person) => (
              <tr key={person.id} aria-label={person.name}>
                <td>{person.name}</td>
                <td>{person.email}</td>
                <td>{person.removed ? 'Removed' : person.roleName}</td>
                <td>{person.posts}</td>
                <td>{person.sessions}</td>
                <td>{person.since}</td>
                <td>
                  {person.role !== 'owner' && !person.removed && (
                    <form action={action}>
                      <input type="hidden" name="person" value={person.id} />
                      <button
                        type="submit"
                        name="intent"
                        value={person.role === 'author' ? 'editor' : 'author'}
                        disabled={pending}
                      >
                        Make {person.role === 'author' ? 'editor' : 'author'}
                      </button>{' '}
                      <button type="submit" name="intent" value="sign-out" disabled={pending}>
                        Sign out everywhere
                      </button>{' '}
                      <button type="submit" name="intent" value="remove" disabled={pending}>
                        Remove
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {invitations.length > 0 && (
        <section aria-labelledby="invitations-heading">
          <h2 id="invitations-heading">Invitations not yet used</h2>
          <ul>
            {invitations.map((invitation) => (
              <li key={invitation.id}>
                {invitation.email} as {invitation.roleName.toLowerCase()}, until {invitation.expires}{' '}
                <form action={action} className="inline-form">
                  <input type="hidden" name="person" value={invitation.id} />
                  <button type="submit" name="intent" value="withdraw" disabled={pending}>
                    Withdraw
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
