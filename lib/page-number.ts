/** "2" → 2; anything that is not a plain positive integer (e.g. "02", "1e3", "-1") → null. */
export function parsePageNumber(raw: string): number | null {
  if (!/^[1-9]\d{0,5}$/.test(raw)) return null;
  return Number(raw);
}
