/**
 * The rate limits count in windows of whole minutes, and their sliding window weighs the previous
 * minute's count rounded down (@upstash/ratelimit): a burst straddling a minute's end can get one
 * attempt more through. A test that checks a limit exactly starts with at least 20 s of its minute
 * left, waiting for the next minute when it has less.
 */
export async function withTimeLeftInTheMinute(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
