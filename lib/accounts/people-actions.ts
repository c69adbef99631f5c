'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import {
  changeRole,
  deleteSession,
  deleteSessionsOf,
  removeAccount,
  withdrawInvitation,
  writeSetting,
} from '@/db/accounts';
import { adminActionWho, REVIEW_SETTING } from '@/lib/admin/auth';
import { config } from '@/lib/core/config';
import { redactError } from '@/lib/core/redact';
import { queueMail } from '@/db/mail';
import { invitationMail } from '@/lib/mail/messages';
import { createInvitation } from './links';
import { mayManagePeople } from './roles';

/*
 * The owner's People page and everyone's own sessions. Every action checks the role itself
 * (adminActionWho): a server action can be called from anywhere with its id.
 */

export type PeopleState =
  | { status: 'idle' }
  /** `mailed`: the link is on its way by mail too (SMTP_URL is set); without it, /admin/mail shows the mail unsent. */
  | { status: 'invited'; email: string; role: string; url: string; mailed: boolean }
  | { status: 'invalid'; errors: Partial<Record<'email' | 'role', string[]>>; values: { email: string; role: string } }
  | { status: 'done'; message: string }
  | { status: 'failed'; message: string }
  | { status: 'refused'; message: string };

const text = (form: FormData, name: string) => {
  const value = form instanceof FormData ? form.get(name) : null;
  return typeof value === 'string' ? value : '';
};

const Invitation = z.object({
  email: z
    .email('That e-mail address looks wrong.')
    .max(254)
    .transform((email) => email.toLowerCase()),
  role: z.enum(['editor', 'author'], 'Choose editor or author.'),
});

const personId = (form: FormData) => {
  const id = Number(text(form, 'person'));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
};

export const managePeople = adminActionWho(
  mayManagePeople,
  async (session, _previous: PeopleState, form: FormData): Promise<PeopleState> => {
    const intent = text(form, 'intent');
    try {
      switch (intent) {
        case 'invite': {
          const values = { email: text(form, 'email').trim(), role: text(form, 'role') };
          const parsed = Invitation.safeParse(values);
          if (!parsed.success) return { status: 'invalid', errors: z.flattenError(parsed.error).fieldErrors, values };
          const url = await createInvitation({ ...parsed.data, invitedBy: session.accountId });
          await queueMail(invitationMail(parsed.data.email, parsed.data.role, url, session.account?.name ?? null));
          revalidatePath('/admin/people');
          return {
            status: 'invited',
            email: parsed.data.email,
            role: parsed.data.role,
            url,
            mailed: config.SMTP_URL !== undefined,
          };
        }
        case 'review': {
          const on = text(form, 'review') === 'on';
          await writeSetting(REVIEW_SETTING, on);
          revalidatePath('/admin/people');
          return {
            status: 'done',
            message: on ? 'Authors now need an editor to publish.' : 'Authors now publish their own posts.',
          };
        }
      }
      const id = personId(form);
      if (id === null) return { status: 'failed', message: 'Choose a person first.' };
      let done: boolean;
      let message: string;
      if (intent === 'withdraw') {
        done = await withdrawInvitation(id);
        message = 'The invitation was withdrawn; its link no longer works.';
      } else if (intent === 'remove') {
        done = await removeAccount(id);
        message = 'The person was removed and signed out everywhere. Their posts keep their byline.';
      } else if (intent === 'sign-out') {
        await deleteSessionsOf(id, null);
        done = true;
        message = 'Every session of that person has ended.';
      } else if (intent === 'editor' || intent === 'author') {
        done = await changeRole(id, intent);
        message = `The person is now ${intent === 'editor' ? 'an editor' : 'an author'}.`;
      } else {
        return { status: 'failed', message: 'That is not something this page does.' };
      }
      revalidatePath('/admin/people');
      return done
        ? { status: 'done', message }
        : { status: 'failed', message: 'Nothing changed: that was already done.' };
    } catch (error) {
      console.error('[admin] changing people failed', redactError(error));
      return { status: 'failed', message: 'Nothing was changed; please try again in a minute.' };
    }
  },
);

export type SessionsState =
  { status: 'idle' } | { status: 'done'; message: string } | { status: 'refused'; message: string };

/** A person's own sessions: end one, or every one but this browser's. */
export const manageOwnSessions = adminActionWho(
  (actor) => actor.accountId !== null,
  async (session, _previous: SessionsState, form: FormData): Promise<SessionsState> => {
    const account = session.account!;
    const which = text(form, 'session');
    if (which === 'others') {
      const ended = await deleteSessionsOf(account.id, session.sessionId);
      revalidatePath('/admin/account');
      return { status: 'done', message: `${ended} other session${ended === 1 ? '' : 's'} ended.` };
    }
    const ended = await deleteSession(account.id, which);
    revalidatePath('/admin/account');
    return { status: 'done', message: ended ? 'That session has ended.' : 'That session had already ended.' };
  },
);
