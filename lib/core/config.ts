import { z } from 'zod';
import { parseTrustedProxies } from './client-address';

/** Rules such as "5/1m,20/1h" (tokens per window, the windows as @upstash/ratelimit writes them), or "off". */
const rateRules = (name: string, fallback: string) =>
  z
    .string()
    .regex(
      /^(off|\d+\s*\/\s*\d+\s*(ms|s|m|h|d)(\s*,\s*\d+\s*\/\s*\d+\s*(ms|s|m|h|d))*)$/,
      `${name} must be "off" or rules like "${fallback}"`,
    )
    .default(fallback);

/**
 * The only reader of process.env. Parsed once, at first import, so a bad value fails the
 * process at start-up with a message naming the variable instead of failing some request later.
 */
const EnvSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    /** Where `npm start` keeps the embedded database when DATABASE_URL is not set. */
    FRESHPRESS_DATA_DIR: z.string().min(1).default('.data'),
    /** Next's build directory; a second build (the embedded smoke test) can live beside the first. */
    FRESHPRESS_DIST_DIR: z.string().min(1).default('.next'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** The address the server listens on (127.0.0.1: only this host); unset, every interface. */
    HOST: z.string().min(1).optional(),
    SITE_URL: z.url('SITE_URL must be an absolute URL such as https://blog.example.com').optional(),
    SITE_TITLE: z.string().min(1).default('Freshpress'),
    SITE_DESCRIPTION: z.string().default('Notes on caching, databases and the craft of building for the web.'),
    COMMENT_MODERATION: z.enum(['off', 'manual']).default('off'),
    INVALIDATION_STRATEGY: z.enum(['precise', 'global']).default('precise'),
    /**
     * A change touching more tags than this (an import, a mass retag) invalidates the whole site
     * at once instead (one tag every cached reader carries): bounded work in Redis, the edge and
     * the statistics, whatever the size of the change.
     */
    INVALIDATION_BULK_THRESHOLD: z.coerce.number().int().min(1).max(10_000).default(1000),
    ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
    /**
     * The password of the admin pages (/admin). Unset: the admin is off. Changing it ends every
     * admin session (the session key is derived from it, lib/admin/session.ts).
     */
    ADMIN_PASSWORD: z
      .string()
      .min(
        12,
        'ADMIN_PASSWORD must be at least 12 characters: it is all that stands between the internet and the admin pages',
      )
      .optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
    UPSTASH_REDIS_REST_URL: z.url('UPSTASH_REDIS_REST_URL must be an https:// URL').optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    /** off: no counting at all (to measure what counting costs). */
    STATS_RECORDING: z.enum(['on', 'off']).default('on'),
    /** Every stats key starts with this, so several sites (or test runs) can share one Redis. */
    STATS_PREFIX: z
      .string()
      .regex(/^[\w.-]+$/, 'STATS_PREFIX may use letters, digits, _ . -')
      .default('fp'),
    STATS_FLUSH_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
    /** Distinct counters held in memory while Redis is unreachable; past it, counts are dropped (and counted). */
    STATS_BUFFER_LIMIT: z.coerce.number().int().min(100).max(10_000_000).default(100_000),
    /** Protects /stats and /api/stats; unset, they are public. Changing it ends every statistics session. */
    STATS_PASSWORD: z
      .string()
      .min(
        12,
        'STATS_PASSWORD must be at least 12 characters: it is all that stands between the internet and the statistics',
      )
      .optional(),
    /** The Varnish instance (`varnishd -n`) whose cache hits `npm run edge:collect` counts; unset: the default one. */
    VARNISH_NAME: z.string().min(1).optional(),
    /**
     * Comments one client may post: one or more "<count>/<window>" rules (windows as @upstash/ratelimit
     * writes them: "60 s", "1 h"…), comma-separated; "off" for none.
     */
    COMMENT_RATE_LIMIT: rateRules('COMMENT_RATE_LIMIT', '5/1m,20/1h'),
    /** A comment posted sooner than this after the form was shown is refused as a bot's (0: off). */
    COMMENT_MIN_FILL_SECONDS: z.coerce.number().min(0).max(600).default(3),
    /** Web addresses one comment may contain. */
    COMMENT_MAX_LINKS: z.coerce.number().int().min(0).max(10_000).default(3),
    /**
     * The proxies in front of the server whose X-Forwarded-For is believed: addresses, ranges
     * (10.0.0.0/8) or loopback, linklocal, uniquelocal, comma-separated. Empty: none; the client is
     * the TCP peer. See lib/core/client-address.ts for why a count is refused.
     */
    TRUST_PROXY: z
      .string()
      .default('')
      .transform((value, context) => {
        const parsed = parseTrustedProxies(value);
        if ('problem' in parsed) {
          context.addIssue({ code: 'custom', message: parsed.problem });
          return z.NEVER;
        }
        return parsed.entries;
      }),
    /**
     * Attempts at the admin's and the statistics' logins from all clients together, beside each
     * client's own limit: a guesser with many addresses is held to this, the same rule format as
     * COMMENT_RATE_LIMIT.
     */
    LOGIN_GLOBAL_LIMIT: rateRules('LOGIN_GLOBAL_LIMIT', '30/1m,300/1h'),
    /**
     * Searches one client may run (/search), the same rule format as COMMENT_RATE_LIMIT: each one is
     * a query no cache answers.
     */
    SEARCH_RATE_LIMIT: rateRules('SEARCH_RATE_LIMIT', '30/1m'),
    /**
     * The longest one search may run in PostgreSQL, in milliseconds (statement_timeout for its
     * transaction); past it the reader is told the search took too long.
     */
    SEARCH_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(2000),
    /**
     * The caching tier in front of the server that Freshpress purges by tag. none: HTML and feeds
     * are sent as "revalidate every time", so no shared cache can keep an old page.
     */
    EDGE: z.enum(['none', 'varnish', 'fastly', 'cloudflare']).default('none'),
    /** Longest a page is kept at the edge, in seconds: a purge that was lost heals within it. */
    EDGE_MAX_AGE: z.coerce.number().int().min(1).max(31_536_000).default(3600),
    /** Varnish: where PURGE requests go. Fastly, Cloudflare: the API's base URL, if not the public one. */
    EDGE_PURGE_URL: z.url('EDGE_PURGE_URL must be an absolute URL such as http://127.0.0.1:6081/').optional(),
    /**
     * Varnish: the secret each PURGE carries (X-Purge-Token), the same as FRESHPRESS_PURGE_TOKEN in
     * varnishd's environment. The VCL's address list alone would let every local process purge, and
     * behind a TLS terminator on the same host every visitor is local.
     */
    EDGE_PURGE_TOKEN: z
      .string()
      .regex(
        /^[\x21-\x7e]{16,}$/,
        'EDGE_PURGE_TOKEN must be at least 16 visible ASCII characters without spaces (e.g. openssl rand -hex 32)',
      )
      .optional(),
    FASTLY_SERVICE_ID: z.string().min(1).optional(),
    FASTLY_API_TOKEN: z.string().min(1).optional(),
    CLOUDFLARE_ZONE_ID: z.string().min(1).optional(),
    CLOUDFLARE_API_TOKEN: z.string().min(1).optional(),
    /**
     * A second purge this long after the first: a page already on its way to the edge when the first
     * arrived (the edge skips objects still being fetched) is removed by it. 0: no second purge.
     */
    EDGE_REPURGE_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
    /** Keys waiting to be purged (the edge unreachable); past it, everything is purged instead. */
    EDGE_PURGE_QUEUE: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
    /**
     * The largest image an author may upload, in megabytes. The editor's server action accepts this
     * much plus room for the post's own text (lib/media/limits.ts).
     */
    MEDIA_MAX_MB: z.coerce.number().int().min(1).max(100).default(10),
    /**
     * Where uploaded images are kept. postgres: in the database, so every host sees them and a
     * pg_dump backs them up; s3: in an S3-compatible bucket (the MEDIA_S3_* settings). Either way
     * they are served through /media, so the pages' image policy stays this origin.
     */
    MEDIA_STORE: z.enum(['postgres', 's3']).default('postgres'),
    /** An S3-compatible service other than AWS (MinIO, R2…); addressed by path, not by bucket host name. */
    MEDIA_S3_ENDPOINT: z.url('MEDIA_S3_ENDPOINT must be an absolute URL such as http://127.0.0.1:9000').optional(),
    MEDIA_S3_REGION: z.string().min(1).default('us-east-1'),
    MEDIA_S3_BUCKET: z.string().min(1).optional(),
    MEDIA_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    MEDIA_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** on: serve /uncached, the homepage rendered per request, as the benchmark's baseline. */
    UNCACHED_BASELINE: z.enum(['on', 'off']).default('off'),
    /** Server processes `npm start` runs on PORT (default: one per core); more than one needs the shared page cache. */
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
    /** Set by the server's primary process for each server process it starts: how many, and which one. */
    FRESHPRESS_PROCESSES: z.coerce.number().int().min(1).default(1),
    FRESHPRESS_PROCESS_INDEX: z.coerce.number().int().min(0).default(0),
    /**
     * Where pages are cached. shared: in Redis (REDIS_URL), one cache for every process and host;
     * local: Next's file cache, one process only; auto: shared when Redis answers at start.
     */
    PAGE_CACHE: z.enum(['auto', 'shared', 'local']).default('auto'),
    /** Prefix of the page cache's Redis keys; defaults to STATS_PREFIX + ":cache". */
    CACHE_PREFIX: z
      .string()
      .regex(/^[\w.:-]+$/, 'CACHE_PREFIX may use letters, digits, _ . : -')
      .optional(),
    /** Pages and data kept in each process's memory in front of Redis, in megabytes. */
    PAGE_CACHE_MEMORY_MB: z.coerce.number().int().min(0).max(16_384).default(64),
    /**
     * on: a hit whose entry this process holds is answered from memory, precompressed, in front of
     * Next (server/fast-path.ts); off: every request goes through Next (to compare the two).
     */
    FAST_PATH: z.enum(['on', 'off']).default('on'),
    /** Answers (each with its brotli and gzip bytes) the fast path keeps per process, in megabytes. */
    FAST_PATH_MEMORY_MB: z.coerce.number().int().min(1).max(16_384).default(32),
    /** Longest wait for one page cache call to Redis before the page is rendered from the database. */
    PAGE_CACHE_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(500),
    /** How long a server waits for another server's rebuild of the same page before rendering it itself. */
    REBUILD_LOCK_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
    /**
     * After an invalidation, the cached pages that depend on it are rendered again at once, so no
     * reader waits for them: those read within this many seconds (0: no warming).
     */
    WARM_WINDOW: z.coerce.number().int().min(0).max(31_536_000).default(3600),
    /** Pages one server renders at the same time when warming; readers' own renders come first. */
    WARM_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /**
     * Shared mode: how long a writer waits, between its commit and the change becoming visible,
     * for the pages warming would render to be rendered ahead and go live with the change (0: off).
     */
    RENDER_AHEAD_MS: z.coerce.number().int().min(0).max(30_000).default(2000),
    /**
     * Where mail goes: smtp://user:password@host:587 (STARTTLS when the server offers it) or
     * smtps://…:465. Unset: nothing is sent, and /admin/mail lists what would have been.
     */
    SMTP_URL: z
      .string()
      .regex(
        /^smtps?:\/\/[^\s]+$/,
        'SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587',
      )
      .optional(),
    /** The From of every mail; unset, Freshpress <no-reply@the host of SITE_URL>. */
    MAIL_FROM: z.string().min(3).optional(),
    /** The owner is told of comments waiting for moderation at most once per this interval: 30s, 15m, 2h. */
    NOTIFY_INTERVAL: z
      .string()
      .regex(/^\d+\s*(s|m|h)$/, 'NOTIFY_INTERVAL must be a duration such as 30s, 15m or 2h')
      .default('15m')
      .transform(
        (value) =>
          Number(value.match(/\d+/)![0]) * { s: 1000, m: 60_000, h: 3_600_000 }[value.at(-1) as 's' | 'm' | 'h'],
      )
      .refine((ms) => ms >= 1000, 'NOTIFY_INTERVAL must be at least 1s'),
    /** Where moderation notices go; unset, the owner account's address. */
    NOTIFY_EMAIL: z.email('NOTIFY_EMAIL must be an e-mail address').optional(),
    /** How often unapplied invalidations (a crash between commit and invalidation) are looked for. */
    INVALIDATION_SWEEP_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
    /**
     * Tests only: `crash-after-commit` kills the server between a write's commit and its
     * invalidation, the one crash the outbox exists for, which cannot be timed from outside;
     * `crash-mid-apply` kills it between two batches of a change applied in several;
     * `unsanitised-posts` renders post bodies without the sanitiser, the HTML-injection bug the
     * script policy must hold against (server/security-headers.ts).
     */
    FRESHPRESS_FAULT: z.enum(['crash-after-commit', 'crash-mid-apply', 'unsanitised-posts']).optional(),
    /**
     * Tests only: `off` skips `next build`'s type check, for the builds of a test run whose own
     * static checks have just type-checked the same tree (tests/run.ts).
     */
    FRESHPRESS_BUILD_TYPECHECK: z.enum(['on', 'off']).default('on'),
    /** Set by Next while it builds; nothing is recorded during a build. */
    NEXT_PHASE: z.string().optional(),
  })
  .superRefine((env, context) => {
    const require = (name: keyof typeof env, why: string) => {
      if (!env[name]) context.addIssue({ code: 'custom', path: [name], message: `${name} is required ${why}` });
    };
    if (env.EDGE === 'varnish') {
      require('EDGE_PURGE_URL', 'with EDGE=varnish (where Varnish listens, e.g. http://127.0.0.1:6081/)');
      require('EDGE_PURGE_TOKEN', "with EDGE=varnish (the secret in varnishd's FRESHPRESS_PURGE_TOKEN)");
    }
    if (env.MEDIA_STORE === 's3') {
      require('MEDIA_S3_BUCKET', 'with MEDIA_STORE=s3');
      require('MEDIA_S3_ACCESS_KEY_ID', 'with MEDIA_STORE=s3');
      require('MEDIA_S3_SECRET_ACCESS_KEY', 'with MEDIA_STORE=s3');
    }
    if (env.EDGE === 'fastly') {
      require('FASTLY_SERVICE_ID', 'with EDGE=fastly');
      require('FASTLY_API_TOKEN', 'with EDGE=fastly (a token with purge scope)');
    }
    if (env.EDGE === 'cloudflare') {
      require('CLOUDFLARE_ZONE_ID', 'with EDGE=cloudflare');
      require('CLOUDFLARE_API_TOKEN', 'with EDGE=cloudflare (a token with Cache Purge permission)');
    }
  });

export type Config = z.infer<typeof EnvSchema>;

export function parseEnv(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${problems.join('\n')}\nSee .env.example for every variable.`);
  }
  return parsed.data;
}

export const config: Config = parseEnv(process.env);

export const cachePrefix = config.CACHE_PREFIX ?? `${config.STATS_PREFIX}:cache`;

/** The site's public address, without a trailing slash: SITE_URL, or this host on PORT. */
export const siteUrlOf = (settings: Pick<Config, 'SITE_URL' | 'PORT'>) =>
  (settings.SITE_URL ?? `http://localhost:${settings.PORT}`).replace(/\/$/, '');

export const siteUrl = siteUrlOf(config);
