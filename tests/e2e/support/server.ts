import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../../scripts/free-port';

export { freePort };


/** Resolves once `url` answers, or rejects with the process's output when it exits or time runs out. */
export async function waitForHttp(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited before answering ${url}:\n${log()}`);
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status < 500) return;
    } catch {
      // Not listening yet: poll again. There is no readiness event to await from outside the process.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`server did not answer ${url} within ${timeoutMs} ms:\n${log()}`);
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  /** SIGTERM to the process group (a clean shutdown), or SIGKILL (a crash). */
  stop: (signal?: 'SIGTERM' | 'SIGKILL') => Promise<void>;
}

export function startProcess(command: string, args: string[], env: Record<string, string | undefined>, cwd = process.cwd()): RunningProcess {
  const child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // The whole process group: `npm start` runs `next start` as a child of its own.
        try {
          process.kill(-child.pid!, signal);
        } catch {
          resolve();
        }
      }),
  };
}

export const nextBin = path.join(process.cwd(), 'node_modules', 'next', 'dist', 'bin', 'next');
