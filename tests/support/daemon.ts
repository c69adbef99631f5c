import { spawn, type ChildProcess } from 'node:child_process';

/*
 * A server process of a test's own (redis-server, postgres): started until it prints that it is
 * ready, stopped with a signal and awaited, started again on the same port and data.
 */

export interface Daemon {
  start(): Promise<void>;
  /** Sends `signal` to the daemon's process group and waits for it to exit. */
  stop(): Promise<void>;
  /** The running process, if any. */
  readonly child: ChildProcess | null;
}

export function daemon(
  name: string,
  command: () => [string, string[]],
  readyLine: string,
  stopSignal: NodeJS.Signals,
): Daemon {
  let child: ChildProcess | null = null;
  return {
    get child() {
      return child;
    },
    async start() {
      const [file, args] = command();
      // Its own process group, so a signal reaches the daemon through any wrapper (runuser).
      const started = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child = started;
      await new Promise<void>((resolve, reject) => {
        let output = '';
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(readyLine)) resolve();
        };
        started.stdout?.on('data', onData);
        started.stderr?.on('data', onData);
        started.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${output}`)));
      });
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        process.kill(-running.pid!, stopSignal);
      });
    },
  };
}
