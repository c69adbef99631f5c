import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { config } from '@/lib/core/config';
import { closeSharedUpstashRedis } from '@/lib/core/upstash-redis';
import { parseEdgeLine, VARNISHNCSA_FORMAT } from '@/lib/stats/edge-log';
import { getRecorder, recordingEnabled } from '@/lib/stats/runtime';

/*
 * `npm run edge:collect`: requests Varnish answers from its own cache never reach the server, so
 * this counts them, as edge hits in the same statistics, from varnishncsa's log of each request.
 * It runs varnishncsa itself, or reads the same lines on stdin (`-- --stdin`).
 */

const VARNISHNCSA_ARGS = ['-c', '-F', VARNISHNCSA_FORMAT];

const USAGE = `usage: npm run edge:collect -- [--name <dir>] [--stdin]

Counts the requests Varnish answers from its own cache as edge hits in the statistics (REDIS_URL,
STATS_PREFIX: the server's). Misses and passes reach the server, which counts them itself.

  --name <dir>  the Varnish instance, as varnishd -n (default: VARNISH_NAME, else Varnish's default)
  --stdin       read varnishncsa's lines from stdin instead of running it
  --help        this text

It runs:  varnishncsa -c -F '${VARNISHNCSA_FORMAT}' [-n <dir>]
or reads: varnishncsa -c -F '${VARNISHNCSA_FORMAT}' | npm run edge:collect -- --stdin
`;

const log = (line: string) => console.log(`[edge-collect] ${line}`);
const warn = (line: string) => console.error(`[edge-collect] ${line}`);

interface LineSource {
  lines: Readable;
  /**
   * Settles once every line has been read: null for a normal end (the end of stdin), else the
   * reason to exit non-zero with.
   */
  ended: Promise<string | null>;
  stop(): void;
}

function stdinSource(): LineSource {
  // 'close' comes after 'end', on which readline hands over a last line without a newline.
  const ended = new Promise<null>((resolve) => process.stdin.once('close', () => resolve(null)));
  return { lines: process.stdin, ended, stop: () => process.stdin.destroy() };
}

function varnishncsaSource(name: string | undefined): LineSource {
  // Its own process group: a Ctrl-C reaches only the collector, which then stops varnishncsa
  // itself, so varnishncsa's end is never mistaken for a failure while the collector shuts down.
  const child = spawn('varnishncsa', [...VARNISHNCSA_ARGS, ...(name ? ['-n', name] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const which = name ? ` for ${name}` : '';
  const ended = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not run varnishncsa (${error.message}): is Varnish installed?`));
    // 'close', not 'exit': it waits for the end of varnishncsa's output, so no line is left unread.
    child.once('close', (code, signal) =>
      resolve(`varnishncsa${which} exited (${signal ?? `code ${code}`}); no more edge hits can be counted.`),
    );
  });
  return {
    lines: child.stdout,
    ended,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

function parseOptions(): { name?: string; stdin?: boolean; help?: boolean } {
  try {
    const { values } = parseArgs({
      options: { name: { type: 'string' }, stdin: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.name !== undefined && values.stdin) throw new Error('--name and --stdin exclude each other');
    return values;
  } catch (error) {
    warn(error instanceof Error ? error.message : String(error));
    console.error(`\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.help) {
    console.log(USAGE);
    return;
  }
  if (!recordingEnabled()) {
    warn('STATS_RECORDING is off: there would be nowhere to count edge hits.');
    process.exit(2);
  }
  const recorder = getRecorder();
  const name = options.name ?? config.VARNISH_NAME;
  const source = options.stdin ? stdinSource() : varnishncsaSource(name);
  log(
    `counting Varnish cache hits into the statistics under "${config.STATS_PREFIX}" from ` +
      (options.stdin ? 'the lines on stdin' : `varnishncsa${name ? ` -n ${name}` : ''}`),
  );

  let lines = 0;
  let hits = 0;
  let malformed = 0;
  const input = createInterface({ input: source.lines, crlfDelay: Infinity });
  input.on('line', (line) => {
    lines += 1;
    const parsed = parseEdgeLine(line);
    if (parsed.kind === 'edge-hit') {
      hits += 1;
      recorder.recordRequest(parsed.page, 'edge-hit');
    } else if (parsed.kind === 'malformed' && ++malformed === 1) {
      // Lines in another format would otherwise be ignored without a word, and nothing counted.
      warn(
        `line ${lines} is not in the expected format ('${VARNISHNCSA_FORMAT}'), so it is not counted: ${line.slice(0, 200)}`,
      );
    }
  });

  let finishing: Promise<void> | null = null;
  const finish = (code: number, message?: string) => {
    finishing ??= (async () => {
      source.stop();
      input.close();
      if (message) warn(message);
      // The last second of counts is still in memory.
      await recorder.close();
      await closeSharedUpstashRedis();
      // Reaped before exiting, so no varnishncsa is left behind, running or defunct.
      await source.ended;
      const left = recorder.status().buffered;
      if (left > 0) warn(`${left} counters could not be written: the statistics store is unreachable.`);
      log(
        `counted ${hits} edge hits in ${lines} lines${malformed > 0 ? ` (${malformed} not in the expected format)` : ''}.`,
      );
      process.exit(code);
    })();
  };

  void source.ended.then((failure) => finish(failure === null ? 0 : 1, failure ?? undefined));
  // `on`, not `once`: under npm a Ctrl-C arrives twice (from the terminal and from npm), and a
  // second one with no handler would end the process before the counts are written.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => finish(0));
}

await main();
