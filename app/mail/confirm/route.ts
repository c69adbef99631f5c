import { confirmReplyNotices } from '@/lib/mail/notices';
import { mailLinkAnswer } from '@/lib/mail/links';

/** The link in the confirmation mail: from now on, replies to the comment are mailed. */
export async function GET(request: Request): Promise<Response> {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  return mailLinkAnswer(request, (await confirmReplyNotices(token)) ? 'confirmed' : 'unknown-link');
}
