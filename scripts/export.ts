import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { siteUrl } from '@/lib/core/config';
import { exportBlog } from '@/lib/moving/export';
import { storeFor } from '@/lib/moving/images';
import { Refused, reportFailure, withScriptDatabase } from './script-database';

/*
 * `npm run export -- <dir>`: every post (drafts too) as a Markdown file with front matter and its
 * comments, and manifest.json, into an empty or new directory (lib/moving/export.ts says what each
 * holds). `npm run import:export -- <dir>` reads it back.
 */

const USAGE = 'usage: npm run export -- <directory, new or empty>';

async function main(args: string[]): Promise<number> {
  try {
    if (args.length !== 1 || args[0]!.startsWith('-')) throw new Refused(USAGE);
    const dir = path.resolve(args[0]!);
    const existing = await readdir(dir).catch(() => null);
    // Files of an earlier export left beside a new one would be read back as posts it never had.
    if (existing && existing.length > 0)
      throw new Refused(`${dir} is not empty: export into a new or empty directory.`);
    await mkdir(dir, { recursive: true });
    const started = performance.now();
    const summary = await withScriptDatabase('exporting', async (db) =>
      exportBlog(db, dir, siteUrl, await storeFor(db)),
    );
    console.log(
      `Exported ${summary.posts} posts, ${summary.comments} comments, ${summary.authors} accounts and ` +
        `${summary.images} uploaded images (${summary.externalImages} other image addresses listed) to ${dir} ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
    return 0;
  } catch (error) {
    return reportFailure(error);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
