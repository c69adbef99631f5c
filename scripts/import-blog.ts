import { readFile, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Archive } from '@/lib/moving/archive';
import { readExport, readExportImages, UnreadableArchive } from '@/lib/moving/export';
import { importImages, storeFor } from '@/lib/moving/images';
import { importArchive, ImportRefused, type ImportReport } from '@/lib/moving/import';
import { readWordPressExport, UnreadableExport } from '@/lib/moving/wordpress';
import { Refused, reportFailure, withScriptDatabase } from './script-database';

/*
 * `npm run import:wordpress -- export.xml [--offline]`: a WordPress export (Tools → Export).
 * `npm run import:export -- <dir>`: a directory `npm run export` wrote, from this or another blog.
 * Either goes into the database at DATABASE_URL or the stopped embedded one, and prints what it
 * imported, updated and left out, and why.
 */

const USAGE = {
  wordpress: 'usage: npm run import:wordpress -- <export.xml> [--offline]',
  export: 'usage: npm run import:export -- <directory written by npm run export>',
};
type Kind = keyof typeof USAGE;

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

async function readArchive(kind: Kind, source: string): Promise<Archive> {
  const found = await stat(source).catch(() => null);
  if (!found) throw new Refused(`Cannot read ${source}.`);
  if (kind === 'export') return readExport(source);
  return readWordPressExport(await readFile(source, 'utf8'));
}

async function main(kind: Kind, args: string[]): Promise<number> {
  try {
    const offline = args.includes('--offline');
    const sources = args.filter((arg) => arg !== '--offline');
    if (sources.length !== 1 || sources[0]!.startsWith('-') || (kind === 'export' && offline))
      throw new Refused(USAGE[kind]);
    const archive = await readArchive(kind, sources[0]!);
    const unreachable = offline ? [] : await unreachableAttachments(archive.attachments);
    const { report, images } = await withScriptDatabase('importing into', async (db) => {
      // The images first, so no imported post shows one that is not there yet.
      const images =
        kind === 'export'
          ? await importImages(await storeFor(db), sources[0]!, await readExportImages(sources[0]!))
          : null;
      return { report: await importArchive(db, archive), images };
    });
    for (const line of describeImport(report, unreachable)) console.log(line);
    if (images) {
      console.log(`Images: ${images.added} added, ${images.present} already here.`);
      for (const skip of images.skipped) console.log(`  skipped ${skip.what}: ${skip.reason}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UnreadableExport || error instanceof UnreadableArchive || error instanceof ImportRefused) {
      console.error(error.message);
      return 1;
    }
    return reportFailure(error);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [kind, ...args] = process.argv.slice(2);
  process.exitCode =
    kind === 'wordpress' || kind === 'export'
      ? await main(kind, args)
      : reportFailure(new Refused(`${USAGE.wordpress}\n${USAGE.export}`));
}
