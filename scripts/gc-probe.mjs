// Loaded into a server under test (NODE_OPTIONS=--import): on SIGUSR2, a full garbage collection,
// then the process's memory written to FRESHPRESS_GC_PROBE_FILE, so a test measures what is kept,
// not what is merely not yet collected.
import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const file = process.env.FRESHPRESS_GC_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    gc();
    gc();
    const { rss, heapUsed } = process.memoryUsage();
    writeFileSync(file, JSON.stringify({ rss, heapUsed, at: Date.now() }));
  });
}
