import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from '@/lib/core/free-port';

/*
 * A mail server of the test's own on a free loopback port: it keeps every message it accepts,
 * parsed, and can refuse the next few (a mail server having a bad minute).
 */

export interface TestSmtp {
  url: string;
  messages: ParsedMail[];
  /** Messages refused (451) before accepting again. */
  refuseNext: number;
  /** Resolves with the messages once `count` match, or fails after `timeoutMs`. */
  waitFor(match: (mail: ParsedMail) => boolean, count?: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const port = await freePort();
  const state: TestSmtp = {
    url: `smtp://mailer:s3cret-smtp-password@127.0.0.1:${port}`,
    messages: [],
    refuseNext: 0,
    async waitFor(match, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = state.messages.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline)
          throw new Error(
            `expected ${count} matching mail(s), got ${found.length} of ${state.messages.length}: ${state.messages.map((m) => m.subject).join(' | ')}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    // Plain SMTP on loopback: no certificate to trust, a login the client must still give.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === 's3cret-smtp-password') callback(null, { user: 'mailer' });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, _session, callback) {
      if (state.refuseNext > 0) {
        state.refuseNext--;
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('Try again later'), { responseCode: 451 })));
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          state.messages.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return state;
}

/** Every link of a mail's text, by what it leads to. */
export function linkIn(mail: ParsedMail, path: string): string {
  const link = (mail.text ?? '').match(new RegExp(`https?://\\S+${path.replace(/[/?]/g, '\\$&')}\\S*`))?.[0];
  if (!link) throw new Error(`no ${path} link in “${mail.subject}”:\n${mail.text}`);
  return link;
}
