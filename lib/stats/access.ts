import 'server-only';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { config } from '@/lib/core/config';

/*
 * /stats is public and read-only by default, like the original. With STATS_PASSWORD set, a visitor
 * unlocks it once (a cookie holding an HMAC of the password, never the password) and scripts use
 * HTTP Basic auth (any user name) against /api/stats.
 */

export const STATS_COOKIE = 'freshpress_stats';

function sign(password: string): string {
  return createHmac('sha256', `freshpress-stats:${password}`).update('stats-access-v1').digest('base64url');
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function passwordMatches(candidate: string): boolean {
  return config.STATS_PASSWORD !== undefined && equal(candidate, config.STATS_PASSWORD);
}

export function accessCookieValue(): string {
  return config.STATS_PASSWORD === undefined ? '' : sign(config.STATS_PASSWORD);
}

export function hasAccess(cookieValue: string | undefined, authorization: string | null): boolean {
  if (config.STATS_PASSWORD === undefined) return true;
  if (cookieValue && equal(cookieValue, sign(config.STATS_PASSWORD))) return true;
  const basic = authorization?.match(/^Basic\s+(.+)$/i)?.[1];
  if (!basic) return false;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  return passwordMatches(decoded.slice(decoded.indexOf(':') + 1));
}
