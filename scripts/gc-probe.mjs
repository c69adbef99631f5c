// Loaded into a server under test (NODE_OPTIONS=--import): on SIGUSR2, a full garbage collection,
// then the process's memory written to FRESHPRESS_GC_PROBE_FILE, so a test measures what is kept,
// not what is merely not yet collected. V8 hands the pages a collection freed back to the system
// from a background thread, tens of milliseconds later; read at once, RSS still holds them (by
// hand: 368 MB at once, 242 MB 200 ms later and from then on), so RSS is read once it has settled.
import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const file = process.env.FRESHPRESS_GC_PROBE_FILE;
const SETTLED_BYTES = 1024 * 1024;
const SAMPLE_MS = 100;
const MOST_SAMPLES = 50;

function settledRss(previous, samples, done) {
  setTimeout(() => {
    const rss = process.memoryUsage.rss();
    if (Math.abs(previous - rss) < SETTLED_BYTES || samples >= MOST_SAMPLES) done(rss);
    else settledRss(rss, samples + 1, done);
  }, SAMPLE_MS);
}

if (file) {
  process.on('SIGUSR2', () => {
    gc();
    gc();
    settledRss(process.memoryUsage.rss(), 1, (rss) => {
      const { heapUsed } = process.memoryUsage();
      writeFileSync(file, JSON.stringify({ rss, heapUsed, at: Date.now() }));
    });
  });
}
