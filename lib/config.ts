import { z } from 'zod';

/**
 * The only reader of process.env. Parsed once, at first import, so a bad value fails the
 * process at start-up with a message naming the variable instead of failing some request later.
 */
const EnvSchema = z.object({
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
  SITE_URL: z.url('SITE_URL must be an absolute URL such as https://blog.example.com').optional(),
  SITE_TITLE: z.string().min(1).default('Freshpress'),
  SITE_DESCRIPTION: z.string().default('Notes on caching, databases and the craft of building for the web.'),
  COMMENT_MODERATION: z.enum(['off', 'manual']).default('off'),
  INVALIDATION_STRATEGY: z.enum(['precise', 'global']).default('precise'),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
});

export type Config = z.infer<typeof EnvSchema>;

function parseEnv(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${problems.join('\n')}\nSee .env.example for every variable.`);
  }
  return parsed.data;
}

export const config: Config = parseEnv(process.env);

export const siteUrl = (config.SITE_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');
