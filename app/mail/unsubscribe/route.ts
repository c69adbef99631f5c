import { stopReplyNotices } from '@/lib/mail/notices';
import { mailLinkAnswer } from '@/lib/mail/links';

/** The link in every reply notice: one click, no login, and no more notices for that comment. */
export async function GET(request: Request): Promise<Response> {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  return mailLinkAnswer(request, (await stopReplyNotices(token)) ? 'unsubscribed' : 'unknown-link');
}
