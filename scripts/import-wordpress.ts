import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDatabase, describeConnectionError } from '@/db/client';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@/db/embedded';
import { errorCodes } from '@/db/errors';
import { config } from '@/lib/core/config';
import { redactSecrets } from '@/lib/core/redact';
import type { Archive } from '@/lib/moving/archive';
import { importArchive, type ImportReport } from '@/lib/moving/import';
import { readWordPressExport, UnreadableExport } from '@/lib/moving/wordpress';

/*
 * `npm run import:wordpress -- export.xml [--offline]`: imports a WordPress export into the
 * database at DATABASE_URL or, without it, the embedded database of `npm start` (stopped: the
 * embedded database lives in its process). Prints what it imported, updated and left out, and why.
 */

const USAGE = 'usage: npm run import:wordpress -- <export.xml> [--offline]';

class Refused extends Error {}

/** Long enough for a live host, short enough that a dead one does not hold the import up. */
const ATTACHMENT_TIMEOUT_MS = 3000;

/**
 * Posts keep pointing at their files' addresses; which of those answer is worth knowing before the
 * old site goes. Only asked (HEAD), never fatal: an address that does not answer is reported.
 */
export async function unreachableAttachments(attachments: Archive['attachments']): Promise<string[]> {
  const unreachable: string[] = [];
  const queue = [...attachments];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const reason = await fetch(next.url, { method: 'HEAD', signal: AbortSignal.timeout(ATTACHMENT_TIMEOUT_MS) })
        .then((response) => (response.ok ? null : `HTTP ${response.status}`))
        .catch((error: unknown) =>
          error instanceof Error && error.name === 'TimeoutError' ? 'no answer' : 'unreachable',
        );
      if (reason) unreachable.push(`attachment ${next.sourceId} ${next.url}: ${reason}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return unreachable.sort();
}

export function describeImport(report: ImportReport, unreachable: readonly string[]): string[] {
  const lines = [
    `Imported from ${report.source}:`,
    `  posts: ${report.posts.added} added, ${report.posts.updated} updated, ${report.posts.unchanged} unchanged`,
    `  comments: ${report.comments.added} added, ${report.comments.unchanged} already imported`,
    `  authors: ${report.authors.added} accounts added, ${report.authors.existing} existed already`,
    `  tags: ${report.tags}`,
    `  skipped: ${report.skipped.length}`,
  ];
  for (const skip of report.skipped) lines.push(`    skipped ${skip.what}: ${skip.reason}`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  for (const line of unreachable) lines.push(`  not reachable: ${line}`);
  lines.push(
    report.invalidation === null
      ? 'Nothing a visitor sees changed.'
      : report.invalidation.wholeSite
        ? 'Every cached page is invalidated (the import touched more than INVALIDATION_BULK_THRESHOLD tags).'
        : `${report.invalidation.tags} cache tags invalidated: a running server shows the posts within seconds.`,
  );
  return lines;
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return redactSecrets(String(error));
  const cause = error.cause instanceof Error ? `\n${error.cause.message}` : '';
  return redactSecrets(`${error.message}${cause}`);
}

async function main(args: string[]): Promise<number> {
  let embedded: EmbeddedPostgres | undefined;
  try {
    const offline = args.includes('--offline');
    const files = args.filter((arg) => arg !== '--offline');
    if (files.length !== 1 || files[0]!.startsWith('-')) throw new Refused(USAGE);
    const file = files[0]!;
    const xml = await readFile(file, 'utf8').catch(() => {
      throw new Refused(`Cannot read ${file}.`);
    });
    const archive = readWordPressExport(xml);
    let url = config.DATABASE_URL;
    if (!url) {
      const dataDir = path.resolve(config.FRESHPRESS_DATA_DIR);
      if (!existsSync(path.join(dataDir, 'pglite')))
        throw new Refused(
          `No DATABASE_URL, and no embedded database in ${dataDir}: run npm start once, or set DATABASE_URL.`,
        );
      console.log(`No DATABASE_URL: importing into the embedded database in ${dataDir}.`);
      // Refused at once while a server holds it, rather than waiting for that server to stop.
      embedded = await startEmbeddedPostgres(dataDir, { waitForLock: false });
      url = embedded.url;
    }
    const unreachable = offline ? [] : await unreachableAttachments(archive.attachments);
    const { db, sql } = createDatabase(url, { max: 1 });
    try {
      const report = await importArchive(db, archive);
      for (const line of describeImport(report, unreachable)) console.log(line);
    } finally {
      await sql.end({ timeout: 5 });
    }
    return 0;
  } catch (error) {
    if (error instanceof Refused || error instanceof UnreadableExport) console.error(error.message);
    else if (errorCodes(error).some((code) => code === '42P01' || code === '42703'))
      console.error('The database is missing Freshpress tables or columns: run npm run db:migrate first.');
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
  process.exitCode = await main(process.argv.slice(2));
}
