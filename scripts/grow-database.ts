import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeConnectionError } from '@/db/client';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@/db/embedded';
import { errorCodes } from '@/db/errors';
import { growDatabase, GrowRefused, MAX_GROW_POSTS, type GrowReport } from '@/db/grow';
import { config } from '@/lib/core/config';
import { redactSecrets } from '@/lib/core/redact';

/*
 * `npm run db:grow -- 60000 [--comments 5] [--years 10]`: adds that many published archive posts
 * (two tags and five published comments each) to the database at DATABASE_URL, or, without it, to
 * the embedded database `npm start` keeps under FRESHPRESS_DATA_DIR (the server must be stopped:
 * the embedded database lives in its process). Each run adds as many again, older still.
 */

const USAGE = `usage: npm run db:grow -- <posts> [--comments <per post, default 5>] [--years <span, default 10>]`;

function parseArguments(args: readonly string[]): { posts: number; commentsPerPost: number; years: number } {
  let posts: number | undefined;
  let commentsPerPost = 5;
  let years = 10;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new GrowRefused(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--comments') commentsPerPost = integer(value(), 'comments per post', 0, 100);
    else if (arg === '--years') years = integer(value(), 'years', 1, 100);
    else if (posts === undefined && !arg.startsWith('-')) posts = integer(arg, 'posts', 1, MAX_GROW_POSTS);
    else throw new GrowRefused(`unexpected argument ${arg}\n${USAGE}`);
  }
  if (posts === undefined) throw new GrowRefused(USAGE);
  return { posts, commentsPerPost, years };
}

function integer(raw: string, what: string, min: number, max: number): number {
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < min || n > max)
    throw new GrowRefused(`${what} must be an integer from ${min} to ${max}, not ${raw}\n${USAGE}`);
  return n;
}

/** Drizzle's "Failed query" names the statement; the reason is on its cause. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return redactSecrets(String(error));
  const cause = error.cause instanceof Error ? `\n${error.cause.message}` : '';
  return redactSecrets(`${error.message}${cause}`);
}

const number = (n: number) => n.toLocaleString('en');

export function describeGrowth(report: GrowReport): string[] {
  return [
    `Added ${number(report.posts)} published posts (ids ${report.firstId}–${report.lastId}, ` +
      `published ${report.oldest.toISOString().slice(0, 10)} to ${report.newest.toISOString().slice(0, 10)}), ` +
      `${number(report.tagLinks)} tag links and ${number(report.comments)} published comments ` +
      `in ${(report.ms / 1000).toFixed(1)} s.`,
    `The database now holds ${number(report.totalPosts)} posts and ${number(report.totalComments)} comments.`,
    'Like any import, the posts were written straight to the tables: the caches learn of them when a ' +
      'server announces them (at its start, or within 30 s if one is running).',
  ];
}

async function main(): Promise<number> {
  let embedded: EmbeddedPostgres | undefined;
  try {
    const options = parseArguments(process.argv.slice(2));
    let url = config.DATABASE_URL;
    if (!url) {
      const dataDir = path.resolve(config.FRESHPRESS_DATA_DIR);
      if (!existsSync(path.join(dataDir, 'pglite')))
        throw new GrowRefused(
          `No DATABASE_URL, and no embedded database in ${dataDir}: run npm start once (it creates and seeds one), ` +
            'or set DATABASE_URL.',
        );
      console.log(`No DATABASE_URL: growing the embedded database in ${dataDir}.`);
      // Refused at once while a server holds it, rather than waiting for that server to stop.
      embedded = await startEmbeddedPostgres(dataDir, { waitForLock: false });
      url = embedded.url;
    }
    const report = await growDatabase(url, options);
    for (const line of describeGrowth(report)) console.log(line);
    return 0;
  } catch (error) {
    if (error instanceof GrowRefused) console.error(error.message);
    else if (errorCodes(error).includes('42P01'))
      console.error('The database has no Freshpress tables: run npm run db:migrate and npm run db:seed first.');
    else
      console.error(
        (config.DATABASE_URL && describeConnectionError(error, config.DATABASE_URL)) ?? describeFailure(error),
      );
    return 1;
  } finally {
    await embedded?.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main();
}
