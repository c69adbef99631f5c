import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@/lib/core/free-port';

export { freePort };

interface Started {
  command: string;
  startedAt: number;
  child: ChildProcess;
  output: () => string;
}
const started: Started[] = [];

/**
 * What the processes this worker started printed, for a failed test's report (tests/e2e/support/
 * fixtures.ts): those still running, and those started since `since` (a test's own, already stopped).
 */
export function processOutputs(since: number): string[] {
  return started
    .filter((entry) => entry.startedAt >= since || (entry.child.exitCode === null && entry.child.signalCode === null))
    .map((entry) => `--- pid ${entry.child.pid}: ${entry.command}\n${entry.output().slice(-6000)}`);
}

/** Resolves once `url` answers, or rejects with the process's output when it exits or time runs out. */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
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

export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): RunningProcess {
  const child = spawn(command, args, {
    cwd,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  started.push({ command: [command, ...args].join(' '), startedAt: Date.now(), child, output: () => output });
  return {
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      // The whole process group: `npm start` runs the server as a child of its own, and npm exits
      // before it. Done only once every process of the group has gone (a restart that began while
      // the last one still held the embedded database would find it in use).
      try {
        process.kill(-child.pid!, signal);
      } catch {
        return;
      }
      const deadline = Date.now() + 60_000;
      // No exit event exists for a process group, only for the child: polled.
      while (groupIsAlive(child.pid!) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}

/** Whether any process of the group still runs (a zombie waiting to be reaped has finished). */
function groupIsAlive(group: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === group && state !== 'Z') return true;
  }
  return false;
}

export const nextBin = path.join(process.cwd(), 'node_modules', 'next', 'dist', 'bin', 'next');
