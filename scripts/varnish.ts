import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/core/free-port';
import { PURGE_TOKEN_HEADER } from '@/lib/edge/tiers';

/*
 * Debian's varnishd with the shipped VCL (deploy/varnish/freshpress.vcl), on a free port of its own
 * in front of a server: the setup the README walks through, with only the backend's port changed.
 * For the tests and the benchmark; a site runs Varnish as the system's service.
 */

export interface Varnish {
  base: string;
  port: number;
  /** The `-n` work directory: varnishncsa finds this instance through it. */
  name: string;
  /** The secret its PURGEs need: the server in front of it gets it as EDGE_PURGE_TOKEN. */
  purgeToken: string;
  output(): string;
  stop(): Promise<void>;
  /** Starts it again on the same port and work directory, with an empty cache. */
  restart(): Promise<void>;
  /** Stops it and deletes its files. */
  remove(): Promise<void>;
}

/** A secret for a Varnish and its server, when the server has to start first (it names Varnish's port). */
export function newPurgeToken(): string {
  return randomBytes(24).toString('hex');
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function waitForVarnish(
  base: string,
  purgeToken: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`varnishd exited:\n${output()}`);
    let status: number;
    try {
      // Varnish answers a PURGE itself, without the backend: it is ready once one is answered.
      const headers = { xkey: 'readiness-probe', ...(purgeToken ? { [PURGE_TOKEN_HEADER]: purgeToken } : {}) };
      status = (await fetch(base, { method: 'PURGE', headers })).status;
    } catch {
      // Not listening yet; varnishd offers no other readiness signal to a foreground process.
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    // The VCL refuses every PURGE when its secret is shorter than 16 characters (a test of that).
    const expected = purgeToken.length >= 16 ? 200 : 403;
    if (status === expected) return;
    throw new Error(`varnishd answered the readiness PURGE with ${status}, not ${expected}:\n${output()}`);
  }
  throw new Error(`varnishd did not start:\n${output()}`);
}

export async function startVarnish(
  backendPort: number,
  options: {
    port?: number;
    storageMb?: number;
    /** Default: a new one. '': none in varnishd's environment (the tests of a Varnish left without one). */
    purgeToken?: string;
  } = {},
): Promise<Varnish> {
  const purgeToken = options.purgeToken ?? newPurgeToken();
  const dir = await mkdtemp(path.join(tmpdir(), 'freshpress-varnish-'));
  const shipped = await readFile(path.join(process.cwd(), 'deploy', 'varnish', 'freshpress.vcl'), 'utf8');
  const vcl = shipped.replace('.port = "3000";', `.port = "${backendPort}";`);
  if (vcl === shipped) throw new Error('deploy/varnish/freshpress.vcl no longer names port 3000 for its backend');
  await writeFile(path.join(dir, 'freshpress.vcl'), vcl);
  const port = options.port ?? (await freePort());
  const name = path.join(dir, 'instance');
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  let child: ChildProcess;
  const launch = async () => {
    // -j none: everything stays in the temporary directory, also when run as root (as CI does).
    child = spawn(
      'varnishd',
      [
        '-F',
        '-j',
        'none',
        '-n',
        name,
        '-a',
        `127.0.0.1:${port}`,
        '-f',
        path.join(dir, 'freshpress.vcl'),
        '-s',
        `malloc,${options.storageMb ?? 64}m`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        // Where the VCL reads the secret (std.getenv), as a systemd drop-in gives it on a site.
        env: { ...process.env, FRESHPRESS_PURGE_TOKEN: purgeToken || undefined },
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => (output += `\n${String(error)}`));
    await waitForVarnish(base, purgeToken, child, () => output);
  };
  await launch();
  return {
    base,
    port,
    name,
    purgeToken,
    output: () => output,
    stop: () => stopChild(child),
    async restart() {
      await stopChild(child);
      await launch();
    },
    async remove() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
