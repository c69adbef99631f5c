import 'server-only';
import { config } from '@/lib/core/config';
import { passwordMatches, STATS_SESSION } from '@/lib/core/session';
import { sessionCookie } from '@/lib/core/session-cookie';

/*
 * /stats is public and read-only by default, like the original. With STATS_PASSWORD set, a visitor
 * unlocks it through the form (lib/stats/actions.ts) into an expiring session, the admin's kind of
 * cookie (lib/core/session-cookie.ts), and scripts use HTTP Basic auth (any user name) against
 * /api/stats.
 */

export const statsSession = sessionCookie({
  kind: STATS_SESSION,
  name: 'freshpress_stats',
  // /stats, the dashboard's /api/stats and the log's /stats/post links.
  path: '/',
  // Lax, not the admin's Strict: a link to /stats from a chat or a mail opens it; the session only reads.
  sameSite: 'lax',
  password: () => config.STATS_PASSWORD,
});

export function statsPasswordMatches(candidate: string): boolean {
  return config.STATS_PASSWORD !== undefined && passwordMatches(candidate, config.STATS_PASSWORD);
}

/**
 * Whether this request may see the statistics: no password set, a session, or (`authorization`,
 * the API's and the post links' header; null for the page) Basic auth with the password.
 */
export async function hasAccess(authorization: string | null): Promise<boolean> {
  if (config.STATS_PASSWORD === undefined) return true;
  if (await statsSession.read()) return true;
  const basic = authorization?.match(/^Basic\s+(.+)$/i)?.[1];
  if (!basic) return false;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  return statsPasswordMatches(decoded.slice(decoded.indexOf(':') + 1));
}
