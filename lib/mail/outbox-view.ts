import type { OutboxMail } from '@/db/mail';
import { config } from '@/lib/core/config';

/*
 * How /admin/mail says where each mail stands.
 */

/** Attempts at one mail before the sender gives up on it (lib/mail/sender.ts). */
export const MAX_ATTEMPTS = 8;

export const mailConfigured = () => config.SMTP_URL !== undefined;

export const minute = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function describeMailState(mail: Pick<OutboxMail, 'sentAt' | 'attempts' | 'lastError' | 'sendAfter'>): string {
  if (mail.sentAt) return `sent ${minute(mail.sentAt)}`;
  if (!mailConfigured()) return 'not sent: no SMTP_URL';
  if (mail.attempts === 0) return 'waiting';
  const failed = `failed ${mail.attempts} time${mail.attempts === 1 ? '' : 's'}: ${mail.lastError ?? 'no reason given'}`;
  return mail.attempts >= MAX_ATTEMPTS ? `${failed}; given up` : `${failed}; next try ${minute(mail.sendAfter)}`;
}
