import { pagePathOf } from './keys';

/*
 * The lines `npm run edge:collect` reads from varnishncsa, one per client request Varnish answered.
 * Only answers from Varnish's own cache are edge hits: a miss or a pass went on to the server,
 * which counts it itself (server/serve.ts), so counting it here would count it twice.
 */

/**
 * Varnish's handling (hit, miss, pass, pipe, synth), the method, the status, Next's x-nextjs-cache
 * header as the response carried it, and the path. varnishncsa prints "-" for a missing header.
 */
export const VARNISHNCSA_FORMAT = '%{Varnish:handling}x %m %s %{x-nextjs-cache}o %U';

export type EdgeLine = { kind: 'edge-hit'; page: string } | { kind: 'ignored' } | { kind: 'malformed' };

const HANDLINGS = new Set(['hit', 'miss', 'pass', 'pipe', 'synth']);

export function parseEdgeLine(line: string): EdgeLine {
  const fields = line.trim().split(/\s+/);
  if (fields.length === 1 && fields[0] === '') return { kind: 'ignored' };
  const [handling = '', method, status, nextCache, url = ''] = fields;
  if (fields.length !== 5 || !HANDLINGS.has(handling)) return { kind: 'malformed' };
  if (handling !== 'hit' || (method !== 'GET' && method !== 'HEAD')) return { kind: 'ignored' };
  // The server counts a response only when Next says it came from the page cache; the same header,
  // kept with Varnish's copy, leaves out static files and everything else that is not a cached page.
  if (nextCache === '-') return { kind: 'ignored' };
  // As the server does: cached 404s are one page, so a scan of made-up URLs adds one row, not thousands.
  return { kind: 'edge-hit', page: status === '404' ? '(not found)' : pagePathOf(url) };
}
