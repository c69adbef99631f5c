import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { claimDueMail, markMailFailed, markMailSent, type OutboxMail } from '@/db/mail';
import { config, siteUrl } from '@/lib/core/config';
import { redactSecrets, redactUrl } from '@/lib/core/redact';
import { queueModerationNotice } from './notices';
import { MAX_ATTEMPTS } from './outbox-view';

/*
 * The one sender: a loop in each server process that queues the moderation notice when one is due
 * and sends what the outbox holds. Requests only write rows (db/mail.ts), so a slow or unreachable
 * mail server never slows a comment's response. Several processes or hosts share the outbox: each
 * mail is claimed for a while before it is sent. A failure is retried later, each time after a
 * longer wait, and logged with the mail's id and kind only (no address, no password).
 */

export const MAIL_TICK_MS = 2000;
/** A claimed mail that its sender never marked (it died mid-send) is sent again after this. */
const LEASE_MS = 120_000;
const BATCH = 20;

/** 30 s, 1 min, 2 min … up to 1 h between attempts. */
export const retryDelay = (attempts: number) => Math.min(30_000 * 2 ** attempts, 3_600_000);

export function defaultFrom(): string {
  return config.MAIL_FROM ?? `${config.SITE_TITLE} <no-reply@${new URL(siteUrl).hostname}>`;
}

/** SMTP_URL as nodemailer's options, with timeouts: a dead server fails a send in seconds, not minutes. */
export function smtpOptions(smtpUrl: string): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
}

export interface Mailer {
  /** One pass: the moderation notice if due, then every mail due. Resolves when done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Whatever the error says, minus any credential the SMTP URL carries. */
function describeFailure(error: unknown, smtpUrl: string): string {
  let text = error instanceof Error ? error.message : String(error);
  try {
    const { password, username } = new URL(smtpUrl);
    for (const secret of [password, decodeURIComponent(password)].filter((s) => s.length > 0))
      text = text.split(secret).join('***');
    if (username) text = text.split(`${decodeURIComponent(username)}:`).join('***:');
  } catch {
    // An unparsable URL leaves nothing to remove here; redactSecrets still removes URL credentials.
  }
  return redactSecrets(text).slice(0, 500);
}

export function createMailer(
  options: { smtpUrl?: string; from?: string; tickMs?: number; log?: (line: string) => void } = {},
): Mailer {
  const smtpUrl = options.smtpUrl ?? config.SMTP_URL;
  const from = options.from ?? defaultFrom();
  const log = options.log ?? ((line: string) => console.warn(line));
  const transport: Transporter | null = smtpUrl ? nodemailer.createTransport(smtpOptions(smtpUrl)) : null;

  async function send(mail: OutboxMail): Promise<void> {
    try {
      await transport!.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, headers: mail.headers });
      await markMailSent(mail.id);
    } catch (error) {
      const attempts = mail.attempts + 1;
      const retryAt = new Date(Date.now() + retryDelay(mail.attempts));
      const reason = describeFailure(error, smtpUrl!);
      await markMailFailed(mail.id, reason, retryAt).catch(() => undefined);
      log(
        attempts >= MAX_ATTEMPTS
          ? `[mail] gave up on mail ${mail.id} (${mail.kind}) after ${attempts} attempts: ${reason}`
          : `[mail] could not send mail ${mail.id} (${mail.kind}), attempt ${attempts}: ${reason}; next at ${retryAt.toISOString()}`,
      );
    }
  }

  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= (async () => {
      try {
        await queueModerationNotice();
        if (!transport) return;
        for (let due = await claimDueMail(BATCH, LEASE_MS, MAX_ATTEMPTS); due.length > 0;) {
          for (const mail of due) await send(mail);
          due = due.length === BATCH ? await claimDueMail(BATCH, LEASE_MS, MAX_ATTEMPTS) : [];
        }
      } catch (error) {
        log(`[mail] the mail loop failed: ${describeFailure(error, smtpUrl ?? '')}`);
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const timer = setInterval(() => void tick(), options.tickMs ?? MAIL_TICK_MS);
  timer.unref();
  if (smtpUrl) console.log(`[mail] sending through ${redactUrl(smtpUrl)}`);
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await running;
      transport?.close();
    },
  };
}
