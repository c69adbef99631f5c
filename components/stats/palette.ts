/*
 * Chart colours as literals: SVG presentation attributes do not resolve CSS custom properties in
 * every browser. The ones shared with the page (--ok, --accent) are copied from app/globals.css.
 */
export const colours = {
  hit: '#1f6f43',
  stale: '#c28a12',
  edgeHit: '#2c7a7b',
  miss: '#cf4a4a',
  rebuilds: '#a4361f',
  wasted: '#8c8f96',
  grid: '#e4e1da',
  axis: '#5f6670',
} as const;

/** Lines of the per-page hit-ratio chart; the homepage, listed first, gets the accent. */
export const seriesColours = [
  '#a4361f',
  '#2b6cb0',
  '#1f6f43',
  '#c28a12',
  '#6b46c1',
  '#2c7a7b',
  '#5f6670',
  '#c05621',
] as const;

export function seriesColour(index: number): string {
  return seriesColours[index % seriesColours.length] ?? colours.axis;
}
