import type { IncomingMessage, ServerResponse } from 'node:http';
import { databaseUnreachable, RETRY_AFTER_SECONDS } from '@/db/outage';
import { config } from '@/lib/core/config';
import { actionBodyLimitBytes, publicActionBodyLimitBytes } from '@/lib/media/limits';
import { NEXT_HEADERS } from '@/lib/page-cache/next-internals';
import { contentSecurityPolicy } from '@/server/security-headers';

/*
 * What the server answers in Next's place: requests Next would answer with a 500 although the
 * fault is the sender's (a broken percent-escape, an action call from another site, a body over
 * the action limit, an action call no form could have sent), and failures while the database is
 * unreachable, which are a 503 to come back to rather than a 500. Each answer is a short page that
 * says what happened in words, with or without JavaScript, and gives nothing of the server away.
 */

// Past Next's own limit for a server action's body Next answers a 500 (and a page with JavaScript
// loses the form to an error), so the server refuses it first with a 413. That limit has room for
// an image, which only the admin's editor sends (lib/media/limits.ts); the public pages' forms
// are held to 1 MB.
// A sender still writing when the answer comes sees a broken connection, not the answer; the body
// is read and thrown away first, never kept, up to this much, past which the connection is simply
// cut. Room for an image several times the limit: the likeliest mistake is a camera's original.
const DISCARD_LIMIT = Math.max(16 * 1024 * 1024, 8 * actionBodyLimitBytes);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, paragraphs: string[]): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} — ${escapeHtml(config.SITE_TITLE)}</title>
<style>body{font:1.1rem/1.6 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222;background:#fbfaf7}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}
</main></body></html>
`;
}

const OUTAGE_PAGE = page('This page is temporarily unavailable', [
  'We couldn’t load it just now. Please try again in a minute; nothing you did caused this.',
  '<a href="/">Back to the latest posts</a>',
]);

const UNREADABLE_PAGE = page('That request could not be read', [
  'Nothing was saved: what was sent did not come from a form on this site as it is now. If you were posting a comment, go back, reload the page and send it again.',
  '<a href="/">Back to the latest posts</a>',
]);

function decodablePath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0] ?? '/';
  if (!path.includes('%')) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A POST Next hands to a server action: the JavaScript client's call, or a form posted without it.
 * Never one to /api/: those are route handlers, which read their own bodies (an image upload
 * among them, app/api/admin/media) and answer their own refusals.
 */
function actionCall(req: IncomingMessage): 'fetch' | 'form' | null {
  if (req.method !== 'POST' || (req.url ?? '/').startsWith('/api/')) return null;
  if (req.headers[NEXT_HEADERS.action] !== undefined) return 'fetch';
  const type = req.headers['content-type'] ?? '';
  return type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded') ? 'form' : null;
}

/** Next refuses an action posted from another origin (its CSRF check) with a 500, or crashes on an Origin that is no URL. */
function foreignOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    // "null" (a sandboxed frame, a file) or no URL at all: not this site.
  }
  return host !== (req.headers['x-forwarded-host'] ?? req.headers.host);
}

function answer(
  res: ServerResponse,
  status: number,
  kind: 'fetch' | 'form' | 'plain',
  text: string,
  html?: string,
): void {
  res.setHeader('cache-control', 'no-store');
  if (kind === 'form' && html) {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy([]),
    });
    res.end(html);
  } else {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  }
}

/** Answers what must not reach Next; true when it did. */
export function refuseBeforeNext(req: IncomingMessage, res: ServerResponse): boolean {
  // Next answers a path with a broken percent-escape (/tags/%E0%A4%A) with a 500 of its own.
  if (!decodablePath(req.url)) {
    answer(res, 400, 'plain', 'Bad request: the address has a malformed percent-escape.');
    return true;
  }
  const action = actionCall(req);
  if (!action) return false;
  if (foreignOrigin(req)) {
    answer(
      res,
      403,
      action,
      'Forbidden: a form may only be posted from this site.',
      page('Not sent', ['Forms on this site can only be sent from this site. <a href="/">Go to the site</a>.']),
    );
    return true;
  }
  const admin = (req.url ?? '/').startsWith('/admin/');
  const limit = admin ? actionBodyLimitBytes : publicActionBodyLimitBytes;
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    const limitMb = Math.floor(limit / (1024 * 1024));
    let discarded = 0;
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > DISCARD_LIMIT) req.destroy();
    });
    req.once('end', () => {
      res.setHeader('connection', 'close');
      const back = escapeHtml((req.url ?? '/').split('?')[0] ?? '/');
      answer(
        res,
        413,
        action,
        `The form sent more than ${limitMb} MB: nothing was saved.`,
        page('Too large to send', [
          `Nothing was saved: what the form sent was larger than ${limitMb} MB${admin ? `, and an image can be at most ${config.MEDIA_MAX_MB} MB` : ', and a comment can have at most 5,000 characters'}.`,
          `Go back to <a href="${back}">the page</a> (your browser’s Back button usually keeps what you typed) and ${admin ? 'choose a smaller image' : 'shorten it'}.`,
        ]),
      );
    });
    return true;
  }
  return false;
}

/**
 * Rewrites a failure Next is about to send. While the database is unreachable a 500 becomes a 503
 * with Retry-After: the site is down for a while, not broken, and browsers, crawlers and load
 * balancers treat the two differently. Otherwise a 5xx on an action call becomes a 400: the one
 * action answers every failure of its own as form state and never throws, so a 5xx there is Next
 * failing to decode a request no form sent. Where Next was sending HTML (an empty shell its
 * client-side script fills in), the body is replaced by a page in words. Node's implicit headers
 * (a plain res.end) go through writeHead too, so this sees every status Next sends.
 */
export function rewriteFailures(req: IncomingMessage, res: ServerResponse): void {
  const action = actionCall(req) !== null;
  const replacement = (status: number): { status: number; page: string; retry: boolean } | null => {
    if (status === 500 && databaseUnreachable()) return { status: 503, page: OUTAGE_PAGE, retry: true };
    if (status >= 500 && action) return { status: 400, page: UNREADABLE_PAGE, retry: false };
    return null;
  };
  const { writeHead, write, end } = res;
  let replacedBody: string | null = null;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    const instead = replacement(status);
    if (!instead) return writeHead.call(this, status, ...(rest as []));
    if (instead.retry) this.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    this.setHeader('cache-control', 'no-store');
    if (String(this.getHeader('content-type') ?? '').startsWith('text/html')) {
      replacedBody = instead.page;
      this.removeHeader('content-length');
      this.removeHeader('content-encoding');
      this.setHeader('content-type', 'text/html; charset=utf-8');
      return writeHead.call(this, instead.status);
    }
    return writeHead.call(this, instead.status, ...(rest as []));
  } as typeof res.writeHead;
  // Only when it will be replaced: the status is decided before any of Next's body can go out.
  // Otherwise Node keeps writing the headers itself (with the Content-Length it works out).
  const decide = () => {
    if (!res.headersSent && replacement(res.statusCode)) res.writeHead(res.statusCode);
  };
  const callbackIn = (args: unknown[]) => args.find((arg): arg is () => void => typeof arg === 'function');
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    decide();
    if (replacedBody === null) return write.apply(this, args as Parameters<typeof write>);
    callbackIn(args)?.();
    return true;
  } as typeof res.write;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    decide();
    if (replacedBody === null) return end.apply(this, args as Parameters<typeof end>);
    return end.call(this, replacedBody, 'utf8', callbackIn(args));
  } as typeof res.end;
}
