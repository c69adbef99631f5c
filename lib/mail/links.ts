/*
 * What the links in mails lead to: the route does what the link says, then sends the browser to a
 * static page that says it was done, so the token leaves the address bar and the history.
 */

export const MAIL_OUTCOMES = {
  confirmed: {
    title: 'Replies will be e-mailed to you',
    text: 'Thank you: when someone replies to your comment, you will get an e-mail with a link to stop them.',
  },
  unsubscribed: {
    title: 'No more e-mail about replies',
    text: 'You will get no more e-mail about replies to that comment.',
  },
  'unknown-link': {
    title: 'This link does not work',
    text: 'It may have been copied only in part, or the comment it was about was removed.',
  },
} as const;

export type MailOutcome = keyof typeof MAIL_OUTCOMES;

export function mailLinkAnswer(request: Request, outcome: MailOutcome): Response {
  return new Response(null, {
    status: 303,
    headers: { location: new URL(`/mail/${outcome}`, request.url).pathname, 'cache-control': 'no-store' },
  });
}
