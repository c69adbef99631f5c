import 'server-only';
import { Ratelimit, type Duration } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { config } from './config';
import { processSingleton } from './process-singleton';
import { withDeadline } from './redis-connection';
import { slotPrefix } from './redis-keys';
import { sharedUpstashRedis } from './upstash-redis';

/*
 * How many comments one client may post (and how many admin logins it may try, and searches it may
 * run), counted in Redis through the process's @upstash/redis client (TCP or Upstash REST,
 * ./upstash-redis.ts), so every process and host shares one count.
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

/** "5/1m,20/1h" → two rules; "off" → none. The format is checked by lib/core/config.ts. */
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
        prefix: `${slotPrefix(prefix)}:${index}`,
        // Off: the library's own deadline loses to a reply that arrived while the loop was busy.
        timeout: 0,
        analytics: false,
        // Off, the library passes "" as its script's dynamic-limit key, which hashes to slot 0 and
        // makes Redis Cluster refuse every call (CROSSSLOT); on, that key is <prefix>:dynamic:global,
        // in the prefix's slot. No dynamic limit is ever set, so the limits are the rules above.
        dynamicLimits: true,
      }),
  );
  return {
    async admit(client) {
      for (const limiter of limiters) {
        try {
          const result = await withDeadline(limiter.limit(client), LIMIT_TIMEOUT_MS, 'the rate limit store');
          if (!result.success) {
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

/** "42 seconds", "3 minutes": how long to wait, for a refusal's message. */
export function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

type Counted = 'comment' | 'login' | 'login-all' | 'search';

const limiters = () => processSingleton('flood.limiters', () => new Map<Counted, CommentLimiter>());
const warnedAt = () => processSingleton('flood.warnedAt', (): Partial<Record<Counted, number>> => ({}));

const FAILING_OPEN: Record<Counted, { log: string; limit: string; meanwhile: string }> = {
  comment: { log: 'comments', limit: 'comment', meanwhile: 'comments are accepted without it' },
  login: { log: 'logins', limit: 'login', meanwhile: 'logins are checked without it' },
  'login-all': { log: 'logins', limit: 'site-wide login', meanwhile: 'logins are checked without it' },
  search: { log: 'search', limit: 'search', meanwhile: 'searches are run without it' },
};

function warnFailingOpen(counted: Counted, cause: string): void {
  const now = Date.now();
  const warned = warnedAt();
  if (warned[counted] !== undefined && now - warned[counted] < WARN_EVERY_MS) return;
  warned[counted] = now;
  const { log, limit, meanwhile } = FAILING_OPEN[counted];
  console.warn(
    `[${log}] the ${limit} rate limit is not being applied (Redis: ${cause}); ${meanwhile} until Redis answers`,
  );
}

function limiterFor(counted: Counted, rules: () => RateRule[]): CommentLimiter {
  const known = limiters();
  let limiter = known.get(counted);
  if (!limiter) {
    limiter = createCommentLimiter(
      sharedUpstashRedis().redis,
      rules(),
      `${config.STATS_PREFIX}:ratelimit:${counted}`,
      (cause) => warnFailingOpen(counted, cause),
    );
    known.set(counted, limiter);
  }
  return limiter;
}

/** The site's limiter: COMMENT_RATE_LIMIT, on the process's @upstash/redis client. */
export function admitComment(client: string): Promise<Admission> {
  return limiterFor('comment', () => parseRateRules(config.COMMENT_RATE_LIMIT)).admit(client);
}

/**
 * Searches per client (SEARCH_RATE_LIMIT): every one is a query that no cache answers. Counted only
 * for a search that would run (not the empty form, not a query refused for its length). Fails open
 * while Redis is away, like comments: the statement timeout still bounds each search.
 */
export function admitSearch(client: string): Promise<Admission> {
  return limiterFor('search', () => parseRateRules(config.SEARCH_RATE_LIMIT)).admit(client);
}

/**
 * Login attempts, right or wrong, per client: five a minute lets a person who mistypes try again at
 * once and holds a guesser to 7,200 a day. A guesser with many addresses (a botnet, or IPv6 blocks)
 * is held by LOGIN_GLOBAL_LIMIT, counted for every client together once the client's own limit has
 * admitted the attempt, so one client's refused attempts spend nobody else's. The price is that a
 * flood of guesses also keeps the owner out until the window passes; the owner's bearer token (the
 * admin API) is not counted. Like comments it fails open while Redis is away: an outage nobody
 * outside can cause should not lock the owner out of their own admin.
 */
export async function admitLogin(client: string): Promise<Admission> {
  const own = await limiterFor('login', () => [{ tokens: 5, window: '1 m' }]).admit(client);
  if (!own.admitted) return own;
  return limiterFor('login-all', () => parseRateRules(config.LOGIN_GLOBAL_LIMIT)).admit('every client');
}
