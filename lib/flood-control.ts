import 'server-only';
import { Ratelimit, type Duration } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { config } from './config';
import { getStatsConnection } from './stats/runtime';

/*
 * How many comments one client may post, counted in Redis through the statistics' own
 * @upstash/redis client (TCP or Upstash REST), so every process and host shares one count.
 *
 * While Redis is unreachable the limit fails open: comments are accepted and a warning is logged
 * (at most once a minute). A blog that stops taking comments whenever its cache server restarts
 * punishes every reader for a few bots; the checks that need no Redis — honeypot, form-fill time,
 * duplicate and link limits — still apply, and the limit is back as soon as Redis answers.
 */

export interface RateRule {
  tokens: number;
  window: Duration;
}

/** "5/1m,20/1h" → two rules; "off" → none. The format is checked by lib/config.ts. */
export function parseRateRules(value: string): RateRule[] {
  if (value.trim() === 'off') return [];
  return value.split(',').map((rule) => {
    const [tokens = '', window = ''] = rule.split('/').map((part) => part.trim());
    const [, amount, unit] = window.match(/^(\d+)\s*(ms|s|m|h|d)$/) ?? [];
    return { tokens: Number(tokens), window: `${amount} ${unit}` as Duration };
  });
}

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

// A hung Redis must not hold a comment for long; past this the request is admitted.
const LIMIT_TIMEOUT_MS = 1000;
const WARN_EVERY_MS = 60_000;

export interface CommentLimiter {
  /** Counts one attempt by `client` against every rule; refused when any rule is spent. */
  admit(client: string): Promise<Admission>;
}

export function createCommentLimiter(
  redis: Redis,
  rules: readonly RateRule[],
  prefix: string,
  onUnavailable: (cause: string) => void,
): CommentLimiter {
  const limiters = rules.map(
    (rule, index) =>
      new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(rule.tokens, rule.window),
        prefix: `${prefix}:${index}`,
        timeout: LIMIT_TIMEOUT_MS,
        analytics: false,
      }),
  );
  return {
    async admit(client) {
      for (const limiter of limiters) {
        try {
          const result = await limiter.limit(client);
          if (result.reason === 'timeout') onUnavailable(`no answer within ${LIMIT_TIMEOUT_MS} ms`);
          else if (!result.success) {
            // Stop here: an attempt refused by one rule should not spend the others' allowance.
            return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((result.reset - Date.now()) / 1000)) };
          }
        } catch (error) {
          onUnavailable(error instanceof Error ? error.message : String(error));
        }
      }
      return { admitted: true };
    },
  };
}

const LIMITER = Symbol.for('freshpress.flood.limiter');
type Holder = { [LIMITER]?: CommentLimiter; freshpressFloodWarnedAt?: number };
const holder = globalThis as Holder;

function warnFailingOpen(cause: string): void {
  const now = Date.now();
  if (holder.freshpressFloodWarnedAt !== undefined && now - holder.freshpressFloodWarnedAt < WARN_EVERY_MS) return;
  holder.freshpressFloodWarnedAt = now;
  console.warn(`[comments] the comment rate limit is not being applied (Redis: ${cause}); comments are accepted without it until Redis answers`);
}

/** The site's limiter: COMMENT_RATE_LIMIT, on the statistics' Redis connection. */
export function admitComment(client: string): Promise<Admission> {
  holder[LIMITER] ??= createCommentLimiter(
    getStatsConnection().redis,
    parseRateRules(config.COMMENT_RATE_LIMIT),
    `${config.STATS_PREFIX}:ratelimit:comment`,
    warnFailingOpen,
  );
  return holder[LIMITER].admit(client);
}
